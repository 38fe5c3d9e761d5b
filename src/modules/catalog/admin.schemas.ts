import { Type, type Static } from '@sinclair/typebox';
import { Cents, IsoDateTime, Uuid } from '../../http/schemas.js';
import {
  AuditoriumRef,
  Currency,
  LanguageCode,
  Latitude,
  Longitude,
  Movie,
  Nullable,
  Prices,
  ScreenPosition,
  Presentation,
  SeatTier,
  ShowtimeFormat,
  ShowtimeFormatFields,
  Theater,
  TicketTypeOffer,
} from './catalog.schemas.js';
import { MAX_CURVE, MAX_POSITIONS_PER_ROW, MAX_ROWS } from './seat-layout.js';
import { MAX_CLEANING_MINUTES } from './showtime-rules.js';

/** Admin API shapes. Bodies reject unknown fields; text fields must contain something besides spaces. */

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });

export const TimeZone = Type.String({
  maxLength: 64,
  // IANA names only: offsets such as "+05:00" mean something else (POSIX) to PostgreSQL.
  pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
  description: 'IANA time zone name, e.g. America/New_York',
});

const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

// ---- prices ----
export const BookingFee = Type.Integer({
  minimum: 0,
  maximum: 100_000,
  description: 'Booking fee per ticket in integer cents (default 0)',
});
export const TaxRate = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  description:
    'Sales tax in parts per million of the price, 88750 = 8.875% (default 0); on tickets + booking fee, half up to the cent',
});
const Discount = Cents;
/** Off every tier's price for that type; null (or absent on create) means the type is not offered. */
const TicketTypeDiscounts = Type.Object(
  {
    child: Type.Optional(Nullable(Discount)),
    senior: Type.Optional(Nullable(Discount)),
    student: Type.Optional(Nullable(Discount)),
  },
  {
    additionalProperties: false,
    description:
      "Ticket types besides adult (always offered at the tier's price): each a discount in cents off every tier's price, never below 0; null: not offered",
  },
);

// ---- theaters ----
export const CleaningMinutes = Type.Integer({
  minimum: 0,
  maximum: MAX_CLEANING_MINUTES,
  description:
    'Minutes an auditorium needs between two showings (default 15). Applies to showtimes scheduled or moved afterwards',
});

export const TheaterCreateBody = Type.Object(
  {
    name: Text(200),
    address: Text(500),
    city: Text(200),
    lat: Latitude,
    lng: Longitude,
    timeZone: Type.Optional(TimeZone),
    currency: Type.Optional(
      Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code new showtimes default to (USD)' }),
    ),
    bookingFeeCents: Type.Optional(BookingFee),
    taxRatePpm: Type.Optional(TaxRate),
    cleaningMinutes: Type.Optional(CleaningMinutes),
  },
  { additionalProperties: false },
);
export type TheaterCreateBody = Static<typeof TheaterCreateBody>;

export const TheaterUpdateBody = Type.Partial(
  Type.Composite([
    TheaterCreateBody,
    Type.Object({
      closed: Type.Boolean({
        description:
          'true closes the theater: it stops selling and leaves the catalog, its showtimes and bookings stay; false reopens it',
      }),
    }),
  ]),
  { additionalProperties: false, minProperties: 1 },
);
export type TheaterUpdateBody = Static<typeof TheaterUpdateBody>;

export const AdminTheater = Type.Composite([
  Theater,
  Type.Object({
    auditoriumCount: Type.Integer(),
    currency: Currency,
    bookingFeeCents: BookingFee,
    taxRatePpm: TaxRate,
    cleaningMinutes: CleaningMinutes,
    closedAt: Nullable(IsoDateTime),
  }),
]);
export type AdminTheater = Static<typeof AdminTheater>;
export const AdminTheaterResponse = Type.Object({ theater: AdminTheater });
export const AdminTheaterListQuery = Type.Object(Paging, { additionalProperties: false });
export type PagingQuery = Static<typeof AdminTheaterListQuery>;
export const AdminTheaterListResponse = Type.Object({ theaters: Type.Array(AdminTheater) });

