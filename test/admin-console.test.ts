import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createMovie, createShowtime, createTheater } from './helpers/catalog.js';
import { CARD } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/** The operator console's API: closing theaters, their currency, and seat layouts saved in versions. */
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

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown, user: TestUser | null = admin) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: user ? user.auth : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const MISSING = '00000000-0000-4000-8000-000000000000';
const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + h * HOUR);

interface LayoutSeatOut {
  id: string;
  number: number;
  tier: string;
  x: number;
  blocked: string | null;
}
interface AuditoriumOut {
  id: string;
  name: string;
  layoutVersion: number;
  seatCount: number;
  upcomingShowtimes: { onCurrentLayout: number; onOlderLayouts: number; withSales: number };
  rows: { label: string; y: number; stagger: boolean; curve: number; seats: (LayoutSeatOut | null)[] }[];
}
interface MapSeat {
  id: string;
  status: string;
  row: string;
  number: number;
  x: number;
  y: number;
  tier: string;
  dx: number;
  dy: number;
}

const s = (number: number, tier = 'standard', blocked?: string) => ({
  number,
  tier,
  ...(blocked ? { blocked } : {}),
});

/** Row A: a wheelchair space with its companion on each side of an aisle; row B staggered with a broken seat; C curved. */
const LAYOUT = [
  { label: 'A', seats: [s(1, 'accessible'), s(2, 'companion'), null, s(3, 'companion'), s(4, 'accessible')] },
  { label: 'B', stagger: true, seats: [s(1), s(2), s(3, 'standard', 'broken'), s(4)] },
  {
    label: 'C',
    curve: 6,
    seats: [s(1, 'premium'), s(2, 'premium'), s(3, 'premium'), s(4, 'premium', 'house')],
  },
];

async function newAuditorium(
  rows: unknown = LAYOUT,
): Promise<{ theaterId: string; auditorium: AuditoriumOut }> {
  const theaterId = await createTheater(t.app, admin);
  const res = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, { name: 'Screen 1', rows });
  expect(res.statusCode).toBe(201);
  return { theaterId, auditorium: res.json<{ auditorium: AuditoriumOut }>().auditorium };
}

async function seatMap(showtimeId: string): Promise<MapSeat[]> {
  const res = await call('GET', `/showtimes/${showtimeId}/seats`, undefined, null);
  expect(res.statusCode).toBe(200);
  return res.json<{ seats: MapSeat[] }>().seats;
}

describe('access to the new and changed routes', () => {
  const routes: [Method, string, unknown][] = [
    ['PUT', `/admin/auditoriums/${MISSING}/layout`, { baseVersion: 1, rows: LAYOUT }],
    ['PATCH', `/admin/theaters/${MISSING}`, { closed: true }],
  ];
  it.each(routes)('%s %s: 401 signed out, 403 for customers and staff', async (method, url, body) => {
    expect((await call(method, url, body, null)).statusCode).toBe(401);
    for (const user of [customer, staff]) {
      const res = await call(method, url, body, user);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });
});

describe('theaters: currency and closing', () => {
  it('keeps a currency that new showtimes default to, and rejects one that is not ISO 4217 shaped', async () => {
    const bad = await call('POST', '/admin/theaters', {
      name: 'Euro',
      address: '1 Rue',
      city: 'Paris',
      lat: 48.85,
      lng: 2.35,
      currency: 'eur',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });

    const created = await call('POST', '/admin/theaters', {
      name: 'Le Grand',
      address: '1 Rue de Rivoli',
      city: 'Paris',
      lat: 48.85,
      lng: 2.35,
      timeZone: 'Europe/Paris',
      currency: 'EUR',
    });
    expect(created.statusCode).toBe(201);
    const theater = created.json<{ theater: { id: string; currency: string; closedAt: null } }>().theater;
    expect(theater).toMatchObject({ currency: 'EUR', closedAt: null });
    const aud = await call('POST', `/admin/theaters/${theater.id}/auditoriums`, {
      name: 'Salle 1',
      rows: LAYOUT,
    });
    const movieId = await createMovie(t.app, admin);
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: aud.json<{ auditorium: { id: string } }>().auditorium.id,
      movieId,
      startsAt: inHours(30),
    });
    const show = await call('GET', `/admin/showtimes/${showtimeId}`);
    expect(show.json()).toMatchObject({ showtime: { currency: 'EUR' } });
  });

  it('closing hides the theater from customers, refuses holds and new showtimes, keeps its history; reopening undoes it', async () => {
    const { theaterId, auditorium } = await newAuditorium();
    const movieId = await createMovie(t.app, admin);
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(40),
    });
    const seatId = (await seatMap(showtimeId)).find((x) => x.row === 'B' && x.number === 1)!.id;

    const closed = await call('PATCH', `/admin/theaters/${theaterId}`, { closed: true });
    expect(closed.statusCode).toBe(200);
    const closedAt = closed.json<{ theater: { closedAt: string } }>().theater.closedAt;
    expect(Date.parse(closedAt)).not.toBeNaN();

    expect((await call('GET', `/theaters/${theaterId}`, undefined, null)).statusCode).toBe(404);
    const list = await call('GET', '/theaters?limit=100', undefined, null);
    expect(list.json<{ theaters: { id: string }[] }>().theaters.map((x) => x.id)).not.toContain(theaterId);
    const hold = await call('POST', '/bookings', { showtimeId, seatIds: [seatId] }, customer);
    expect(hold.statusCode).toBe(404);
    expect(hold.json()).toMatchObject({ error: { code: 'SHOWTIME_NOT_FOUND' } });
    const another = await call('POST', '/admin/showtimes', {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(60).toISOString(),
      prices: { standard: 1000 },
    });
    expect(another.statusCode).toBe(409);
    expect(another.json()).toMatchObject({ error: { code: 'THEATER_CLOSED' } });
    // Operators still see it and its showtimes.
    expect((await call('GET', `/admin/theaters/${theaterId}`)).json()).toMatchObject({
      theater: { closedAt },
    });
    expect((await call('GET', `/admin/showtimes/${showtimeId}`)).statusCode).toBe(200);

    // Closing twice keeps the first time.
    const again = await call('PATCH', `/admin/theaters/${theaterId}`, { closed: true });
    expect(again.json()).toMatchObject({ theater: { closedAt } });

    const reopened = await call('PATCH', `/admin/theaters/${theaterId}`, { closed: false });
    expect(reopened.json()).toMatchObject({ theater: { closedAt: null } });
    expect((await call('GET', `/theaters/${theaterId}`, undefined, null)).statusCode).toBe(200);
    expect((await call('POST', '/bookings', { showtimeId, seatIds: [seatId] }, customer)).statusCode).toBe(
      201,
    );
  });
});

