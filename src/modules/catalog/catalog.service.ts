import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../context.js';
import type { SeatTier, TheaterRow } from '../../db/schema.js';
import { ValidationError } from '../../http/errors.js';
import { MovieNotFoundError, ShowtimeNotFoundError, TheaterNotFoundError } from './catalog.errors.js';
import {
  CatalogRepository,
  type FormatColumns,
  type MovieColumns,
  type MovieShowtimeRow,
  type PriceColumns,
} from './catalog.repository.js';
import type {
  Movie,
  MovieSearchQuery,
  MovieSearchResponse,
  MovieShowtimesQuery,
  MovieShowtimesResponse,
  MovieTheaterShowtimes,
  PlacesQuery,
  PlacesResponse,
  ShowtimeListing,
  MovieWithShowtimes,
  MoviesForTheaterResponse,
  Prices,
  SeatMapResponse,
  ShowtimeDetail,
  Theater,
  TheatersQuery,
  TheatersResponse,
  TicketTypeOffer,
} from './catalog.schemas.js';
import { discountOf, TICKET_TYPES, ticketPrice } from './ticket-prices.js';
import { boundingBox } from './geo.js';
import { searchPlaces } from './places.js';
import { seatOffset } from './seat-layout.js';

export const DEFAULT_RADIUS_KM = 25;

/** A serialized seat map: the exact bytes of a 200 and their strong ETag. */
export interface SeatMapBody {
  body: Buffer;
  etag: string;
  /** The gzip representation's tag, known without compressing (see `gzippedSeatMap`). */
  gzipEtag: string;
  version: number;
  /** The same body gzip-encoded, made on first demand and kept with it (one compression per change). */
  gzip?: { body: Buffer; etag: string };
}

/**
 * A seat map's gzip representation: a tenth of the bytes for browsers (which all accept gzip), compressed once
 * per change of the map rather than per request. Its strong ETag differs from the identity body's (another
 * representation), and either tag revalidates (catalog.routes.ts).
 */
export function gzippedSeatMap(map: SeatMapBody): { body: Buffer; etag: string } {
  map.gzip ??= { body: gzipSync(map.body, { level: 6 }), etag: map.gzipEtag };
  return map.gzip;
}

/** The gzip representation's strong ETag: the identity tag with a suffix. */
function gzipTagOf(etag: string): string {
  return `${etag.slice(0, -1)}-gz"`;
}

/** A built seat map and what it was built from (the feed state's revision and the layout's stamp). */
interface BuiltSeatMap extends SeatMapBody {
  revision: number;
  stamp: string;
}

/** The part of a seat map that changes only when the showtime is edited (showtimes.updated_at). */
interface SeatMapLayout {
  stamp: string;
  showtime: SeatMapResponse['showtime'];
  seats: Omit<SeatMapResponse['seats'][number], 'status'>[];
}

const LAYOUT = 'catalog.layout';
const BODY = 'catalog.body';
const LAYOUT_LOADING = 'catalog.layout-loading';
export const DEFAULT_THEATER_LIMIT = 20;

export function toTheater(row: TheaterRow): Theater {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    city: row.city,
    lat: row.latitude,
    lng: row.longitude,
    timeZone: row.time_zone,
  };
}

export function toMovie(row: MovieColumns & { id: string }): Movie {
  return {
    id: row.id,
    title: row.title,
    synopsis: row.synopsis,
    runtimeMinutes: row.runtime_minutes,
    rating: row.rating,
    posterUrl: row.poster_url,
    genres: row.genres,
    language: row.language,
    cast: row.cast_members,
    trailerUrl: row.trailer_url,
  };
}

export function toFormat(
  row: FormatColumns,
): Pick<ShowtimeListing, 'format' | 'presentation' | 'presentationLanguage'> {
  return {
    format: row.format,
    presentation: row.presentation,
    presentationLanguage: row.presentation_language,
  };
}

