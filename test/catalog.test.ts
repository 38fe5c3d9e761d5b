import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haversineKm } from '../src/modules/catalog/geo.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  claimSeatsInDb,
  createAuditorium,
  createMovie,
  createShowtime,
  createTheater,
  gridLayout,
} from './helpers/catalog.js';
import { createUser, type TestUser } from './helpers/users.js';

// The app runs on a fake clock so "today" is deterministic. Holds are judged against the database's now(),
// as the bookings claim statement judges them, so hold expiries below are in real time.
let nowMs = Date.parse('2030-06-14T12:00:00Z');
const clock = { now: () => new Date(nowMs) };

let t: TestApp;
let admin: TestUser;
let customer: TestUser;

beforeAll(async () => {
  t = await createTestApp({ overrides: { clock } });
  admin = await createUser(t.app, t.ctx, 'admin');
  customer = await createUser(t.app, t.ctx, 'customer');
});
afterAll(async () => t.close());

const get = (url: string, user: TestUser | null = customer) =>
  t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user ? user.auth : {} });

interface TheaterSummary {
  id: string;
  name: string;
  address: string;
  city: string;
  lat: number;
  lng: number;
  distanceKm: number | null;
}

const CHICAGO = { lat: 41.8781, lng: -87.6298 };
const chicagoTheaters = [
  { name: 'Loop', lat: 41.8819, lng: -87.6278 },
  { name: 'Wicker Park', lat: 41.9088, lng: -87.6796 },
  { name: 'Evanston', lat: 42.0451, lng: -87.6877 },
  { name: 'Naperville', lat: 41.7508, lng: -88.1535 },
  { name: 'Milwaukee', lat: 43.0389, lng: -87.9065 },
];
const fijiTheaters = [
  { name: 'Taveuni', lat: -17.7, lng: -179.98 },
  { name: 'Suva Harbour', lat: -17.7, lng: 179.8 },
  { name: 'Nadi', lat: -17.7, lng: 179.0 },
];