// ---- auditoriums ----
export const SeatBlock = Type.Union([Type.Literal('broken'), Type.Literal('house')], {
  description: 'A seat that is not for sale: broken, or kept by the house. Showtimes get no inventory for it',
});

export const LayoutSeat = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: 999 }),
    tier: SeatTier,
    blocked: Type.Optional(Nullable(SeatBlock)),
    seatTypeId: Type.Optional(
      Nullable(
        Type.String({
          format: 'uuid',
          description:
            "One of the theater's seat types: the seat takes its base tier (tier must then be standard or premium), colour and surcharge",
        }),
      ),
    ),
    seatType: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description:
          'A seat type of the theater by name, any case (how exported layout files carry it); instead of seatTypeId',
      }),
    ),
  },
  { additionalProperties: false },
);

export const LayoutRow = Type.Object(
  {
    label: Type.String({
      pattern: '^[A-Za-z0-9]{1,4}$',
      description: 'Row label: 1-4 letters or digits',
    }),
    stagger: Type.Optional(
      Type.Boolean({
        description: 'Draw the row half a seat to the right (staggered seating); default false',
      }),
    ),
    curve: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_CURVE,
        description: `How much the row bows towards the screen at its ends, 0 (straight, default) to ${MAX_CURVE}`,
      }),
    ),
    seats: Type.Array(Nullable(LayoutSeat), {
      minItems: 1,
      maxItems: MAX_POSITIONS_PER_ROW,
      description: 'Positions left to right; null is an aisle or gap',
    }),
  },
  { additionalProperties: false },
);

/** Lets an exported layout file be sent as it is. */
const LayoutFormat = Type.Optional(
  Type.Literal('matinee.seat-layout/1', {
    description: 'The layout file format (docs/api.md, seat layouts)',
  }),
);

const LayoutRows = Type.Array(LayoutRow, {
  minItems: 1,
  maxItems: MAX_ROWS,
  description: 'Rows front to back (nearest the screen first)',
});

export const AuditoriumCreateBody = Type.Object(
  {
    format: LayoutFormat,
    name: Text(100),
    screenPosition: Type.Optional(ScreenPosition),
    rows: LayoutRows,
  },
  { additionalProperties: false },
);
export type AuditoriumCreateBody = Static<typeof AuditoriumCreateBody>;

export const LayoutUpdateBody = Type.Object(
  {
    format: LayoutFormat,
    baseVersion: Type.Integer({
      minimum: 1,
      description:
        'The layoutVersion the edit started from: another version saved meanwhile is a 409 LAYOUT_VERSION_CONFLICT',
    }),
    name: Type.Optional(Text(100)),
    screenPosition: Type.Optional(ScreenPosition),
    rows: LayoutRows,
  },
  { additionalProperties: false },
);
export type LayoutUpdateBody = Static<typeof LayoutUpdateBody>;

export const AuditoriumSummary = Type.Object({
  id: Uuid,
  theaterId: Uuid,
  name: Type.String(),
  screenPosition: ScreenPosition,
  seatCount: Type.Integer({ description: 'Seats of the current layout version, blocked ones included' }),
  layoutVersion: Type.Integer({ description: 'The layout version showtimes created from now on get' }),
});
export type AuditoriumSummary = Static<typeof AuditoriumSummary>;