describe('seat layouts', () => {
  it('stores staggered and curved rows and blocked seats; blocked seats are not for sale', async () => {
    const { auditorium } = await newAuditorium();
    expect(auditorium.layoutVersion).toBe(1);
    expect(auditorium.seatCount).toBe(12);
    expect(auditorium.rows.map((r) => [r.label, r.stagger, r.curve])).toEqual([
      ['A', false, 0],
      ['B', true, 0],
      ['C', false, 6],
    ]);
    expect(auditorium.rows[0]!.seats[2]).toBeNull(); // the aisle
    expect(auditorium.rows[1]!.seats[2]).toMatchObject({ number: 3, blocked: 'broken' });
    expect(auditorium.rows[2]!.seats[3]).toMatchObject({ number: 4, blocked: 'house' });

    const movieId = await createMovie(t.app, admin);
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(50),
    });
    const map = await seatMap(showtimeId);
    expect(map).toHaveLength(10); // 12 seats, 2 blocked
    expect(map.some((x) => x.row === 'B' && x.number === 3)).toBe(false);
    expect(map.filter((x) => x.row === 'B').every((x) => x.dx === 0.5)).toBe(true);
    const c = map.filter((x) => x.row === 'C');
    // Ends nearer the screen than the middle; the map draws, x still says who sits beside whom.
    expect(c.map((x) => x.x)).toEqual([0, 1, 2]);
    expect(c[0]!.dy).toBeLessThan(0);
    expect(map.filter((x) => x.row === 'A').every((x) => x.dx === 0 && x.dy === 0)).toBe(true);
  });

  it('takes an exported layout file as it is, and refuses another format', async () => {
    const theaterId = await createTheater(t.app, admin);
    const file = {
      format: 'matinee.seat-layout/1',
      name: 'From a file',
      screenPosition: 'bottom',
      rows: LAYOUT,
    };
    const res = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, file);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      auditorium: { name: 'From a file', screenPosition: 'bottom', seatCount: 12 },
    });
    const other = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      ...file,
      name: 'Other',
      format: 'matinee.seat-layout/2',
    });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('rejects bad layouts with coded 400s', async () => {
    const { auditorium } = await newAuditorium();
    const cases: [unknown, string][] = [
      [[{ label: 'A', curve: 11, seats: [s(1)] }], 'curve too large'],
      [[{ label: 'A', seats: [s(1, 'standard', 'stolen')] }], 'unknown block reason'],
      [[{ label: 'A', stagger: 'yes', seats: [s(1)] }], 'stagger not a boolean'],
      [[{ label: 'A', seats: [s(1), s(1)] }], 'a number twice'],
      [
        [
          { label: 'A', seats: [s(1)] },
          { label: 'a', seats: [s(1)] },
        ],
        'a label twice',
      ],
    ];
    for (const [rows, why] of cases) {
      const res = await call('PUT', `/admin/auditoriums/${auditorium.id}/layout`, { baseVersion: 1, rows });
      expect(res.statusCode, why).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code, why).toBe('VALIDATION_FAILED');
    }
    const noBase = await call('PUT', `/admin/auditoriums/${auditorium.id}/layout`, { rows: LAYOUT });
    expect(noBase.statusCode).toBe(400);
    const missing = await call('PUT', `/admin/auditoriums/${MISSING}/layout`, {
      baseVersion: 1,
      rows: LAYOUT,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'AUDITORIUM_NOT_FOUND' } });
    // Nothing was saved by any of them.
    const now = await call('GET', `/admin/auditoriums/${auditorium.id}`);
    expect(now.json()).toMatchObject({ auditorium: { layoutVersion: 1, seatCount: 12 } });
  });

  it('a saved layout never changes a showtime with sold tickets; it applies to showtimes created afterwards', async () => {
    const { auditorium } = await newAuditorium();
    const movieId = await createMovie(t.app, admin);
    const sold = await createShowtime(t.app, admin, {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(70),
    });
    const before = await seatMap(sold);
    const seat = before.find((x) => x.row === 'C' && x.number === 2)!;

    // A customer buys C2 for real: hold, then pay.
    const hold = await call('POST', '/bookings', { showtimeId: sold, seatIds: [seat.id] }, customer);
    expect(hold.statusCode).toBe(201);
    const bookingId = hold.json<{ booking: { id: string } }>().booking.id;
    const paid = await call('POST', `/bookings/${bookingId}/payment`, { card: CARD.good }, customer);
    expect(paid.statusCode).toBe(200);

    const info = await call('GET', `/admin/auditoriums/${auditorium.id}`);
    expect(info.json()).toMatchObject({
      auditorium: { upcomingShowtimes: { onCurrentLayout: 1, onOlderLayouts: 0, withSales: 1 } },
    });

    // The operator removes row C altogether and renames A's seats.
    const next = [
      { label: 'A', seats: [s(11), s(12), s(13)] },
      { label: 'B', seats: [s(1), s(2)] },
    ];
    const saved = await call('PUT', `/admin/auditoriums/${auditorium.id}/layout`, {
      baseVersion: 1,
      rows: next,
    });
    expect(saved.statusCode).toBe(200);
    const after = saved.json<{ auditorium: AuditoriumOut }>().auditorium;
    expect(after).toMatchObject({
      layoutVersion: 2,
      seatCount: 5,
      upcomingShowtimes: { onCurrentLayout: 0, onOlderLayouts: 1, withSales: 1 },
    });

    // The showtime with sales kept every seat, the sold one included, and the ticket still names it.
    const kept = await seatMap(sold);
    expect(kept.map(({ id, row, number, x, y, tier }) => ({ id, row, number, x, y, tier }))).toEqual(
      before.map(({ id, row, number, x, y, tier }) => ({ id, row, number, x, y, tier })),
    );
    expect(kept.find((x) => x.id === seat.id)).toMatchObject({ status: 'sold' });
    const booking = await call('GET', `/bookings/${bookingId}`, undefined, customer);
    expect(booking.json()).toMatchObject({
      booking: {
        status: 'confirmed',
        tickets: [expect.objectContaining({ seatId: seat.id, row: 'C', number: 2 })],
      },
    });

    // A new showtime gets the new layout.
    const later = await createShowtime(t.app, admin, {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(80),
    });
    const laterMap = await seatMap(later);
    expect(laterMap.map((x) => `${x.row}${x.number}`)).toEqual(['A11', 'A12', 'A13', 'B1', 'B2']);

    // An editor who still had version 1 open cannot overwrite version 2.
    const stale = await call('PUT', `/admin/auditoriums/${auditorium.id}/layout`, {
      baseVersion: 1,
      rows: LAYOUT,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: { code: 'LAYOUT_VERSION_CONFLICT', currentVersion: 2 } });
  });

  it('drops a version no showtime uses when the next one is saved', async () => {
    const { auditorium } = await newAuditorium();
    const one = [{ label: 'A', seats: [s(1), s(2)] }];
    const v2 = await call('PUT', `/admin/auditoriums/${auditorium.id}/layout`, { baseVersion: 1, rows: one });
    expect(v2.json()).toMatchObject({ auditorium: { layoutVersion: 2, seatCount: 2 } });
    const count = await t.ctx.db
      .selectFrom('seats')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('auditorium_id', '=', auditorium.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2); // version 1 (12 seats) had no showtime
  });

  it('checks the companion seat rule within one layout version only', async () => {
    // Version 1: A1 wheelchair space, A2 companion. Version 2: A1 standard, A2 companion (a layout slip).
    const { auditorium } = await newAuditorium([
      { label: 'A', seats: [s(1, 'accessible'), s(2, 'companion')] },
    ]);
    const movieId = await createMovie(t.app, admin);
    await createShowtime(t.app, admin, { auditoriumId: auditorium.id, movieId, startsAt: inHours(90) });
    const saved = await call('PUT', `/admin/auditoriums/${auditorium.id}/layout`, {
      baseVersion: 1,
      rows: [{ label: 'A', seats: [s(1), s(2, 'companion')] }],
    });
    expect(saved.statusCode).toBe(200);
    const later = await createShowtime(t.app, admin, {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(100),
    });
    const companion = (await seatMap(later)).find((x) => x.number === 2)!;
    // No wheelchair space beside it in its own version: sold like a standard seat (v1's space does not count).
    const hold = await call('POST', '/bookings', { showtimeId: later, seatIds: [companion.id] }, customer);
    expect(hold.statusCode).toBe(201);
  });
});