describe('GET /theaters (getMovieTheaters)', () => {
  beforeAll(async () => {
    for (const th of [...chicagoTheaters, ...fijiTheaters]) {
      await createTheater(t.app, admin, { ...th, city: 'Somewhere', timeZone: 'America/Chicago' });
    }
  });

  it('answers without a token (browsing needs no account)', async () => {
    const res = await get(`/theaters?lat=${CHICAGO.lat}&lng=${CHICAGO.lng}`, null);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ theaters: TheaterSummary[] }>().theaters.map((th) => th.name)).toContain('Loop');
  });

  it('lists theaters within 25 km by default, nearest first, with exact distances', async () => {
    const res = await get(`/theaters?lat=${CHICAGO.lat}&lng=${CHICAGO.lng}`);
    expect(res.statusCode).toBe(200);
    const { theaters } = res.json<{ theaters: TheaterSummary[] }>();
    expect(theaters.map((th) => th.name)).toEqual(['Loop', 'Wicker Park', 'Evanston']);
    for (const th of theaters) {
      expect(th.distanceKm).toBeCloseTo(haversineKm(CHICAGO, th), 2);
      expect(Object.keys(th).sort()).toEqual(['address', 'city', 'distanceKm', 'id', 'lat', 'lng', 'name']);
    }
    const distances = theaters.map((th) => th.distanceKm!);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
  });

  it('widens with radiusKm and cuts with limit', async () => {
    const wide = await get(`/theaters?lat=${CHICAGO.lat}&lng=${CHICAGO.lng}&radiusKm=200`);
    expect(wide.json<{ theaters: TheaterSummary[] }>().theaters.map((th) => th.name)).toEqual([
      'Loop',
      'Wicker Park',
      'Evanston',
      'Naperville',
      'Milwaukee',
    ]);
    const fifty = await get(`/theaters?lat=${CHICAGO.lat}&lng=${CHICAGO.lng}&radiusKm=50`);
    expect(fifty.json<{ theaters: TheaterSummary[] }>().theaters).toHaveLength(4);
    const two = await get(`/theaters?lat=${CHICAGO.lat}&lng=${CHICAGO.lng}&radiusKm=200&limit=2`);
    expect(two.json<{ theaters: TheaterSummary[] }>().theaters.map((th) => th.name)).toEqual([
      'Loop',
      'Wicker Park',
    ]);
    const nowhere = await get('/theaters?lat=0&lng=0&radiusKm=200');
    expect(nowhere.json()).toEqual({ theaters: [] });
  });

  it('finds theaters on both sides of the antimeridian', async () => {
    const res = await get('/theaters?lat=-17.7&lng=179.95&radiusKm=50');
    const { theaters } = res.json<{ theaters: TheaterSummary[] }>();
    expect(theaters.map((th) => th.name)).toEqual(['Taveuni', 'Suva Harbour']);
    expect(theaters[0]!.distanceKm).toBeLessThan(10);
    const west = await get('/theaters?lat=-17.7&lng=-179.99&radiusKm=150');
    expect(west.json<{ theaters: TheaterSummary[] }>().theaters.map((th) => th.name)).toEqual([
      'Taveuni',
      'Suva Harbour',
      'Nadi',
    ]);
  });

  it('lists every theater by name, without distances, when no position is given', async () => {
    const res = await get('/theaters?limit=100');
    expect(res.statusCode).toBe(200);
    const { theaters } = res.json<{ theaters: TheaterSummary[] }>();
    const names = theaters.map((th) => th.name);
    expect(names).toEqual([...chicagoTheaters, ...fijiTheaters].map((th) => th.name).sort());
    expect(theaters.every((th) => th.distanceKm === null)).toBe(true);
    expect((await get('/theaters?limit=3')).json<{ theaters: unknown[] }>().theaters).toHaveLength(3);
  });

  it.each([
    ['lat=91&lng=0', 'querystring.lat'],
    ['lat=-90.5&lng=0', 'querystring.lat'],
    ['lat=0&lng=181', 'querystring.lng'],
    ['lat=0&lng=-180.01', 'querystring.lng'],
    ['lat=abc&lng=0', 'querystring.lat'],
    ['lat=&lng=0', 'querystring.lat'],
    ['lat=Infinity&lng=0', 'querystring.lat'],
    ['lat=0&lng=0&radiusKm=0', 'querystring.radiusKm'],
    ['lat=0&lng=0&radiusKm=-5', 'querystring.radiusKm'],
    ['lat=0&lng=0&radiusKm=201', 'querystring.radiusKm'],
    ['lat=0&lng=0&limit=0', 'querystring.limit'],
    ['lat=0&lng=0&limit=101', 'querystring.limit'],
    ['lat=0&lng=0&limit=2.5', 'querystring.limit'],
    ['lat=40', 'querystring.lng'],
    ['lng=-74', 'querystring.lat'],
    ['lat=0&lng=0&radius=5', 'querystring.radius'],
  ])('refuses %s with 400 naming %s', async (qs, field) => {
    const res = await get(`/theaters?${qs}`);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; fields: { field: string }[] } }>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.fields.map((f) => f.field)).toContain(field);
  });
});

// ---- one theater in Tokyo with two screens, two movies and showtimes around local midnight ----
const TOKYO = 'Asia/Tokyo';
let theaterId: string;
let screen1: string;
let screen2: string;
let alpha: string;
let beta: string;
const s: Record<'s1' | 's2' | 's3' | 's4', string> = { s1: '', s2: '', s3: '', s4: '' };
let seatIds: string[];

