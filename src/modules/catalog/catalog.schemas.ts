import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Cents, IsoDateTime, Uuid } from '../../http/schemas.js';

/** Public browse API: request and response shapes. Admin shapes build on these (admin.schemas.ts). */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Latitude = Type.Number({ minimum: -90, maximum: 90 });
export const Longitude = Type.Number({ minimum: -180, maximum: 180 });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. USD' });
export const SeatTier = Type.Union(
  [Type.Literal('standard'), Type.Literal('premium'), Type.Literal('accessible'), Type.Literal('companion')],
  {
    description:
      'accessible: a wheelchair space; companion: a seat next to a wheelchair space, sold with it (see docs/api.md, companion seats). Companion seats cost the standard price.',
  },
);
export const ScreenPosition = Type.Union([Type.Literal('top'), Type.Literal('bottom')]);
export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

export const TheaterSummary = Type.Object({
  id: Uuid,
  name: Type.String(),
  address: Type.String(),
  city: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  distanceKm: Nullable(Type.Number({ description: 'km from lat/lng; null when no position was given' })),
});
export type TheaterSummary = Static<typeof TheaterSummary>;

export const Theater = Type.Object({
  id: Uuid,
  name: Type.String(),
  address: Type.String(),
  city: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  timeZone: Type.String({ description: 'IANA time zone, e.g. America/New_York' }),
});
export type Theater = Static<typeof Theater>;

export const LanguageCode = Type.String({
  pattern: '^[a-z]{2,3}$',
  description: 'ISO 639 language code, e.g. en, es, fr',
});

export const Movie = Type.Object({
  id: Uuid,
  title: Type.String(),
  synopsis: Type.String(),
  runtimeMinutes: Type.Integer(),
  rating: Type.String(),
  posterUrl: Nullable(Type.String()),
  genres: Type.Array(Type.String()),
  language: Type.String({ description: 'ISO 639 code of the original soundtrack' }),
  cast: Type.Array(Type.String(), { description: 'Billing order' }),
  trailerUrl: Nullable(Type.String()),
});
export type Movie = Static<typeof Movie>;

export const ShowtimeFormat = Type.Union(
  [Type.Literal('2D'), Type.Literal('3D'), Type.Literal('IMAX'), Type.Literal('DOLBY')],
  { description: 'Projection: 2D, 3D, IMAX or DOLBY (Dolby Cinema)' },
);
export type ShowtimeFormat = Static<typeof ShowtimeFormat>;
export const Presentation = Type.Union(
  [Type.Literal('original'), Type.Literal('subtitled'), Type.Literal('dubbed')],
  {
    description:
      'original soundtrack; subtitled (in presentationLanguage); dubbed (into presentationLanguage)',
  },
);
export type Presentation = Static<typeof Presentation>;

/** How a showtime is shown: the same three fields on every showtime shape. */
export const ShowtimeFormatFields = {
  format: ShowtimeFormat,
  presentation: Presentation,
  presentationLanguage: Nullable(
    Type.String({ description: "Subtitles' language when subtitled, the soundtrack's when dubbed" }),
  ),
};

export const Prices = Type.Object(
  { standard: Cents, premium: Cents, accessible: Cents },
  { description: 'Price per seat tier in integer cents (premium and accessible default to standard)' },
);
export type Prices = Static<typeof Prices>;

export const TicketType = Type.Union(
  [Type.Literal('adult'), Type.Literal('child'), Type.Literal('senior'), Type.Literal('student')],
  { description: 'adult is always offered; the others when the showtime offers them' },
);
export type TicketType = Static<typeof TicketType>;

export const TicketTypeOffer = Type.Object({
  type: TicketType,
  discountCents: Cents,
  prices: Type.Object(
    { standard: Cents, premium: Cents, accessible: Cents },
    { description: "This type's price per seat tier: the tier's price less the discount, never below 0" },
  ),
});
export type TicketTypeOffer = Static<typeof TicketTypeOffer>;

export const AuditoriumRef = Type.Object({ id: Uuid, name: Type.String() });