/** The ticket types a showtime offers, adult first, with each type's price per tier. */
export function ticketTypeOffers(row: PriceColumns): TicketTypeOffer[] {
  const prices = tierPrices(row);
  const offers: TicketTypeOffer[] = [];
  for (const type of TICKET_TYPES) {
    const discount = discountOf(row, type);
    if (discount === undefined) continue;
    offers.push({
      type,
      discountCents: discount,
      prices: {
        standard: ticketPrice(prices.standard, discount),
        premium: ticketPrice(prices.premium, discount),
        accessible: ticketPrice(prices.accessible, discount),
      },
    });
  }
  return offers;
}

/** "From $14.50": the cheapest ticket of any tier and offered type, before booking fee and tax. */
export function fromCents(row: PriceColumns): number {
  return Math.min(...ticketTypeOffers(row).flatMap((o) => Object.values(o.prices)));
}

function listing(row: MovieShowtimeRow): ShowtimeListing {
  return {
    id: row.showtime_id,
    startsAt: row.starts_at.toISOString(),
    auditorium: { id: row.auditorium_id, name: row.auditorium_name },
    prices: tierPrices(row),
    fromCents: fromCents(row),
    currency: row.currency,
    seatsAvailable: row.seats_available,
    ...toFormat(row),
  };
}

export const DEFAULT_MOVIE_DAYS = 7;
export const DEFAULT_MOVIE_LIMIT = 20;
export const DEFAULT_PLACE_LIMIT = 8;

/**
 * tierPriceSql plus the seat type's surcharge: `seatType` names a seat_types row LEFT JOINed to the seat (its
 * columns NULL for a plain seat). The hold and best available price seats with this, the seat map the same way.
 */
export function seatPriceSql(showtime: string, tier: string, seatType: string): RawBuilder<number> {
  return sql<number>`(${tierPriceSql(showtime, tier)} + coalesce(${sql.ref(`${seatType}.surcharge_cents`)}, 0))`;
}

/** Premium and accessible prices are optional on a showtime and then follow the standard price (tierPriceSql too). */
export function tierPrices(row: PriceColumns): Prices {
  return {
    standard: row.price_standard_cents,
    premium: row.price_premium_cents ?? row.price_standard_cents,
    accessible: row.price_accessible_cents ?? row.price_standard_cents,
  };
}

/** tierPrices in SQL, for a statement that prices seats itself: `showtime` names a showtimes row, `tier` a tier. */
export function tierPriceSql(showtime: string, tier: string): RawBuilder<number> {
  const col = (c: string) => sql.ref(`${showtime}.${c}`);
  return sql<number>`CASE ${sql.ref(tier)}
    WHEN 'premium' THEN coalesce(${col('price_premium_cents')}, ${col('price_standard_cents')})
    WHEN 'accessible' THEN coalesce(${col('price_accessible_cents')}, ${col('price_standard_cents')})
    ELSE ${col('price_standard_cents')} -- standard and companion seats
    END`;
}

/**
 * A seat's price by its tier; a companion seat costs the standard price. A seat of an operator-defined type adds
 * the type's surcharge to this (seatPriceSql, the seat map).
 */
export function priceFor(prices: Prices, tier: SeatTier): number {
  return tier === 'companion' ? prices.standard : prices[tier];
}

/** The public browse API: theaters near a point, what plays where, and live seat maps. */
export class CatalogService {
  private readonly repo: CatalogRepository;

  constructor(private readonly ctx: AppContext) {
    this.repo = new CatalogRepository(ctx.db);
  }