export const AuditoriumDetail = Type.Composite([
  AuditoriumSummary,
  Type.Object({
    upcomingShowtimes: Type.Object(
      {
        onCurrentLayout: Type.Integer(),
        onOlderLayouts: Type.Integer(),
        withSales: Type.Integer({ description: 'Of those, how many have seats held or sold' }),
      },
      {
        description:
          'Showtimes not yet started. Each keeps the layout version it was created with: a saved layout applies to new showtimes only',
      },
    ),
    rows: Type.Array(
      Type.Object({
        label: Type.String(),
        y: Type.Integer(),
        stagger: Type.Boolean(),
        curve: Type.Integer(),
        seats: Type.Array(
          Nullable(
            Type.Object({
              id: Uuid,
              number: Type.Integer(),
              tier: SeatTier,
              x: Type.Integer(),
              blocked: Nullable(SeatBlock),
              seatTypeId: Nullable(Uuid),
            }),
          ),
        ),
      }),
    ),
  }),
]);
export type AuditoriumDetail = Static<typeof AuditoriumDetail>;
export const AuditoriumResponse = Type.Object({ auditorium: AuditoriumDetail });
export const AuditoriumListResponse = Type.Object({ auditoriums: Type.Array(AuditoriumSummary) });
export const AuditoriumParams = Type.Object({ auditoriumId: Uuid });

// ---- seat types ----
const SeatTypeName = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '\\S',
  description: 'Unique in the theater, any case: "Recliner", "D-BOX"',
});
const Colour = Type.String({
  pattern: '^#[0-9A-Fa-f]{6}$',
  description: 'The colour seats of this type are drawn in, #rrggbb (stored in lower case)',
});
export const SeatTypeBaseTier = Type.Union([Type.Literal('standard'), Type.Literal('premium')], {
  description: "The tier whose rules and showtime price the type's seats take",
});
const Surcharge = Type.Integer({
  minimum: 0,
  maximum: 100_000,
  description: "Integer cents added to the base tier's showtime price (before ticket-type discounts)",
});

export const SeatTypeCreateBody = Type.Object(
  {
    name: SeatTypeName,
    colour: Colour,
    baseTier: SeatTypeBaseTier,
    surchargeCents: Type.Optional(Surcharge),
  },
  { additionalProperties: false },
);
export type SeatTypeCreateBody = Static<typeof SeatTypeCreateBody>;

