import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../context.js';
import type { MovieRow, SeatTier, TheaterRow } from '../../db/schema.js';
import { ValidationError } from '../../http/errors.js';
import { ShowtimeNotFoundError, TheaterNotFoundError } from './catalog.errors.js';
import { CatalogRepository, type PriceColumns } from './catalog.repository.js';
import type {
  Movie,
  MovieWithShowtimes,
  MoviesForTheaterResponse,
  Prices,
  SeatMapResponse,
  ShowtimeDetail,
  Theater,
  TheatersQuery,
  TheatersResponse,
} from './catalog.schemas.js';
import { boundingBox } from './geo.js';

export const DEFAULT_RADIUS_KM = 25;

/** A serialized seat map: the exact bytes of a 200 and their strong ETag. */
export interface SeatMapBody {
  body: Buffer;
  etag: string;
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
  map.gzip ??= { body: gzipSync(map.body, { level: 6 }), etag: gzipTag(map) };
  return map.gzip;
}

/** The gzip representation's strong ETag: the identity tag with a suffix, known without compressing. */
export function gzipTag(map: SeatMapBody): string {
  return `${map.etag.slice(0, -1)}-gz"`;
}

/** The part of a seat map that changes only when the showtime is edited (showtimes.updated_at). */
interface SeatMapLayout {
  stamp: string;
  showtime: SeatMapResponse['showtime'];
  seats: Omit<SeatMapResponse['seats'][number], 'status'>[];
}

const LAYOUT = 'catalog.layout';
const BODY = 'catalog.body';
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

export function toMovie(row: MovieRow): Movie {
  return {
    id: row.id,
    title: row.title,
    synopsis: row.synopsis,
    runtimeMinutes: row.runtime_minutes,
    rating: row.rating,
    posterUrl: row.poster_url,
  };
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

/** A seat's price by its tier; a companion seat costs the standard price. */
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
    const day = await this.repo.findTheaterDay(theaterId, date, this.ctx.clock.now());
    if (!day) throw new TheaterNotFoundError();
    const rows = await this.repo.listShowtimesOfTheater(theaterId, day.dayStart, day.dayEnd);

    const movies: MovieWithShowtimes[] = [];
    for (const row of rows) {
      let movie = movies.at(-1);
      if (movie?.id !== row.movie_id) {
        movie = {
          id: row.movie_id,
          title: row.title,
          synopsis: row.synopsis,
          runtimeMinutes: row.runtime_minutes,
          rating: row.rating,
          posterUrl: row.poster_url,
          showtimes: [],
        };
        movies.push(movie);
      }
      movie.showtimes.push({
        id: row.showtime_id,
        startsAt: row.starts_at.toISOString(),
        auditorium: { id: row.auditorium_id, name: row.auditorium_name },
        prices: tierPrices(row),
        currency: row.currency,
        seatsAvailable: row.seats_available,
      });
    }
    return { theater: toTheater(day.theater), date: day.day, movies };
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
      movie: {
        id: row.movie_id,
        title: row.title,
        synopsis: row.synopsis,
        runtimeMinutes: row.runtime_minutes,
        rating: row.rating,
        posterUrl: row.poster_url,
      },
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
    };
  }

  /**
   * The seat map from this process's memory: statuses from the seat feed (as fresh as the feed, see
   * docs/architecture.md), the layout (seats, tiers, prices) loaded once per showtime edit, and the body
   * serialized once per change. The ETag is the version plus a hash of the exact body.
   */
  async getSeatMap(showtimeId: string): Promise<SeatMapBody> {
    const state = await this.ctx.seatFeed.state(showtimeId);
    if (!state) throw new ShowtimeNotFoundError();
    let layout = state.memo.get(LAYOUT) as SeatMapLayout | undefined;
    if (layout?.stamp !== state.layoutStamp) {
      const loaded = await this.loadLayout(showtimeId);
      if (!loaded) throw new ShowtimeNotFoundError();
      layout = loaded;
      state.memo.set(LAYOUT, layout);
    }
    const key = `${state.revision}|${layout.stamp}`;
    const cached = state.memo.get(BODY) as (SeatMapBody & { key: string }) | undefined;
    if (cached?.key === key) return cached;
    const response: SeatMapResponse = {
      showtime: layout.showtime,
      version: state.version,
      seats: layout.seats.map((s) => ({ ...s, status: state.seats.get(s.id) ?? 'available' })),
    };
    const body = Buffer.from(JSON.stringify(response));
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
    const built = { key, body, etag: `"${state.version}-${hash}"`, version: state.version };
    state.memo.set(BODY, built);
    return built;
  }

  private async loadLayout(showtimeId: string): Promise<SeatMapLayout | undefined> {
    const showtime = await this.repo.findShowtimeDetail(showtimeId);
    if (!showtime) return undefined;
    const rows = await this.repo.listSeatLayout(showtimeId);
    const prices = tierPrices(showtime);
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
        priceCents: priceFor(prices, s.tier),
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