  async findTheaters(query: TheatersQuery): Promise<TheatersResponse> {
    const limit = query.limit ?? DEFAULT_THEATER_LIMIT;
    const { lat, lng } = query;
    if (lat === undefined && lng === undefined) {
      const rows = await this.repo.listTheatersByName(limit);
      return { theaters: rows.map((r) => ({ ...summary(r), distanceKm: null })) };
    }
    if (lat === undefined || lng === undefined) {
      const missing = lat === undefined ? 'lat' : 'lng';
      throw new ValidationError('Send both lat and lng, or neither to list every theater', {
        fields: [
          { field: `querystring.${missing}`, message: 'is required together with the other coordinate' },
        ],
      });
    }
    const radiusKm = query.radiusKm ?? DEFAULT_RADIUS_KM;
    const origin = { lat, lng };
    const rows = await this.repo.findTheatersNear(origin, radiusKm, boundingBox(origin, radiusKm), limit);
    return {
      theaters: rows.map((r) => ({ ...summary(r), distanceKm: Math.round(r.distance_km * 1000) / 1000 })),
    };
  }

  async getTheater(id: string): Promise<Theater> {
    const row = await this.repo.findTheater(id);
    if (!row) throw new TheaterNotFoundError();
    return toTheater(row);
  }

  async listMoviesForTheater(theaterId: string, date: string | undefined): Promise<MoviesForTheaterResponse> {
    // "Today" follows the injectable clock (the business calendar); hold validity follows the database's now().
    const now = this.ctx.clock.now();
    const day = await this.repo.findTheaterDay(theaterId, date, now);
    if (!day) throw new TheaterNotFoundError();
    const [rows, nextShowtimeDate] = await Promise.all([
      this.repo.listShowtimesOfTheater(theaterId, day.dayStart, day.dayEnd),
      this.repo.findNextShowtimeDate(theaterId, day.theater.time_zone, now),
    ]);

    const movies: MovieWithShowtimes[] = [];
    for (const row of rows) {
      let movie = movies.at(-1);
      if (movie?.id !== row.movie_id) {
        movie = { ...toMovie({ ...row, id: row.movie_id }), showtimes: [] };
        movies.push(movie);
      }
      movie.showtimes.push({
        id: row.showtime_id,
        startsAt: row.starts_at.toISOString(),
        auditorium: { id: row.auditorium_id, name: row.auditorium_name },
        prices: tierPrices(row),
        fromCents: fromCents(row),
        currency: row.currency,
        seatsAvailable: row.seats_available,
        ...toFormat(row),
      });
    }
    return { theater: toTheater(day.theater), date: day.day, nextShowtimeDate, movies };
  }

  async getShowtime(id: string): Promise<ShowtimeDetail> {
    const row = await this.repo.findShowtimeDetail(id);
    if (!row) throw new ShowtimeNotFoundError();
    return {
      id: row.id,
      startsAt: row.starts_at.toISOString(),
      endsAt: row.ends_at.toISOString(),
      currency: row.currency,
      prices: tierPrices(row),
      ticketTypes: ticketTypeOffers(row),
      bookingFeeCents: row.booking_fee_cents,
      taxRatePpm: row.tax_rate_ppm,
      movie: toMovie({ ...row, id: row.movie_id }),
      theater: {
        id: row.theater_id,
        name: row.theater_name,
        address: row.address,
        city: row.city,
        lat: row.latitude,
        lng: row.longitude,
        timeZone: row.time_zone,
      },
      auditorium: { id: row.auditorium_id, name: row.auditorium_name, screenPosition: row.screen_position },
      ...toFormat(row),
    };
  }

  async searchMovies(query: MovieSearchQuery): Promise<MovieSearchResponse> {
    const rows = await this.repo.searchMovies((query.q ?? '').trim(), query.limit ?? DEFAULT_MOVIE_LIMIT);
    return { movies: rows.map(toMovie) };
  }

  async getMovie(id: string): Promise<Movie> {
    const row = await this.repo.findMovie(id);
    if (!row) throw new MovieNotFoundError();
    return toMovie(row);
  }

