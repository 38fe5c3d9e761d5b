import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  claimSeatsInDb,
  createAuditorium,
  createMovie,
  createShowtime,
  createShowtimeFixture,
  createTheater,
  gridLayout,
} from './helpers/catalog.js';
import { createUser, type TestUser } from './helpers/users.js';

let t: TestApp;
let admin: TestUser;
let customer: TestUser;
let staff: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.app, t.ctx, 'admin');
  customer = await createUser(t.app, t.ctx, 'customer');
  staff = await createUser(t.app, t.ctx, 'staff');
});
afterAll(async () => t.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown, user: TestUser | null = admin) =>
  t.app.inject({
    method,
    url: `/api/v1/admin${url}`,
    headers: user ? user.auth : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const MISSING = '00000000-0000-4000-8000-000000000000';
const HOUR = 3_600_000;
/** Whole hours from now, on the hour: well in the future and far from each other. */
const inHours = (h: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + h * HOUR);

function fieldsOf(res: { json: <T>() => T }): string[] {
  return res.json<{ error: { fields?: { field: string }[] } }>().error.fields?.map((f) => f.field) ?? [];
}

describe('access', () => {
  const routes: [Method, string, unknown?][] = [
    ['POST', '/theaters', { name: 'X', address: 'Y', city: 'Z', lat: 0, lng: 0 }],
    ['GET', '/theaters'],
    ['GET', `/theaters/${MISSING}`],
    ['PATCH', `/theaters/${MISSING}`, { name: 'X' }],
    ['DELETE', `/theaters/${MISSING}`],
    ['POST', `/theaters/${MISSING}/auditoriums`, { name: 'X', rows: [] }],
    ['GET', `/theaters/${MISSING}/auditoriums`],
    ['GET', `/auditoriums/${MISSING}`],
    ['DELETE', `/auditoriums/${MISSING}`],
    ['POST', '/movies', { title: 'X', runtimeMinutes: 90 }],
    ['GET', '/movies'],
    ['GET', `/movies/${MISSING}`],
    ['PATCH', `/movies/${MISSING}`, { title: 'X' }],
    ['DELETE', `/movies/${MISSING}`],
    ['POST', '/showtimes', { nonsense: true }],
    ['GET', '/showtimes'],
    ['GET', `/showtimes/${MISSING}`],
    ['PATCH', `/showtimes/${MISSING}`, { prices: { standard: 1 } }],
    ['DELETE', `/showtimes/${MISSING}`],
    ['PATCH', `/users/${MISSING}`, { role: 'admin' }],
  ];

  it.each(routes)('%s %s: 401 without a token, 403 for customers and staff', async (method, url, body) => {
    const anonymous = await call(method, url, body, null);
    expect(anonymous.statusCode).toBe(401);
    for (const user of [customer, staff]) {
      const res = await call(method, url, body, user);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });
});

describe('theaters', () => {
  const valid = {
    name: '  Angelika  ',
    address: '18 W Houston St',
    city: 'New York',
    lat: 40.7256,
    lng: -73.997,
  };
  let id: string;

  it('creates a theater, defaulting to America/New_York', async () => {
    const res = await call('POST', '/theaters', valid);
    expect(res.statusCode).toBe(201);
    const { theater } = res.json<{ theater: { id: string } }>();
    expect(theater).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      name: 'Angelika',
      address: '18 W Houston St',
      city: 'New York',
      lat: 40.7256,
      lng: -73.997,
      timeZone: 'America/New_York',
      auditoriumCount: 0,
      currency: 'USD',
      closedAt: null,
      // No booking fee and no sales tax until the operator sets them (docs/api.md, prices).
      bookingFeeCents: 0,
      taxRatePpm: 0,
      // The time an auditorium needs between two showings, until the operator sets it.
      cleaningMinutes: 15,
    });
    id = theater.id;
  });

  it('stores the canonical name of a valid time zone and refuses unknown ones', async () => {
    const ok = await call('POST', '/theaters', { ...valid, timeZone: 'europe/london' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ theater: { timeZone: 'Europe/London' } });
    for (const timeZone of ['Mars/Olympus_Mons', '+05:00', 'EST5EDT,M3.2.0', '', 'x'.repeat(65)]) {
      const res = await call('POST', '/theaters', { ...valid, timeZone });
      expect(res.statusCode, timeZone).toBe(400);
      expect(fieldsOf(res), timeZone).toContain('body.timeZone');
    }
  });

  it.each([
    [{ ...valid, lat: 91 }, 'body.lat'],
    [{ ...valid, lng: -180.5 }, 'body.lng'],
    [{ ...valid, lat: '40.7' }, 'body.lat'],
    [{ ...valid, name: '   ' }, 'body.name'],
    [{ ...valid, name: 'x'.repeat(201) }, 'body.name'],
    [{ name: 'A', address: 'B', lat: 1, lng: 1 }, 'body.city'],
    [{ ...valid, seats: 100 }, 'body.seats'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const res = await call('POST', '/theaters', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(fieldsOf(res)).toContain(field);
  });

  it('lists theaters by name, a page at a time', async () => {
    const all = await call('GET', '/theaters');
    expect(all.statusCode).toBe(200);
    const { theaters } = all.json<{ theaters: { id: string; name: string }[] }>();
    expect(theaters.map((th) => th.id)).toContain(id);
    const one = await call('GET', '/theaters?limit=1&offset=1');
    expect(one.json<{ theaters: unknown[] }>().theaters).toHaveLength(1);
    expect((await call('GET', '/theaters?limit=0')).statusCode).toBe(400);
    expect((await call('GET', '/theaters?limit=201')).statusCode).toBe(400);
    expect((await call('GET', '/theaters?offset=-1')).statusCode).toBe(400);
  });

  it('gets one theater, 404 when unknown, 400 for a malformed id', async () => {
    const res = await call('GET', `/theaters/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ theater: { id, name: 'Angelika' } });
    const missing = await call('GET', `/theaters/${MISSING}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
    expect((await call('GET', '/theaters/12')).statusCode).toBe(400);
  });

  it('patches a theater', async () => {
    const res = await call('PATCH', `/theaters/${id}`, {
      name: 'Angelika Film Center',
      timeZone: 'America/Chicago',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      theater: { id, name: 'Angelika Film Center', city: 'New York', timeZone: 'America/Chicago' },
    });
    expect((await call('PATCH', `/theaters/${id}`, {})).statusCode).toBe(400);
    expect((await call('PATCH', `/theaters/${id}`, { timeZone: 'Nowhere/Land' })).statusCode).toBe(400);
    expect((await call('PATCH', `/theaters/${id}`, { lat: 'north' })).statusCode).toBe(400);
    expect((await call('PATCH', `/theaters/${id}`, { id: MISSING })).statusCode).toBe(400);
    const missing = await call('PATCH', `/theaters/${MISSING}`, { name: 'X' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
  });

  it('deletes a theater with its auditoriums', async () => {
    const doomed = await createTheater(t.app, admin);
    await createAuditorium(t.app, admin, doomed, gridLayout(2, 2));
    const res = await call('DELETE', `/theaters/${doomed}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await call('GET', `/theaters/${doomed}`)).statusCode).toBe(404);
    const again = await call('DELETE', `/theaters/${doomed}`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
  });
});

describe('auditoriums', () => {
  let theaterId: string;
  const layout = {
    name: 'Screen 1',
    screenPosition: 'bottom',
    rows: [
      {
        label: 'A',
        seats: [
          { number: 1, tier: 'accessible' },
          { number: 2, tier: 'accessible' },
          null,
          { number: 3, tier: 'standard' },
          { number: 4, tier: 'standard' },
        ],
      },
      {
        label: 'B',
        seats: [null, { number: 1, tier: 'standard' }, null, { number: 2, tier: 'standard' }, null],
      },
      { label: 'X', seats: [null, null, null] },
      {
        label: 'C',
        seats: [
          { number: 1, tier: 'premium' },
          { number: 2, tier: 'premium' },
          null,
          { number: 3, tier: 'premium' },
          { number: 4, tier: 'premium' },
        ],
      },
    ],
  };

  beforeAll(async () => {
    theaterId = await createTheater(t.app, admin, { name: 'Layout House' });
  });

  it('creates an auditorium and gives its layout back as drawn', async () => {
    const res = await call('POST', `/theaters/${theaterId}/auditoriums`, layout);
    expect(res.statusCode).toBe(201);
    const created = res.json<{
      auditorium: {
        id: string;
        rows: {
          label: string;
          y: number;
          seats: ({ id: string; number: number; tier: string; x: number } | null)[];
        }[];
      };
    }>().auditorium;
    expect(created).toMatchObject({ theaterId, name: 'Screen 1', screenPosition: 'bottom', seatCount: 10 });

    const fetched = await call('GET', `/auditoriums/${created.id}`);
    expect(fetched.statusCode).toBe(200);
    const { auditorium } = fetched.json<{ auditorium: typeof created }>();
    expect(auditorium).toEqual(created);

    // Round trip: the drawn rows come back without ids, minus the empty row and trailing gaps.
    const withoutIds = auditorium.rows.map((row) => ({
      label: row.label,
      y: row.y,
      seats: row.seats.map((seat) => seat && { number: seat.number, tier: seat.tier, x: seat.x }),
    }));
    const expected = layout.rows
      .map((row, y) => {
        const seats = row.seats.map((seat, x) => seat && { ...seat, x });
        while (seats.length > 0 && seats.at(-1) === null) seats.pop();
        return { label: row.label, y, seats };
      })
      .filter((row) => row.seats.length > 0);
    expect(withoutIds).toEqual(expected);

    // The same seats appear in the database with x = position and y = row index.
    const seats = await t.ctx.db
      .selectFrom('seats')
      .select(['row_label', 'number', 'x', 'y', 'tier'])
      .where('auditorium_id', '=', created.id)
      .orderBy('y')
      .orderBy('x')
      .execute();
    expect(seats.map((s) => `${s.row_label}${s.number}@${s.x},${s.y}:${s.tier[0]}`)).toEqual([
      'A1@0,0:a',
      'A2@1,0:a',
      'A3@3,0:s',
      'A4@4,0:s',
      'B1@1,1:s',
      'B2@3,1:s',
      'C1@0,3:p',
      'C2@1,3:p',
      'C3@3,3:p',
      'C4@4,3:p',
    ]);
  });

  it('lists the auditoriums of a theater with seat counts', async () => {
    await createAuditorium(t.app, admin, theaterId, gridLayout(2, 3), 'Screen 2');
    const res = await call('GET', `/theaters/${theaterId}/auditoriums`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      auditoriums: [
        expect.objectContaining({ theaterId, name: 'Screen 1', screenPosition: 'bottom', seatCount: 10 }),
        expect.objectContaining({ theaterId, name: 'Screen 2', screenPosition: 'top', seatCount: 6 }),
      ],
    });
    expect((await call('GET', `/theaters/${theaterId}`)).json()).toMatchObject({
      theater: { auditoriumCount: 2 },
    });
    const missing = await call('GET', `/theaters/${MISSING}/auditoriums`);
    expect(missing.statusCode).toBe(404);
  });

  it('refuses a second auditorium with the same name in the theater with 409', async () => {
    const res = await call('POST', `/theaters/${theaterId}/auditoriums`, { ...layout, name: ' Screen 1 ' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'AUDITORIUM_NAME_TAKEN' } });
    const elsewhere = await createTheater(t.app, admin);
    expect((await call('POST', `/theaters/${elsewhere}/auditoriums`, layout)).statusCode).toBe(201);
  });

  it('answers 404 for an unknown theater', async () => {
    const res = await call('POST', `/theaters/${MISSING}/auditoriums`, layout);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
  });

  const seat = (number: number, tier = 'standard') => ({ number, tier });
  it.each([
    ['41 rows', Array.from({ length: 41 }, (_, i) => ({ label: `R${i}`, seats: [seat(1)] })), 'body.rows'],
    ['no rows', [], 'body.rows'],
    [
      '61 positions',
      [{ label: 'A', seats: Array.from({ length: 61 }, (_, i) => seat(i + 1)) }],
      'body.rows.0.seats',
    ],
    ['an empty row', [{ label: 'A', seats: [] }], 'body.rows.0.seats'],
    [
      'duplicate labels',
      [
        { label: 'A', seats: [seat(1)] },
        { label: 'A', seats: [seat(1)] },
      ],
      'body.rows.1.label',
    ],
    [
      'duplicate seat numbers',
      [{ label: 'A', seats: [seat(1), null, seat(1)] }],
      'body.rows.0.seats.2.number',
    ],
    ['no seat at all', [{ label: 'A', seats: [null, null] }], 'body.rows'],
    ['an unknown tier', [{ label: 'A', seats: [seat(1, 'vip')] }], 'body.rows.0.seats.0'],
    ['a seat number 0', [{ label: 'A', seats: [seat(0)] }], 'body.rows.0.seats.0'],
    ['a long label', [{ label: 'ABCDE', seats: [seat(1)] }], 'body.rows.0.label'],
    ['an unknown seat field', [{ label: 'A', seats: [{ ...seat(1), x: 3 }] }], 'body.rows.0.seats.0'],
  ])('refuses %s with 400', async (_what, rows, field) => {
    const res = await call('POST', `/theaters/${theaterId}/auditoriums`, { name: 'Bad', rows });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(fieldsOf(res).some((f) => f.startsWith(field))).toBe(true);
  });

  it('gets and deletes an auditorium; 404 when unknown', async () => {
    const id = await createAuditorium(t.app, admin, theaterId, gridLayout(1, 2), 'Screen 9');
    expect((await call('DELETE', `/auditoriums/${id}`)).statusCode).toBe(204);
    const gone = await call('GET', `/auditoriums/${id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ error: { code: 'AUDITORIUM_NOT_FOUND' } });
    expect((await call('DELETE', `/auditoriums/${id}`)).statusCode).toBe(404);
    expect((await call('GET', '/auditoriums/nope')).statusCode).toBe(400);
  });
});

describe('movies', () => {
  let id: string;

  it('creates a movie with defaults', async () => {
    const res = await call('POST', '/movies', { title: ' The Long Matinee ', runtimeMinutes: 142 });
    expect(res.statusCode).toBe(201);
    const { movie } = res.json<{ movie: { id: string } }>();
    expect(movie).toEqual({
      id: movie.id,
      title: 'The Long Matinee',
      synopsis: '',
      runtimeMinutes: 142,
      rating: 'NR',
      posterUrl: null,
      genres: [],
      language: 'en',
      cast: [],
      trailerUrl: null,
    });
    id = movie.id;
  });

  it('accepts a poster URL or a local path, nothing else', async () => {
    for (const posterUrl of ['https://img.example.com/p.jpg', '/posters/p.jpg']) {
      const res = await call('POST', '/movies', {
        title: 'P',
        runtimeMinutes: 90,
        posterUrl,
        rating: 'PG-13',
      });
      expect(res.statusCode, posterUrl).toBe(201);
      expect(res.json()).toMatchObject({ movie: { posterUrl, rating: 'PG-13' } });
    }
    for (const posterUrl of ['javascript:alert(1)', 'ftp://x/y', 'posters/p.jpg', 'https://a b', '']) {
      const res = await call('POST', '/movies', { title: 'P', runtimeMinutes: 90, posterUrl });
      expect(res.statusCode, posterUrl).toBe(400);
      expect(fieldsOf(res)).toContain('body.posterUrl');
    }
  });

  it.each([
    [{ title: 'X', runtimeMinutes: 0 }, 'body.runtimeMinutes'],
    [{ title: 'X', runtimeMinutes: 601 }, 'body.runtimeMinutes'],
    [{ title: 'X', runtimeMinutes: 90.5 }, 'body.runtimeMinutes'],
    [{ title: 'X', runtimeMinutes: '90' }, 'body.runtimeMinutes'],
    [{ title: '', runtimeMinutes: 90 }, 'body.title'],
    [{ runtimeMinutes: 90 }, 'body.title'],
    [{ title: 'X', runtimeMinutes: 90, rating: 'TOO-LONG-RATING' }, 'body.rating'],
    [{ title: 'X', runtimeMinutes: 90, synopsis: 'x'.repeat(5001) }, 'body.synopsis'],
    [{ title: 'X', runtimeMinutes: 90, director: 'Y' }, 'body.director'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const res = await call('POST', '/movies', body);
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toContain(field);
  });

  it('lists movies by title, a page at a time, with a title filter', async () => {
    for (const title of ['Paging C', 'Paging A', 'Paging B']) await createMovie(t.app, admin, { title });
    const first = await call('GET', '/movies?q=paging&limit=2');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.json<{ movies: { title: string }[] }>().movies.map((m) => m.title)).toEqual([
      'Paging A',
      'Paging B',
    ]);
    const second = await call('GET', '/movies?q=paging&limit=2&offset=2');
    expect(second.json<{ movies: { title: string }[] }>().movies.map((m) => m.title)).toEqual(['Paging C']);
    // LIKE wildcards in q are literal characters
    expect((await call('GET', '/movies?q=%25')).json()).toMatchObject({ total: 0, movies: [] });
    expect((await call('GET', '/movies?q=_')).json()).toMatchObject({ total: 0 });
    expect((await call('GET', '/movies')).json<{ total: number }>().total).toBeGreaterThanOrEqual(6);
    expect((await call('GET', '/movies?limit=abc')).statusCode).toBe(400);
  });

  it('gets, patches and deletes a movie', async () => {
    expect((await call('GET', `/movies/${id}`)).json()).toMatchObject({ movie: { id, runtimeMinutes: 142 } });
    const patched = await call('PATCH', `/movies/${id}`, {
      synopsis: 'A film about waiting.',
      posterUrl: '/posters/long.jpg',
      runtimeMinutes: 150,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      movie: { id, title: 'The Long Matinee', synopsis: 'A film about waiting.', runtimeMinutes: 150 },
    });
    const cleared = await call('PATCH', `/movies/${id}`, { posterUrl: null });
    expect(cleared.json()).toMatchObject({ movie: { posterUrl: null } });
    expect((await call('PATCH', `/movies/${id}`, {})).statusCode).toBe(400);
    expect((await call('PATCH', `/movies/${id}`, { runtimeMinutes: -1 })).statusCode).toBe(400);
    expect((await call('PATCH', `/movies/${MISSING}`, { title: 'X' })).statusCode).toBe(404);

    expect((await call('DELETE', `/movies/${id}`)).statusCode).toBe(204);
    const gone = await call('GET', `/movies/${id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ error: { code: 'MOVIE_NOT_FOUND' } });
    expect((await call('DELETE', `/movies/${id}`)).statusCode).toBe(404);
  });
});

describe('showtimes', () => {
  let theaterId: string;
  let auditoriumId: string;
  let otherAuditoriumId: string;
  let movieId: string;
  let first: string;
  const start = inHours(48);

  interface AdminShowtime {
    id: string;
    startsAt: string;
    endsAt: string;
    currency: string;
    prices: { standard: number; premium: number; accessible: number };
    movie: { id: string; title: string; runtimeMinutes: number };
    auditorium: { id: string; name: string };
    theater: { id: string; name: string; timeZone: string };
    seats: { total: number; available: number; held: number; sold: number };
  }

  beforeAll(async () => {
    theaterId = await createTheater(t.app, admin, { name: 'Showtime Palace' });
    auditoriumId = await createAuditorium(
      t.app,
      admin,
      theaterId,
      gridLayout(3, 4, { premiumRows: [2], accessibleSeats: 1 }),
      'Main',
    );
    otherAuditoriumId = await createAuditorium(t.app, admin, theaterId, gridLayout(1, 2), 'Small');
    movieId = await createMovie(t.app, admin, { title: 'Two Hours', runtimeMinutes: 120 });
  });

  const body = (over: Record<string, unknown> = {}) => ({
    auditoriumId,
    movieId,
    startsAt: start.toISOString(),
    prices: { standard: 1500, premium: 2200 },
    ...over,
  });

  it('creates a showtime and its seat inventory in one go', async () => {
    const res = await call('POST', '/showtimes', body());
    expect(res.statusCode).toBe(201);
    const { showtime } = res.json<{ showtime: AdminShowtime }>();
    expect(showtime).toEqual({
      id: showtime.id,
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + (120 + 15) * 60_000).toISOString(),
      cleaningMinutes: 15,
      currency: 'USD',
      prices: { standard: 1500, premium: 2200, accessible: 1500 },
      ticketTypes: [
        { type: 'adult', discountCents: 0, prices: { standard: 1500, premium: 2200, accessible: 1500 } },
      ],
      movie: { id: movieId, title: 'Two Hours', runtimeMinutes: 120 },
      auditorium: { id: auditoriumId, name: 'Main' },
      theater: { id: theaterId, name: 'Showtime Palace', timeZone: 'America/New_York' },
      seats: { total: 12, available: 12, held: 0, sold: 0 },
      format: '2D',
      presentation: 'original',
      presentationLanguage: null,
    });
    first = showtime.id;
    const inventory = await t.ctx.db
      .selectFrom('seat_inventory')
      .select(['status', 'booking_id'])
      .where('showtime_id', '=', first)
      .execute();
    expect(inventory).toHaveLength(12);
    expect(inventory.every((row) => row.status === 'available' && row.booking_id === null)).toBe(true);
  });

  it('refuses an overlapping showtime in the same auditorium with 409', async () => {
    const overlap = await call(
      'POST',
      '/showtimes',
      body({ startsAt: new Date(start.getTime() + HOUR).toISOString() }),
    );
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json()).toMatchObject({
      error: { code: 'SHOWTIME_OVERLAP', conflictingShowtimeId: first },
    });
    // The cleaning slot counts: starting 10 min before the previous one's slot ends still overlaps.
    const tight = await call(
      'POST',
      '/showtimes',
      body({ startsAt: new Date(start.getTime() + 125 * 60_000).toISOString() }),
    );
    expect(tight.statusCode).toBe(409);
    const count = await t.ctx.db
      .selectFrom('showtimes')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('auditorium_id', '=', auditoriumId)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('allows back-to-back showtimes and the same time in another auditorium', async () => {
    const next = await call(
      'POST',
      '/showtimes',
      body({ startsAt: new Date(start.getTime() + 135 * 60_000).toISOString(), currency: 'EUR' }),
    );
    expect(next.statusCode).toBe(201);
    expect(next.json()).toMatchObject({ showtime: { currency: 'EUR' } });
    const parallel = await call('POST', '/showtimes', body({ auditoriumId: otherAuditoriumId }));
    expect(parallel.statusCode).toBe(201);
    expect(parallel.json()).toMatchObject({ showtime: { seats: { total: 2 } } });
  });

  it('refuses a start in the past, absurdly far ahead, or not a date-time with 400', async () => {
    for (const startsAt of [
      new Date(Date.now() - 60_000).toISOString(),
      new Date(Date.now() + 3 * 365 * 86_400_000).toISOString(),
      '2030-06-30T23:59:60Z',
      '2030-06-30 20:00',
      '2030-06-30T20:00:00',
      'tomorrow',
    ]) {
      const res = await call('POST', '/showtimes', body({ startsAt }));
      expect(res.statusCode, startsAt).toBe(400);
      expect(fieldsOf(res), startsAt).toContain('body.startsAt');
    }
  });

  it.each([
    [{ prices: { standard: -1 } }, 'body.prices.standard'],
    [{ prices: { standard: 1_000_001 } }, 'body.prices.standard'],
    [{ prices: { standard: 12.5 } }, 'body.prices.standard'],
    [{ prices: { standard: '1200' } }, 'body.prices.standard'],
    [{ prices: { premium: 100 } }, 'body.prices.standard'],
    [{ prices: { standard: 100, vip: 5 } }, 'body.prices.vip'],
    [{ currency: 'usd' }, 'body.currency'],
    [{ auditoriumId: 'abc' }, 'body.auditoriumId'],
  ])('refuses %j with 400 naming %s', async (over, field) => {
    const res = await call('POST', '/showtimes', body({ startsAt: inHours(400).toISOString(), ...over }));
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toContain(field);
  });

  it('answers 404 for an unknown auditorium or movie', async () => {
    const noAud = await call('POST', '/showtimes', body({ auditoriumId: MISSING }));
    expect(noAud.statusCode).toBe(404);
    expect(noAud.json()).toMatchObject({ error: { code: 'AUDITORIUM_NOT_FOUND' } });
    const noMovie = await call('POST', '/showtimes', body({ movieId: MISSING }));
    expect(noMovie.statusCode).toBe(404);
    expect(noMovie.json()).toMatchObject({ error: { code: 'MOVIE_NOT_FOUND' } });
  });

  it('lists showtimes by start with filters', async () => {
    const res = await call('GET', `/showtimes?theaterId=${theaterId}`);
    expect(res.statusCode).toBe(200);
    const list = res.json<{ showtimes: AdminShowtime[] }>().showtimes;
    expect(list).toHaveLength(3);
    const starts = list.map((s) => s.startsAt);
    expect(starts).toEqual([...starts].sort());
    expect(list[0]!.startsAt).toBe(start.toISOString());

    const windowed = await call(
      'GET',
      `/showtimes?theaterId=${theaterId}&from=${encodeURIComponent(new Date(start.getTime() + 1).toISOString())}&to=${encodeURIComponent(inHours(200).toISOString())}`,
    );
    expect(windowed.json<{ showtimes: AdminShowtime[] }>().showtimes.map((s) => s.currency)).toEqual(['EUR']);
    const byAuditorium = await call('GET', `/showtimes?auditoriumId=${otherAuditoriumId}`);
    expect(byAuditorium.json<{ showtimes: AdminShowtime[] }>().showtimes).toHaveLength(1);
    const limited = await call('GET', `/showtimes?movieId=${movieId}&limit=1`);
    expect(limited.json<{ showtimes: unknown[] }>().showtimes).toHaveLength(1);
    const none = await call('GET', `/showtimes?theaterId=${MISSING}`);
    expect(none.json()).toEqual({ showtimes: [] });

    expect((await call('GET', '/showtimes?theaterId=nope')).statusCode).toBe(400);
    expect((await call('GET', '/showtimes?from=yesterday')).statusCode).toBe(400);
    const backwards = await call(
      'GET',
      `/showtimes?from=${encodeURIComponent(inHours(10).toISOString())}&to=${encodeURIComponent(inHours(5).toISOString())}`,
    );
    expect(backwards.statusCode).toBe(400);
    expect(fieldsOf(backwards)).toContain('querystring.to');
  });

  it('gets one showtime with seat counts, where a lapsed hold counts as available', async () => {
    const f = await createShowtimeFixture(t.app, admin, { rows: 2, seatsPerRow: 3, startsAt: inHours(300) });
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: f.showtimeId,
      seatIds: [f.seatIds[0]!],
      status: 'sold',
    });
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: f.showtimeId,
      seatIds: [f.seatIds[1]!],
      status: 'held',
    });
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: f.showtimeId,
      seatIds: [f.seatIds[2]!],
      status: 'held',
      holdExpiresAt: new Date(Date.now() - 60_000),
    });
    const res = await call('GET', `/showtimes/${f.showtimeId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      showtime: { id: f.showtimeId, seats: { total: 6, available: 4, held: 1, sold: 1 } },
    });
    const missing = await call('GET', `/showtimes/${MISSING}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'SHOWTIME_NOT_FOUND' } });
  });

  it('changes prices at any time; null makes a tier follow the standard price', async () => {
    const res = await call('PATCH', `/showtimes/${first}`, {
      prices: { standard: 1600, premium: null, accessible: 900 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      showtime: {
        id: first,
        startsAt: start.toISOString(),
        prices: { standard: 1600, premium: 1600, accessible: 900 },
      },
    });
    expect((await call('PATCH', `/showtimes/${first}`, { prices: {} })).statusCode).toBe(400);
    expect((await call('PATCH', `/showtimes/${first}`, {})).statusCode).toBe(400);
    expect((await call('PATCH', `/showtimes/${first}`, { prices: { standard: -5 } })).statusCode).toBe(400);
    expect((await call('PATCH', `/showtimes/${first}`, { movieId })).statusCode).toBe(400);
    expect((await call('PATCH', `/showtimes/${MISSING}`, { prices: { standard: 1 } })).statusCode).toBe(404);
  });

  it('moves a showtime without bookings and recomputes its end', async () => {
    const moveTo = inHours(24);
    const res = await call('PATCH', `/showtimes/${first}`, { startsAt: moveTo.toISOString() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      showtime: {
        startsAt: moveTo.toISOString(),
        endsAt: new Date(moveTo.getTime() + 135 * 60_000).toISOString(),
      },
    });
    const past = await call('PATCH', `/showtimes/${first}`, {
      startsAt: new Date(Date.now() - HOUR).toISOString(),
    });
    expect(past.statusCode).toBe(400);
  });

  it('refuses to move a showtime onto another with 409', async () => {
    const other = await createShowtime(t.app, admin, { auditoriumId, movieId, startsAt: inHours(72) });
    const res = await call('PATCH', `/showtimes/${first}`, { startsAt: inHours(73).toISOString() });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'SHOWTIME_OVERLAP', conflictingShowtimeId: other } });
  });

  it('refuses to move a showtime with held or sold seats, but still changes its prices', async () => {
    const f = await createShowtimeFixture(t.app, admin, { rows: 1, seatsPerRow: 2, startsAt: inHours(500) });
    await claimSeatsInDb(t.ctx, {
      userId: customer.id,
      showtimeId: f.showtimeId,
      seatIds: [f.seatIds[0]!],
      status: 'held',
    });
    const move = await call('PATCH', `/showtimes/${f.showtimeId}`, { startsAt: inHours(510).toISOString() });
    expect(move.statusCode).toBe(409);
    expect(move.json()).toMatchObject({ error: { code: 'SHOWTIME_HAS_BOOKINGS' } });
    const same = await call('PATCH', `/showtimes/${f.showtimeId}`, {
      startsAt: f.startsAt,
      prices: { standard: 999 },
    });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ showtime: { startsAt: f.startsAt, prices: { standard: 999 } } });
  });

  describe('deleting', () => {
    it('deletes a showtime without bookings, inventory included', async () => {
      const f = await createShowtimeFixture(t.app, admin, {
        rows: 1,
        seatsPerRow: 3,
        startsAt: inHours(600),
      });
      const res = await call('DELETE', `/showtimes/${f.showtimeId}`);
      expect(res.statusCode).toBe(204);
      expect((await call('GET', `/showtimes/${f.showtimeId}`)).statusCode).toBe(404);
      const left = await t.ctx.db
        .selectFrom('seat_inventory')
        .select('seat_id')
        .where('showtime_id', '=', f.showtimeId)
        .execute();
      expect(left).toEqual([]);
      expect((await call('DELETE', `/showtimes/${f.showtimeId}`)).statusCode).toBe(404);
    });

    it('refuses to delete a showtime with sold seats (409 SHOWTIME_HAS_SALES)', async () => {
      const f = await createShowtimeFixture(t.app, admin, {
        rows: 1,
        seatsPerRow: 3,
        startsAt: inHours(610),
      });
      await claimSeatsInDb(t.ctx, {
        userId: customer.id,
        showtimeId: f.showtimeId,
        seatIds: [f.seatIds[1]!],
        status: 'sold',
      });
      const res = await call('DELETE', `/showtimes/${f.showtimeId}`);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: 'SHOWTIME_HAS_SALES' } });
      expect((await call('GET', `/showtimes/${f.showtimeId}`)).statusCode).toBe(200);
    });

    it('refuses to delete a showtime that bookings refer to (409 SHOWTIME_HAS_BOOKINGS)', async () => {
      const f = await createShowtimeFixture(t.app, admin, {
        rows: 1,
        seatsPerRow: 3,
        startsAt: inHours(620),
      });
      await claimSeatsInDb(t.ctx, {
        userId: customer.id,
        showtimeId: f.showtimeId,
        seatIds: [f.seatIds[0]!],
        status: 'held',
      });
      const res = await call('DELETE', `/showtimes/${f.showtimeId}`);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: 'SHOWTIME_HAS_BOOKINGS' } });
      expect((await call('GET', `/showtimes/${f.showtimeId}`)).json()).toMatchObject({
        showtime: { seats: { held: 1 } },
      });
    });

    it('refuses to delete a theater, auditorium or movie that has showtimes', async () => {
      const theater = await call('DELETE', `/theaters/${theaterId}`);
      expect(theater.statusCode).toBe(409);
      expect(theater.json()).toMatchObject({ error: { code: 'THEATER_HAS_SHOWTIMES' } });
      const auditorium = await call('DELETE', `/auditoriums/${auditoriumId}`);
      expect(auditorium.statusCode).toBe(409);
      expect(auditorium.json()).toMatchObject({ error: { code: 'AUDITORIUM_HAS_SHOWTIMES' } });
      const movie = await call('DELETE', `/movies/${movieId}`);
      expect(movie.statusCode).toBe(409);
      expect(movie.json()).toMatchObject({ error: { code: 'MOVIE_HAS_SHOWTIMES' } });
      // Nothing was half-deleted.
      expect(
        (await call('GET', `/theaters/${theaterId}/auditoriums`)).json<{ auditoriums: unknown[] }>()
          .auditoriums,
      ).toHaveLength(2);
    });
  });
});

describe('OpenAPI', () => {
  it('documents every admin operation with an id, a tag and a summary', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { operationId?: string; tags?: string[]; summary?: string }>>;
    }>();
    const adminOps = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/admin/'))
      .flatMap(([, ops]) => Object.values(ops));
    // At least: 20 catalog operations, 2 for failed notifications, 1 to change a user's role, the audit log.
    expect(adminOps.length).toBeGreaterThanOrEqual(24);
    for (const op of adminOps) {
      expect(op.operationId).toMatch(/^admin[A-Z]/);
      expect(op.tags).toEqual(['admin']);
      expect(op.summary).toBeTruthy();
    }
  });
});