describe('a theater programme', () => {
  beforeAll(async () => {
    theaterId = await createTheater(t.app, admin, {
      name: 'Shinjuku Odeon',
      city: 'Tokyo',
      lat: 35.6938,
      lng: 139.7034,
      timeZone: TOKYO,
    });
    // Row A: two accessible seats, an aisle, three standard; row B standard; row C premium.
    screen1 = await createAuditorium(
      t.app,
      admin,
      theaterId,
      gridLayout(3, 5, { premiumRows: [2], accessibleSeats: 2, aisleAfter: 2 }),
      'Screen 1',
    );
    screen2 = await createAuditorium(t.app, admin, theaterId, gridLayout(2, 4), 'Screen 2');
    alpha = await createMovie(t.app, admin, { title: 'Alpha', runtimeMinutes: 90, rating: 'PG' });
    beta = await createMovie(t.app, admin, { title: 'Beta', runtimeMinutes: 120 });
    // 22:00 and 23:30 on 14 June in Tokyo, 00:30 on the 15th, 01:00 on the 16th.
    s.s1 = await createShowtime(t.app, admin, {
      auditoriumId: screen1,
      movieId: alpha,
      startsAt: '2030-06-14T13:00:00Z',
      prices: { standard: 1200, premium: 1800 },
    });
    s.s2 = await createShowtime(t.app, admin, {
      auditoriumId: screen2,
      movieId: beta,
      startsAt: '2030-06-14T14:30:00Z',
      prices: { standard: 1000 },
      currency: 'JPY',
    });
    s.s3 = await createShowtime(t.app, admin, {
      auditoriumId: screen1,
      movieId: alpha,
      startsAt: '2030-06-14T15:30:00Z',
    });
    s.s4 = await createShowtime(t.app, admin, {
      auditoriumId: screen2,
      movieId: beta,
      startsAt: '2030-06-15T16:00:00Z',
    });
    const map = await get(`/showtimes/${s.s1}/seats`);
    seatIds = map.json<{ seats: { id: string }[] }>().seats.map((seat) => seat.id);
    // A1 sold, A2 held, B1 held but lapsed (the sweep has not run yet).
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: s.s1,
      seatIds: [seatIds[0]!],
      status: 'sold',
    });
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: s.s1,
      seatIds: [seatIds[1]!],
      status: 'held',
    });
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: s.s1,
      seatIds: [seatIds[5]!],
      status: 'held',
      holdExpiresAt: new Date(Date.now() - 60_000),
    });
  });

  describe('GET /theaters/:theaterId', () => {
    it('returns the theater with its time zone', async () => {
      const res = await get(`/theaters/${theaterId}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        theater: {
          id: theaterId,
          name: 'Shinjuku Odeon',
          address: '1 Broadway',
          city: 'Tokyo',
          lat: 35.6938,
          lng: 139.7034,
          timeZone: TOKYO,
        },
      });
    });

    it('answers 404 for an unknown theater, 400 for a malformed id, 200 without a token', async () => {
      const missing = await get('/theaters/00000000-0000-4000-8000-000000000000');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
      expect((await get('/theaters/not-a-uuid')).statusCode).toBe(400);
      expect((await get(`/theaters/${theaterId}`, null)).statusCode).toBe(200);
    });
  });

  describe('GET /theaters/:theaterId/movies (getMoviesListForTheater)', () => {
    interface Listing {
      theater: { id: string; timeZone: string };
      date: string;
      movies: {
        id: string;
        title: string;
        synopsis: string;
        runtimeMinutes: number;
        rating: string;
        posterUrl: string | null;
        showtimes: {
          id: string;
          startsAt: string;
          auditorium: { id: string; name: string };
          prices: { standard: number; premium: number; accessible: number };
          currency: string;
          seatsAvailable: number;
        }[];
      }[];
    }

    it("defaults to today in the theater's time zone and groups showtimes by movie", async () => {
      const res = await get(`/theaters/${theaterId}/movies`);
      expect(res.statusCode).toBe(200);
      const body = res.json<Listing>();
      expect(body.date).toBe('2030-06-14');
      expect(body.theater).toMatchObject({ id: theaterId, timeZone: TOKYO });
      expect(body.movies.map((m) => m.title)).toEqual(['Alpha', 'Beta']);
      const [a, b] = body.movies;
      expect(a).toMatchObject({ id: alpha, runtimeMinutes: 90, rating: 'PG', synopsis: '', posterUrl: null });
      expect(a!.showtimes).toEqual([
        {
          id: s.s1,
          startsAt: '2030-06-14T13:00:00.000Z',
          auditorium: { id: screen1, name: 'Screen 1' },
          prices: { standard: 1200, premium: 1800, accessible: 1200 },
          fromCents: 1200,
          currency: 'USD',
          // 15 seats, one sold and one held; the lapsed hold counts as free
          seatsAvailable: 13,
          format: '2D',
          presentation: 'original',
          presentationLanguage: null,
        },
      ]);
      expect(b!.showtimes).toEqual([
        {
          id: s.s2,
          startsAt: '2030-06-14T14:30:00.000Z',
          auditorium: { id: screen2, name: 'Screen 2' },
          prices: { standard: 1000, premium: 1000, accessible: 1000 },
          fromCents: 1000,
          currency: 'JPY',
          seatsAvailable: 8,
          format: '2D',
          presentation: 'original',
          presentationLanguage: null,
        },
      ]);
    });

    it('lists the given local date, whose bounds are local midnights', async () => {
      const d15 = (await get(`/theaters/${theaterId}/movies?date=2030-06-15`)).json<Listing>();
      expect(d15.date).toBe('2030-06-15');
      expect(d15.movies.map((m) => [m.title, m.showtimes.map((x) => x.id)])).toEqual([['Alpha', [s.s3]]]);
      const d16 = (await get(`/theaters/${theaterId}/movies?date=2030-06-16`)).json<Listing>();
      expect(d16.movies.map((m) => [m.title, m.showtimes.map((x) => x.id)])).toEqual([['Beta', [s.s4]]]);
      const empty = (await get(`/theaters/${theaterId}/movies?date=2031-01-01`)).json<Listing>();
      expect(empty.movies).toEqual([]);
    });

    it('moves "today" at local midnight, not UTC midnight', async () => {
      const saved = nowMs;
      try {
        nowMs = Date.parse('2030-06-14T16:00:00Z'); // still the 14th in UTC, already the 15th in Tokyo
        const body = (await get(`/theaters/${theaterId}/movies`)).json<Listing>();
        expect(body.date).toBe('2030-06-15');
        expect(body.movies.flatMap((m) => m.showtimes.map((x) => x.id))).toEqual([s.s3]);
      } finally {
        nowMs = saved;
      }
    });

    it.each(['2030-13-01', '2030-02-30', 'today', '2030-6-1', '', '2030-06-14T00:00:00Z'])(
      'refuses date=%s with 400',
      async (date) => {
        const res = await get(`/theaters/${theaterId}/movies?date=${encodeURIComponent(date)}`);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      },
    );

    it('answers 404 for an unknown theater and 200 without a token', async () => {
      const res = await get('/theaters/00000000-0000-4000-8000-000000000000/movies?date=2030-06-14');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
      expect((await get('/theaters/nope/movies')).statusCode).toBe(400);
      expect((await get(`/theaters/${theaterId}/movies`, null)).statusCode).toBe(200);
    });
  });

  describe('GET /showtimes/:showtimeId', () => {
    it('returns the showtime with movie, theater, auditorium and prices', async () => {
      const res = await get(`/showtimes/${s.s1}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        showtime: {
          id: s.s1,
          startsAt: '2030-06-14T13:00:00.000Z',
          endsAt: '2030-06-14T14:45:00.000Z', // 90 min + 15 min cleaning
          currency: 'USD',
          prices: { standard: 1200, premium: 1800, accessible: 1200 },
          // Adult only, no booking fee, no tax: until the operator sets them (docs/api.md, prices).
          ticketTypes: [
            { type: 'adult', discountCents: 0, prices: { standard: 1200, premium: 1800, accessible: 1200 } },
          ],
          bookingFeeCents: 0,
          taxRatePpm: 0,
          movie: {
            id: alpha,
            title: 'Alpha',
            synopsis: '',
            runtimeMinutes: 90,
            rating: 'PG',
            posterUrl: null,
            genres: [],
            language: 'en',
            cast: [],
            trailerUrl: null,
          },
          theater: {
            id: theaterId,
            name: 'Shinjuku Odeon',
            address: '1 Broadway',
            city: 'Tokyo',
            lat: 35.6938,
            lng: 139.7034,
            timeZone: TOKYO,
          },
          auditorium: { id: screen1, name: 'Screen 1', screenPosition: 'top' },
          format: '2D',
          presentation: 'original',
          presentationLanguage: null,
        },
      });
    });

    it('answers 404 and 400, and 200 without a token', async () => {
      const missing = await get('/showtimes/00000000-0000-4000-8000-000000000000');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'SHOWTIME_NOT_FOUND' } });
      expect((await get('/showtimes/123')).statusCode).toBe(400);
      expect((await get(`/showtimes/${s.s1}`, null)).statusCode).toBe(200);
    });
  });

  describe('GET /showtimes/:showtimeId/seats (getSeatsForMovie)', () => {
    interface SeatMap {
      showtime: Record<string, unknown>;
      seats: {
        id: string;
        row: string;
        number: number;
        x: number;
        y: number;
        tier: string;
        priceCents: number;
        status: string;
      }[];
    }

    it('returns every seat in row order with tier, price and status', async () => {
      const res = await get(`/showtimes/${s.s1}/seats`);
      expect(res.statusCode).toBe(200);
      const body = res.json<SeatMap>();
      expect(body.showtime).toEqual({
        id: s.s1,
        theaterId,
        movieId: alpha,
        auditoriumId: screen1,
        startsAt: '2030-06-14T13:00:00.000Z',
        currency: 'USD',
        screenPosition: 'top',
      });
      expect(body.seats).toHaveLength(15);
      const order = body.seats.map((seat) => [seat.y, seat.x]);
      expect(order).toEqual([...order].sort(([ay, ax], [by, bx]) => (ay === by ? ax! - bx! : ay! - by!)));
      // Row A: A1, A2 accessible, aisle at x=2, then A3..A5 at x=3..5.
      expect(
        body.seats.slice(0, 5).map((seat) => [seat.row, seat.number, seat.x, seat.y, seat.tier]),
      ).toEqual([
        ['A', 1, 0, 0, 'accessible'],
        ['A', 2, 1, 0, 'accessible'],
        ['A', 3, 3, 0, 'standard'],
        ['A', 4, 4, 0, 'standard'],
        ['A', 5, 5, 0, 'standard'],
      ]);
      const byId = new Map(body.seats.map((seat) => [seat.id, seat]));
      expect(byId.get(seatIds[0]!)).toMatchObject({ status: 'sold', priceCents: 1200 });
      expect(byId.get(seatIds[1]!)).toMatchObject({ status: 'held' });
      expect(byId.get(seatIds[5]!)).toMatchObject({ row: 'B', number: 1, status: 'available' });
      expect(
        body.seats.filter((seat) => seat.row === 'C').map((seat) => [seat.tier, seat.priceCents]),
      ).toEqual(Array.from({ length: 5 }, () => ['premium', 1800]));
      expect(body.seats.filter((seat) => seat.status === 'available')).toHaveLength(13);
    });

    it('reports a hold as available the moment it lapses, before any sweep', async () => {
      await sql`UPDATE bookings SET expires_at = now() WHERE id = (SELECT booking_id FROM seat_inventory
                  WHERE showtime_id = ${s.s1} AND seat_id = ${seatIds[1]})`.execute(t.ctx.db);
      // The app never moves a hold's end earlier; this shortcut does, so it tells the feed as a writer would
      // (a hold lapsing on its own needs no touch: test/seat-feed.test.ts).
      t.ctx.seatFeed.touch(s.s1);
      const body = (await get(`/showtimes/${s.s1}/seats`)).json<SeatMap>();
      expect(body.seats.find((seat) => seat.id === seatIds[1])?.status).toBe('available');
      const listing = (await get(`/theaters/${theaterId}/movies?date=2030-06-14`)).json<{
        movies: { showtimes: { id: string; seatsAvailable: number }[] }[];
      }>();
      expect(listing.movies[0]!.showtimes[0]).toMatchObject({ id: s.s1, seatsAvailable: 14 });
    });

    it('answers 404 and 400, and 200 without a token', async () => {
      const missing = await get('/showtimes/00000000-0000-4000-8000-000000000000/seats');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'SHOWTIME_NOT_FOUND' } });
      expect((await get('/showtimes/zzz/seats')).statusCode).toBe(400);
      expect((await get(`/showtimes/${s.s1}/seats`, null)).statusCode).toBe(200);
    });
  });
});

describe('OpenAPI', () => {
  it('documents the public operations by their design names', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, Record<string, { operationId?: string }>> }>();
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids).toEqual(
      expect.arrayContaining([
        'getMovieTheaters',
        'getMovieTheater',
        'getMoviesListForTheater',
        'getShowtime',
        'getSeatsForMovie',
      ]),
    );
  });
});