  /**
   * A movie page: its showtimes from now for `days` days at every theater within the radius (every theater
   * without a point), by local day, nearest theater first. `formats` lists what plays before the filters, so a
   * page can offer only choices that exist.
   */
  async listMovieShowtimes(movieId: string, query: MovieShowtimesQuery): Promise<MovieShowtimesResponse> {
    const movie = await this.repo.findMovie(movieId);
    if (!movie) throw new MovieNotFoundError();
    const { lat, lng } = query;
    if ((lat === undefined) !== (lng === undefined)) {
      const missing = lat === undefined ? 'lat' : 'lng';
      throw new ValidationError('Send both lat and lng, or neither for every theater', {
        fields: [
          { field: `querystring.${missing}`, message: 'is required together with the other coordinate' },
        ],
      });
    }
    const radiusKm = query.radiusKm ?? DEFAULT_RADIUS_KM;
    const near =
      lat !== undefined && lng !== undefined
        ? { origin: { lat, lng }, radiusKm, box: boundingBox({ lat, lng }, radiusKm) }
        : undefined;
    const from = this.ctx.clock.now();
    const to = new Date(from.getTime() + (query.days ?? DEFAULT_MOVIE_DAYS) * 86_400_000);
    const rows = await this.repo.listMovieShowtimes(movieId, from, to, near);

    const formats = new Map<string, MovieShowtimesResponse['formats'][number]>();
    const days: MovieShowtimesResponse['days'] = [];
    for (const row of rows) {
      const format = toFormat(row);
      const key = `${format.format}|${format.presentation}|${format.presentationLanguage ?? ''}`;
      if (!formats.has(key)) formats.set(key, format);
      if (query.format && row.format !== query.format) continue;
      if (query.presentation && row.presentation !== query.presentation) continue;
      if (query.language && row.presentation_language !== query.language) continue;
      let day = days.at(-1);
      if (day?.date !== row.local_date) {
        day = { date: row.local_date, theaters: [] };
        days.push(day);
      }
      let theater: MovieTheaterShowtimes | undefined = day.theaters.at(-1);
      if (theater?.id !== row.theater_id) {
        theater = {
          id: row.theater_id,
          name: row.theater_name,
          address: row.address,
          city: row.city,
          lat: row.latitude,
          lng: row.longitude,
          timeZone: row.time_zone,
          distanceKm: row.distance_km === null ? null : Math.round(row.distance_km * 1000) / 1000,
          showtimes: [],
        };
        day.theaters.push(theater);
      }
      theater.showtimes.push(listing(row));
    }
    const order = ['2D', '3D', 'IMAX', 'DOLBY'];
    return {
      movie: toMovie(movie),
      days,
      formats: [...formats.values()].sort(
        (a, b) =>
          order.indexOf(a.format) - order.indexOf(b.format) ||
          a.presentation.localeCompare(b.presentation) ||
          (a.presentationLanguage ?? '').localeCompare(b.presentationLanguage ?? ''),
      ),
    };
  }

  findPlaces(query: PlacesQuery): PlacesResponse {
    return { places: searchPlaces(query.q, query.limit ?? DEFAULT_PLACE_LIMIT) };
  }

  /**
   * The seat map from this process's memory: statuses from the seat feed (as fresh as the feed, see
   * docs/architecture.md), the layout (seats, tiers, prices) loaded once per showtime edit, and the body
   * serialized once per change. The ETag is the version plus a hash of the exact body.
   */
  async getSeatMap(showtimeId: string): Promise<SeatMapBody> {
    return this.cachedSeatMap(showtimeId) ?? this.readSeatMap(showtimeId);
  }

  /**
   * The seat map when memory has it ready (fresh state, its layout and body built): no promise, no copy.
   * Undefined: `getSeatMap` must read or build it.
   */
  cachedSeatMap(showtimeId: string): SeatMapBody | undefined {
    const state = this.ctx.seatFeed.freshState(showtimeId);
    if (!state) return undefined;
    const cached = state.memo.get(BODY) as BuiltSeatMap | undefined;
    return cached?.revision === state.revision && cached.stamp === state.layoutStamp ? cached : undefined;
  }

