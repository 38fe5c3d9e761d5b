import { sql } from 'kysely';
import type { AppContext } from '../../src/context.js';
import type { App } from '../../src/http/app.js';
import type { SeatTier } from '../../src/db/schema.js';

/** Builds catalog data through the real admin API, so fixtures obey the same rules as operators do. */

type Admin = string | { token: string };
type Row = { label: string; seats: ({ number: number; tier: SeatTier } | null)[] };

const headers = (admin: Admin) => ({
  authorization: `Bearer ${typeof admin === 'string' ? admin : admin.token}`,
});

let counter = 0;
const unique = () => `${++counter}-${Math.random().toString(36).slice(2, 8)}`;

async function call<T>(
  app: App,
  admin: Admin,
  method: 'GET' | 'POST',
  url: string,
  payload?: object,
  expected = method === 'POST' ? 201 : 200,
): Promise<T> {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: headers(admin), payload });
  if (res.statusCode !== expected) {
    throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
  }
  return res.json<T>();
}

/**
 * A rows x seatsPerRow grid with row labels A, B, C...; `premiumRows` (by index) are premium and the first
 * `accessibleSeats` seats of the front row are accessible. `aisleAfter` inserts a null gap after that seat.
 */
export function gridLayout(
  rows: number,
  seatsPerRow: number,
  opts: { premiumRows?: number[]; accessibleSeats?: number; aisleAfter?: number } = {},
): Row[] {
  return Array.from({ length: rows }, (_, y) => {
    const seats: Row['seats'] = [];
    for (let n = 1; n <= seatsPerRow; n++) {
      const tier: SeatTier =
        y === 0 && n <= (opts.accessibleSeats ?? 0)
          ? 'accessible'
          : opts.premiumRows?.includes(y)
            ? 'premium'
            : 'standard';
      seats.push({ number: n, tier });
      if (opts.aisleAfter === n && n < seatsPerRow) seats.push(null);
    }
    return { label: rowLabel(y), seats };
  });
}

export function rowLabel(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `A${String.fromCharCode(65 + index - 26)}`;
}

export interface TheaterInput {
  name?: string;
  address?: string;
  city?: string;
  lat?: number;
  lng?: number;
  timeZone?: string;
}

export async function createTheater(app: App, admin: Admin, input: TheaterInput = {}): Promise<string> {
  const body = await call<{ theater: { id: string } }>(app, admin, 'POST', '/admin/theaters', {
    name: input.name ?? `Theater ${unique()}`,
    address: input.address ?? '1 Broadway',
    city: input.city ?? 'New York',
    lat: input.lat ?? 40.7128,
    lng: input.lng ?? -74.006,
    ...(input.timeZone ? { timeZone: input.timeZone } : {}),
  });
  return body.theater.id;
}

export async function createAuditorium(
  app: App,
  admin: Admin,
  theaterId: string,
  rows: Row[],
  name = `Screen ${unique()}`,
): Promise<string> {
  const body = await call<{ auditorium: { id: string } }>(
    app,
    admin,
    'POST',
    `/admin/theaters/${theaterId}/auditoriums`,
    { name, rows },
  );
  return body.auditorium.id;
}

export async function createMovie(
  app: App,
  admin: Admin,
  input: { title?: string; runtimeMinutes?: number; rating?: string } = {},
): Promise<string> {
  const body = await call<{ movie: { id: string } }>(app, admin, 'POST', '/admin/movies', {
    title: input.title ?? `Movie ${unique()}`,
    runtimeMinutes: input.runtimeMinutes ?? 100,
    ...(input.rating ? { rating: input.rating } : {}),
  });
  return body.movie.id;
}

export interface Prices {
  standard: number;
  premium?: number;
  accessible?: number;
}

export async function createShowtime(
  app: App,
  admin: Admin,
  input: {
    auditoriumId: string;
    movieId: string;
    startsAt: Date | string;
    prices?: Prices;
    currency?: string;
  },
): Promise<string> {
  const body = await call<{ showtime: { id: string } }>(app, admin, 'POST', '/admin/showtimes', {
    auditoriumId: input.auditoriumId,
    movieId: input.movieId,
    startsAt: typeof input.startsAt === 'string' ? input.startsAt : input.startsAt.toISOString(),
    prices: input.prices ?? { standard: 1200, premium: 1800 },
    ...(input.currency ? { currency: input.currency } : {}),
  });
  return body.showtime.id;
}