export const SeatTypeUpdateBody = Type.Object(
  {
    name: Type.Optional(SeatTypeName),
    colour: Type.Optional(Colour),
    baseTier: Type.Optional(SeatTypeBaseTier),
    surchargeCents: Type.Optional(Surcharge),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SeatTypeUpdateBody = Static<typeof SeatTypeUpdateBody>;

export const AdminSeatType = Type.Object({
  id: Uuid,
  theaterId: Uuid,
  name: Type.String(),
  colour: Type.String({ description: '#rrggbb' }),
  baseTier: SeatTypeBaseTier,
  surchargeCents: Cents,
  auditoriumsUsing: Type.Integer({
    description: "How many auditoriums' current layouts have seats of this type (0: it can be deleted)",
  }),
});
export type AdminSeatType = Static<typeof AdminSeatType>;
export const SeatTypeResponse = Type.Object({ seatType: AdminSeatType });
export const SeatTypeListResponse = Type.Object({ seatTypes: Type.Array(AdminSeatType) });
export const SeatTypeParams = Type.Object({ theaterId: Uuid, seatTypeId: Uuid });

// ---- movies ----
const PosterUrl = Type.String({
  maxLength: 2000,
  pattern: '^(https?://[^\\s]+|/[^\\s]*)$',
  description: 'An http(s) URL or a path on this server starting with /',
});

const TrailerUrl = Type.String({
  maxLength: 2000,
  pattern: '^https?://[^\\s]+$',
  description: 'An http(s) URL of the trailer',
});
const Genres = Type.Array(Text(40), {
  maxItems: 10,
  uniqueItems: true,
  description: 'e.g. ["Drama", "Comedy"]; at most 10, no repeats',
});
const Cast = Type.Array(Text(100), { maxItems: 50, description: 'Names in billing order; at most 50' });

export const MovieCreateBody = Type.Object(
  {
    title: Text(300),
    synopsis: Type.Optional(Type.String({ maxLength: 5000 })),
    runtimeMinutes: Type.Integer({ minimum: 1, maximum: 600 }),
    rating: Type.Optional(Text(10)),
    posterUrl: Type.Optional(PosterUrl),
    genres: Type.Optional(Genres),
    language: Type.Optional(LanguageCode),
    cast: Type.Optional(Cast),
    trailerUrl: Type.Optional(TrailerUrl),
  },
  { additionalProperties: false },
);
export type MovieCreateBody = Static<typeof MovieCreateBody>;

export const MovieUpdateBody = Type.Object(
  {
    title: Type.Optional(Text(300)),
    synopsis: Type.Optional(Type.String({ maxLength: 5000 })),
    runtimeMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
    rating: Type.Optional(Text(10)),
    posterUrl: Type.Optional(Nullable(PosterUrl)),
    genres: Type.Optional(Genres),
    language: Type.Optional(LanguageCode),
    cast: Type.Optional(Cast),
    trailerUrl: Type.Optional(Nullable(TrailerUrl)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type MovieUpdateBody = Static<typeof MovieUpdateBody>;

export const MovieResponse = Type.Object({ movie: Movie });
export const MovieParams = Type.Object({ movieId: Uuid });
export const MovieListQuery = Type.Object(
  {
    ...Paging,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Title contains' })),
  },
  { additionalProperties: false },
);
export type MovieListQuery = Static<typeof MovieListQuery>;
export const MovieListResponse = Type.Object({
  movies: Type.Array(Movie),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type MovieListResponse = Static<typeof MovieListResponse>;

// ---- showtimes ----
export const ShowtimeCreateBody = Type.Object(
  {
    auditoriumId: Uuid,
    movieId: Uuid,
    startsAt: IsoDateTime,
    prices: Type.Object(
      { standard: Cents, premium: Type.Optional(Cents), accessible: Type.Optional(Cents) },
      { additionalProperties: false },
    ),
    currency: Type.Optional(Currency),
    ticketTypes: Type.Optional(TicketTypeDiscounts),
    format: Type.Optional(ShowtimeFormat),
    presentation: Type.Optional(Presentation),
    presentationLanguage: Type.Optional(LanguageCode),
  },
  { additionalProperties: false },
);
export type ShowtimeCreateBody = Static<typeof ShowtimeCreateBody>;

export const ShowtimeUpdateBody = Type.Object(
  {
    startsAt: Type.Optional(IsoDateTime),
    prices: Type.Optional(
      Type.Object(
        {
          standard: Type.Optional(Cents),
          premium: Type.Optional(Nullable(Cents)),
          accessible: Type.Optional(Nullable(Cents)),
        },
        {
          additionalProperties: false,
          minProperties: 1,
          description: 'null makes the tier follow the standard price',
        },
      ),
    ),
    ticketTypes: Type.Optional(TicketTypeDiscounts),
    format: Type.Optional(ShowtimeFormat),
    presentation: Type.Optional(Presentation),
    presentationLanguage: Type.Optional(Nullable(LanguageCode)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ShowtimeUpdateBody = Static<typeof ShowtimeUpdateBody>;

export const AdminShowtime = Type.Object({
  id: Uuid,
  startsAt: IsoDateTime,
  endsAt: Type.String({
    format: 'date-time',
    description: 'When the auditorium is free again: the film ends cleaningMinutes earlier',
  }),
  cleaningMinutes: Type.Integer({ description: 'The cleaning time the slot was scheduled with' }),
  currency: Currency,
  prices: Prices,
  ticketTypes: Type.Array(TicketTypeOffer, { description: 'The ticket types offered, adult first' }),
  movie: Type.Object({ id: Uuid, title: Type.String(), runtimeMinutes: Type.Integer() }),
  auditorium: AuditoriumRef,
  theater: Type.Object({ id: Uuid, name: Type.String(), timeZone: Type.String() }),
  seats: Type.Object({
    total: Type.Integer(),
    available: Type.Integer(),
    held: Type.Integer(),
    sold: Type.Integer(),
  }),
  ...ShowtimeFormatFields,
});
export type AdminShowtime = Static<typeof AdminShowtime>;
export const AdminShowtimeResponse = Type.Object({ showtime: AdminShowtime });
export const AdminShowtimeListQuery = Type.Object(
  {
    theaterId: Type.Optional(Uuid),
    auditoriumId: Type.Optional(Uuid),
    movieId: Type.Optional(Uuid),
    from: Type.Optional(IsoDateTime),
    to: Type.Optional(IsoDateTime),
    ...Paging,
  },
  { additionalProperties: false },
);
export type AdminShowtimeListQuery = Static<typeof AdminShowtimeListQuery>;
export const AdminShowtimeListResponse = Type.Object({ showtimes: Type.Array(AdminShowtime) });
export const AdminShowtimeParams = Type.Object({ showtimeId: Uuid });

// ---- schedule: conflicts, bulk create, a theater's week ----
export const ShowtimeConflict = Type.Object(
  {
    showtimeId: Nullable(Uuid), // null: another item of the same batch
    itemIndex: Type.Optional(Type.Integer({ description: 'The batch item it conflicts with (bulk only)' })),
    movie: Type.Object({ id: Uuid, title: Type.String() }),
    auditorium: Type.Object({ id: Uuid, name: Type.String() }),
    startsAt: IsoDateTime,
    endsAt: Type.String({ format: 'date-time', description: 'Including the cleaning time' }),
    cleaningMinutes: Type.Integer(),
    timeZone: Type.String({ description: "The theater's time zone (the message uses it)" }),
  },
  { description: 'The showtime occupying the auditorium at that time' },
);
export type ShowtimeConflict = Static<typeof ShowtimeConflict>;

export const MAX_BULK_SHOWTIMES = 100;

export const ShowtimeBulkBody = Type.Object(
  {
    dryRun: Type.Optional(
      Type.Boolean({ description: 'true: create nothing, answer 200 with each item and its conflicts' }),
    ),
    showtimes: Type.Array(ShowtimeCreateBody, {
      minItems: 1,
      maxItems: MAX_BULK_SHOWTIMES,
      description: 'Each as POST /admin/showtimes takes it; all are created or none',
    }),
  },
  { additionalProperties: false },
);
export type ShowtimeBulkBody = Static<typeof ShowtimeBulkBody>;

export const BulkItemReport = Type.Object({
  index: Type.Integer(),
  auditoriumId: Uuid,
  movieId: Uuid,
  startsAt: IsoDateTime,
  endsAt: Type.String({ format: 'date-time', description: 'Including the cleaning time' }),
  conflicts: Type.Array(ShowtimeConflict),
});
export type BulkItemReport = Static<typeof BulkItemReport>;

export const ShowtimeBulkDryRunResponse = Type.Object({
  dryRun: Type.Literal(true),
  ok: Type.Boolean({
    description: 'true when no item conflicts: the same body without dryRun would succeed now',
  }),
  items: Type.Array(BulkItemReport),
});
export type ShowtimeBulkDryRunResponse = Static<typeof ShowtimeBulkDryRunResponse>;
export const ShowtimeBulkResponse = Type.Object({ showtimes: Type.Array(AdminShowtime) });

export const MAX_SCHEDULE_RANGE_DAYS = 14;
export const ScheduleQuery = Type.Object(
  {
    from: IsoDateTime,
    to: Type.String({
      format: 'date-time',
      description: `Showtimes starting before this; at most ${MAX_SCHEDULE_RANGE_DAYS} days after from`,
    }),
  },
  { additionalProperties: false },
);
export type ScheduleQuery = Static<typeof ScheduleQuery>;

export const ScheduleResponse = Type.Object({
  theater: Type.Object({
    id: Uuid,
    name: Type.String(),
    timeZone: Type.String(),
    cleaningMinutes: CleaningMinutes,
    currency: Currency,
    closedAt: Nullable(IsoDateTime),
  }),
  auditoriums: Type.Array(AuditoriumSummary),
  showtimes: Type.Array(AdminShowtime, {
    description: 'Every showtime starting in [from, to) or still running at from, by start',
  }),
});
export type ScheduleResponse = Static<typeof ScheduleResponse>;