  private async readSeatMap(showtimeId: string): Promise<SeatMapBody> {
    const state = await this.ctx.seatFeed.state(showtimeId);
    if (!state) throw new ShowtimeNotFoundError();
    let layout = state.memo.get(LAYOUT) as SeatMapLayout | undefined;
    if (layout?.stamp !== state.layoutStamp) {
      // One load per layout change however many requests arrive at once (an on-sale's first seconds: every
      // customer opens the same cold map together and would otherwise each read the 300-seat layout).
      let loading = state.memo.get(LAYOUT_LOADING) as
        { stamp: string; promise: Promise<SeatMapLayout | undefined> } | undefined;
      if (loading?.stamp !== state.layoutStamp) {
        const promise = this.loadLayout(showtimeId);
        loading = { stamp: state.layoutStamp, promise };
        state.memo.set(LAYOUT_LOADING, loading);
        const settled = () => {
          if (state.memo.get(LAYOUT_LOADING) === loading) state.memo.delete(LAYOUT_LOADING);
        };
        promise.then(settled, settled);
      }
      const loaded = await loading.promise;
      if (!loaded) throw new ShowtimeNotFoundError();
      layout = loaded;
      if (loaded.stamp === state.layoutStamp) state.memo.set(LAYOUT, layout);
    }
    const cached = state.memo.get(BODY) as BuiltSeatMap | undefined;
    if (cached?.revision === state.revision && cached.stamp === layout.stamp) return cached;
    const response: SeatMapResponse = {
      showtime: layout.showtime,
      version: state.version,
      seats: layout.seats.map((s) => ({ ...s, status: state.seats.get(s.id) ?? 'available' })),
    };
    const body = Buffer.from(JSON.stringify(response));
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
    const etag = `"${state.version}-${hash}"`;
    const built: BuiltSeatMap = {
      revision: state.revision,
      stamp: layout.stamp,
      body,
      etag,
      gzipEtag: gzipTagOf(etag),
      version: state.version,
    };
    state.memo.set(BODY, built);
    return built;
  }

  private async loadLayout(showtimeId: string): Promise<SeatMapLayout | undefined> {
    const showtime = await this.repo.findShowtimeDetail(showtimeId);
    if (!showtime) return undefined;
    const rows = await this.repo.listSeatLayout(showtimeId);
    const prices = tierPrices(showtime);
    const extent = new Map<number, { minX: number; maxX: number }>();
    for (const s of rows) {
      const e = extent.get(s.y);
      if (e) {
        e.minX = Math.min(e.minX, s.x);
        e.maxX = Math.max(e.maxX, s.x);
      } else extent.set(s.y, { minX: s.x, maxX: s.x });
    }
    return {
      stamp: showtime.layout_stamp,
      showtime: {
        id: showtime.id,
        theaterId: showtime.theater_id,
        movieId: showtime.movie_id,
        auditoriumId: showtime.auditorium_id,
        startsAt: showtime.starts_at.toISOString(),
        currency: showtime.currency,
        screenPosition: showtime.screen_position,
      },
      seats: rows.map((s) => ({
        id: s.id,
        row: s.row_label,
        number: s.number,
        x: s.x,
        y: s.y,
        tier: s.tier,
        ...seatOffset(s, extent.get(s.y) ?? { minX: s.x, maxX: s.x }),
        priceCents: priceFor(prices, s.tier) + s.surcharge_cents,
        seatType:
          s.seat_type_id && s.seat_type_name && s.seat_type_colour
            ? { id: s.seat_type_id, name: s.seat_type_name, colour: s.seat_type_colour }
            : null,
      })),
    };
  }
}

function summary(row: TheaterRow) {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    city: row.city,
    lat: row.latitude,
    lng: row.longitude,
  };
}