export interface FixtureSeat {
  id: string;
  row: string;
  number: number;
  x: number;
  y: number;
  tier: SeatTier;
  priceCents: number;
}

export interface ShowtimeFixture {
  theaterId: string;
  auditoriumId: string;
  movieId: string;
  showtimeId: string;
  startsAt: string;
  /** In seat-map order (row by row, left to right). */
  seatIds: string[];
  seats: FixtureSeat[];
}

export interface ShowtimeFixtureOptions {
  rows?: number;
  seatsPerRow?: number;
  /** Default: tomorrow, on the hour, in real time. Pass one when the app runs on a fake clock. */
  startsAt?: Date;
  prices?: Prices;
  currency?: string;
  runtimeMinutes?: number;
  premiumRows?: number[];
  accessibleSeats?: number;
  /** Reuse existing catalog rows instead of creating new ones. */
  theaterId?: string;
  auditoriumId?: string;
  movieId?: string;
  theater?: TheaterInput;
}

/**
 * Theater, auditorium, movie and a showtime with its seat inventory, all through the admin API.
 * Seats come back with their ids from the public seat map.
 */
export async function createShowtimeFixture(
  app: App,
  admin: Admin,
  opts: ShowtimeFixtureOptions = {},
): Promise<ShowtimeFixture> {
  const theaterId = opts.theaterId ?? (await createTheater(app, admin, opts.theater));
  const auditoriumId =
    opts.auditoriumId ??
    (await createAuditorium(
      app,
      admin,
      theaterId,
      gridLayout(opts.rows ?? 3, opts.seatsPerRow ?? 5, {
        premiumRows: opts.premiumRows ?? [],
        accessibleSeats: opts.accessibleSeats ?? 0,
      }),
    ));
  const movieId =
    opts.movieId ??
    (await createMovie(app, admin, opts.runtimeMinutes ? { runtimeMinutes: opts.runtimeMinutes } : {}));
  const startsAt = opts.startsAt ?? new Date(Math.ceil((Date.now() + 86_400_000) / 3_600_000) * 3_600_000);
  const showtimeId = await createShowtime(app, admin, {
    auditoriumId,
    movieId,
    startsAt,
    ...(opts.prices ? { prices: opts.prices } : {}),
    ...(opts.currency ? { currency: opts.currency } : {}),
  });
  const map = await call<{ seats: (FixtureSeat & { status: string })[] }>(
    app,
    admin,
    'GET',
    `/showtimes/${showtimeId}/seats`,
  );
  const seats = map.seats.map(({ status: _status, ...seat }) => seat);
  return {
    theaterId,
    auditoriumId,
    movieId,
    showtimeId,
    startsAt: startsAt.toISOString(),
    seatIds: seats.map((s) => s.id),
    seats,
  };
}

/**
 * Claims seats directly in SQL, as the bookings module would: a booking row plus inventory rows pointing at
 * it, then tells the seat feed. For catalog tests that need held or sold seats without going through holds and payments.
 */
export async function claimSeatsInDb(
  ctx: AppContext,
  input: {
    userId: string;
    showtimeId: string;
    seatIds: string[];
    status: 'held' | 'sold';
    /**
     * For holds; default ten minutes after the database's now() (holds are judged against it). May lie in the
     * past to model a lapsed hold the sweep has not reached yet.
     */
    holdExpiresAt?: Date;
  },
): Promise<string> {
  const expiresAt = input.holdExpiresAt ?? sql<Date>`now() + interval '10 minutes'`;
  const booking = await ctx.db
    .insertInto('bookings')
    .values({
      reference: `T${unique()
        .replace(/[^a-z0-9]/gi, '')
        .toUpperCase()}`,
      user_id: input.userId,
      showtime_id: input.showtimeId,
      status: input.status === 'sold' ? 'confirmed' : 'pending',
      expires_at: expiresAt,
      max_expires_at: sql<Date>`now() + interval '1 hour'`,
      total_cents: 0,
      currency: 'USD',
      confirmed_at: input.status === 'sold' ? sql<Date>`now()` : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .updateTable('seat_inventory')
    .set({
      status: input.status,
      booking_id: booking.id,
      version: sql`version + 1`,
    })
    .where('showtime_id', '=', input.showtimeId)
    .where('seat_id', 'in', input.seatIds)
    .execute();
  ctx.seatFeed.touch(input.showtimeId); // after the commit, as every writer of seats does
  return booking.id;
}