export const TheatersQuery = Type.Object(
  {
    lat: Type.Optional(Latitude),
    lng: Type.Optional(Longitude),
    radiusKm: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 200, default: 25 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);
export type TheatersQuery = Static<typeof TheatersQuery>;

export const TheatersResponse = Type.Object({ theaters: Type.Array(TheaterSummary) });
export type TheatersResponse = Static<typeof TheatersResponse>;

export const TheaterParams = Type.Object({ theaterId: Uuid });
export const ShowtimeParams = Type.Object({ showtimeId: Uuid });

export const TheaterResponse = Type.Object({ theater: Theater });

export const MoviesForTheaterQuery = Type.Object(
  { date: Type.Optional(IsoDate) },
  { additionalProperties: false },
);

export const ShowtimeListing = Type.Object({
  id: Uuid,
  startsAt: IsoDateTime,
  auditorium: AuditoriumRef,
  prices: Prices,
  fromCents: Type.Integer({
    minimum: 0,
    description: 'The lowest ticket price (any tier, any offered type), before booking fee and tax',
  }),
  currency: Currency,
  seatsAvailable: Type.Integer({ minimum: 0 }),
  ...ShowtimeFormatFields,
});
export type ShowtimeListing = Static<typeof ShowtimeListing>;

export const MovieWithShowtimes = Type.Composite([
  Movie,
  Type.Object({ showtimes: Type.Array(ShowtimeListing) }),
]);
export type MovieWithShowtimes = Static<typeof MovieWithShowtimes>;

export const MoviesForTheaterResponse = Type.Object({
  theater: Theater,
  date: Type.String({ description: 'The local date listed (YYYY-MM-DD in the theater time zone)' }),
  nextShowtimeDate: Nullable(
    Type.String({
      description:
        "The local date of the theater's next showtime that has not started yet (null: none scheduled). " +
        'Later than today when no showtimes are left today: a client can open on that day instead.',
    }),
  ),
  movies: Type.Array(MovieWithShowtimes),
});
export type MoviesForTheaterResponse = Static<typeof MoviesForTheaterResponse>;

export const ShowtimeDetail = Type.Object({
  id: Uuid,
  startsAt: IsoDateTime,
  endsAt: IsoDateTime,
  currency: Currency,
  prices: Prices,
  ticketTypes: Type.Array(TicketTypeOffer, { description: 'The ticket types offered, adult first' }),
  bookingFeeCents: Type.Integer({ minimum: 0, description: "Per ticket, the theater's booking fee" }),
  taxRatePpm: Type.Integer({
    minimum: 0,
    description: "The theater's sales tax in parts per million (88750 = 8.875%), on tickets + booking fee",
  }),
  movie: Movie,
  theater: Theater,
  auditorium: Type.Object({ id: Uuid, name: Type.String(), screenPosition: ScreenPosition }),
  ...ShowtimeFormatFields,
});
export type ShowtimeDetail = Static<typeof ShowtimeDetail>;

export const ShowtimeResponse = Type.Object({ showtime: ShowtimeDetail });

export const SeatStatus = Type.Union([Type.Literal('available'), Type.Literal('held'), Type.Literal('sold')]);

export const SeatMapSeat = Type.Object({
  id: Uuid,
  row: Type.String(),
  number: Type.Integer(),
  x: Type.Integer(),
  y: Type.Integer(),
  tier: SeatTier,
  dx: Type.Number({
    description:
      'Drawing offset in seat widths to the right (0.5 in a staggered row); neighbours still go by x',
  }),
  dy: Type.Number({
    description:
      'Drawing offset in row heights towards the back (negative: nearer the screen, in a curved row)',
  }),
  priceCents: Cents,
  seatType: Nullable(
    Type.Object(
      {
        id: Uuid,
        name: Type.String(),
        colour: Type.String({ description: '#rrggbb' }),
      },
      {
        description:
          "The theater's own seat type (Recliner, D-BOX), drawn in its colour; priceCents includes its surcharge. null: a plain seat of its tier",
      },
    ),
  ),
  status: SeatStatus,
});
export type SeatMapSeat = Static<typeof SeatMapSeat>;

export const SeatMapResponse = Type.Object({
  showtime: Type.Object({
    id: Uuid,
    theaterId: Uuid,
    movieId: Uuid,
    auditoriumId: Uuid,
    startsAt: IsoDateTime,
    currency: Currency,
    screenPosition: ScreenPosition,
  }),
  version: Type.Integer({
    minimum: 0,
    description:
      "The showtime's seat version (as in the seat stream's events): it grows with every seat change. A stream " +
      'event whose prevVersion is not the version a client holds means it missed a change.',
  }),
  seats: Type.Array(SeatMapSeat),
});
export type SeatMapResponse = Static<typeof SeatMapResponse>;

// ---- movie first ----
export const MovieParams = Type.Object({ movieId: Uuid });

export const MovieSearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Part of the title, any case; absent or blank: every movie',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);
export type MovieSearchQuery = Static<typeof MovieSearchQuery>;
export const MovieSearchResponse = Type.Object({ movies: Type.Array(Movie) });
export type MovieSearchResponse = Static<typeof MovieSearchResponse>;
export const MovieResponse = Type.Object({ movie: Movie });

export const MovieShowtimesQuery = Type.Object(
  {
    lat: Type.Optional(Latitude),
    lng: Type.Optional(Longitude),
    radiusKm: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 200, default: 25 })),
    days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 14, default: 7, description: 'How many days from now' }),
    ),
    format: Type.Optional(ShowtimeFormat),
    presentation: Type.Optional(Presentation),
    language: Type.Optional(LanguageCode),
  },
  { additionalProperties: false },
);
export type MovieShowtimesQuery = Static<typeof MovieShowtimesQuery>;

export const MovieTheaterShowtimes = Type.Composite([
  TheaterSummary,
  Type.Object({ timeZone: Type.String(), showtimes: Type.Array(ShowtimeListing) }),
]);
export type MovieTheaterShowtimes = Static<typeof MovieTheaterShowtimes>;

export const MovieShowtimesResponse = Type.Object({
  movie: Movie,
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: "YYYY-MM-DD, local to each theater's time zone" }),
      theaters: Type.Array(MovieTheaterShowtimes, { description: 'Nearest first (by name without a point)' }),
    }),
  ),
  formats: Type.Array(Type.Object(ShowtimeFormatFields), {
    description: 'Every combination shown in range and radius before the filters: the choices to offer',
  }),
});
export type MovieShowtimesResponse = Static<typeof MovieShowtimesResponse>;

// ---- where am I ----
export const PlacesQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'A US ZIP code (or its first digits) or a place name, optionally "name, region"',
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 8 })),
  },
  { additionalProperties: false },
);
export type PlacesQuery = Static<typeof PlacesQuery>;

export const Place = Type.Object({
  kind: Type.Union([Type.Literal('zip'), Type.Literal('city')]),
  label: Type.String({ description: 'For people: "New York, NY 10001", "Paris, France"' }),
  name: Type.String(),
  region: Nullable(Type.String({ description: 'US state code; null elsewhere' })),
  country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
  postalCode: Nullable(Type.String()),
  lat: Type.Number(),
  lng: Type.Number(),
});
export type Place = Static<typeof Place>;
export const PlacesResponse = Type.Object({ places: Type.Array(Place) });
export type PlacesResponse = Static<typeof PlacesResponse>;
