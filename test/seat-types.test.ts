import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createMovie, createShowtime, createTheater } from './helpers/catalog.js';
import { CARD } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/** Operator-defined seat types: a name, a colour, a base tier and a surcharge, per theater. */
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

interface SeatTypeOut {
  id: string;
  theaterId: string;
  name: string;
  colour: string;
  baseTier: string;
  surchargeCents: number;
  auditoriumsUsing: number;
}
interface MapSeat {
  id: string;
  row: string;
  number: number;
  tier: string;
  priceCents: number;
  seatType: { id: string; name: string; colour: string } | null;
}

async function createType(theaterId: string, body: object): Promise<SeatTypeOut> {
  const res = await call('POST', `/admin/theaters/${theaterId}/seat-types`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ seatType: SeatTypeOut }>().seatType;
}

const seat = (number: number, tier = 'standard', seatTypeId?: string) => ({
  number,
  tier,
  ...(seatTypeId ? { seatTypeId } : {}),
});

async function seatMap(showtimeId: string): Promise<MapSeat[]> {
  const res = await call('GET', `/showtimes/${showtimeId}/seats`, undefined, null);
  expect(res.statusCode).toBe(200);
  return res.json<{ seats: MapSeat[] }>().seats;
}

async function auditEntries(subjectId: string) {
  const res = await call('GET', `/admin/audit-log?subjectType=seat_type&subjectId=${subjectId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{
    entries: { action: string; theaterId: string; actor: { id: string }; before: unknown; after: unknown }[];
  }>().entries;
}

describe('access', () => {
  const routes: [Method, string, unknown][] = [
    ['GET', `/admin/theaters/${MISSING}/seat-types`, undefined],
    ['POST', `/admin/theaters/${MISSING}/seat-types`, { name: 'X', colour: '#112233', baseTier: 'standard' }],
    ['PATCH', `/admin/theaters/${MISSING}/seat-types/${MISSING}`, { surchargeCents: 100 }],
    ['DELETE', `/admin/theaters/${MISSING}/seat-types/${MISSING}`, undefined],
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

describe('seat types', () => {
  it('are created, listed by name, changed and deleted, each change in the audit log', async () => {
    const theaterId = await createTheater(t.app, admin);
    const recliner = await createType(theaterId, {
      name: ' Recliner ',
      colour: '#8A2BE2',
      baseTier: 'premium',
      surchargeCents: 300,
    });
    expect(recliner).toMatchObject({
      theaterId,
      name: 'Recliner',
      colour: '#8a2be2',
      baseTier: 'premium',
      surchargeCents: 300,
      auditoriumsUsing: 0,
    });
    const dbox = await createType(theaterId, { name: 'D-BOX', colour: '#ff8800', baseTier: 'standard' });
    expect(dbox.surchargeCents).toBe(0);

    const list = await call('GET', `/admin/theaters/${theaterId}/seat-types`);
    expect(list.json<{ seatTypes: SeatTypeOut[] }>().seatTypes.map((x) => x.name)).toEqual([
      'D-BOX',
      'Recliner',
    ]);

    const changed = await call('PATCH', `/admin/theaters/${theaterId}/seat-types/${dbox.id}`, {
      surchargeCents: 800,
      colour: '#00AA00',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ seatType: { surchargeCents: 800, colour: '#00aa00' } });

    expect((await call('DELETE', `/admin/theaters/${theaterId}/seat-types/${dbox.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/admin/theaters/${theaterId}/seat-types/${dbox.id}`)).statusCode).toBe(404);

    const entries = await auditEntries(dbox.id);
    expect(entries.map((e) => e.action)).toEqual([
      'seat_type.delete',
      'seat_type.update',
      'seat_type.create',
    ]);
    expect(entries.every((e) => e.theaterId === theaterId && e.actor.id === admin.id)).toBe(true);
    expect(entries[1]).toMatchObject({
      before: { surchargeCents: 0, colour: '#ff8800' },
      after: { surchargeCents: 800, colour: '#00aa00' },
    });
    expect(entries[2]!.before).toBeNull();
    expect(entries[0]!.after).toBeNull();
  });

  it('rejects bad input with a code, and names that repeat in any case', async () => {
    const theaterId = await createTheater(t.app, admin);
    await createType(theaterId, { name: 'Recliner', colour: '#123456', baseTier: 'premium' });
    const bad: object[] = [
      { name: 'Red', colour: 'red', baseTier: 'standard' },
      { name: 'Short', colour: '#12345', baseTier: 'standard' },
      { name: '   ', colour: '#123456', baseTier: 'standard' },
      { name: 'x'.repeat(41), colour: '#123456', baseTier: 'standard' },
      { name: 'Wheel', colour: '#123456', baseTier: 'accessible' },
      { name: 'Neg', colour: '#123456', baseTier: 'standard', surchargeCents: -1 },
      { name: 'Frac', colour: '#123456', baseTier: 'standard', surchargeCents: 1.5 },
      { name: 'Extra', colour: '#123456', baseTier: 'standard', vip: true },
    ];
    for (const body of bad) {
      const res = await call('POST', `/admin/theaters/${theaterId}/seat-types`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const twin = await call('POST', `/admin/theaters/${theaterId}/seat-types`, {
      name: 'RECLINER',
      colour: '#654321',
      baseTier: 'standard',
    });
    expect(twin.statusCode).toBe(409);
    expect(twin.json()).toMatchObject({ error: { code: 'SEAT_TYPE_NAME_TAKEN' } });
    // Another theater may use the name.
    await createType(await createTheater(t.app, admin), {
      name: 'recliner',
      colour: '#654321',
      baseTier: 'standard',
    });
    const empty = await call('PATCH', `/admin/theaters/${theaterId}/seat-types/${MISSING}`, {});
    expect(empty.statusCode).toBe(400);
    const missing = await call('PATCH', `/admin/theaters/${theaterId}/seat-types/${MISSING}`, {
      surchargeCents: 1,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'SEAT_TYPE_NOT_FOUND' } });
    const noTheater = await call('POST', `/admin/theaters/${MISSING}/seat-types`, {
      name: 'X',
      colour: '#123456',
      baseTier: 'standard',
    });
    expect(noTheater.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
  });
});

describe('layouts, seat maps and holds', () => {
  it('a layout seat takes the type: its base tier, the surcharge on the seat map and in the hold', async () => {
    const theaterId = await createTheater(t.app, admin);
    const recliner = await createType(theaterId, {
      name: 'Recliner',
      colour: '#8a2be2',
      baseTier: 'premium',
      surchargeCents: 300,
    });
    // B1 says standard: the type's base tier (premium) wins.
    const created = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen 1',
      rows: [
        { label: 'A', seats: [seat(1), seat(2)] },
        // By id, or by name in any case (as an exported layout file carries it).
        {
          label: 'B',
          seats: [seat(1, 'standard', recliner.id), { number: 2, tier: 'premium', seatType: 'recliner' }],
        },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const auditorium = created.json<{
      auditorium: { id: string; rows: { seats: { tier: string; seatTypeId: string | null }[] }[] };
    }>().auditorium;
    expect(auditorium.rows[1]!.seats.map((s) => [s.tier, s.seatTypeId])).toEqual([
      ['premium', recliner.id],
      ['premium', recliner.id],
    ]);
    expect(auditorium.rows[0]!.seats[0]!.seatTypeId).toBeNull();
    const listed = await call('GET', `/admin/theaters/${theaterId}/seat-types`);
    expect(listed.json<{ seatTypes: SeatTypeOut[] }>().seatTypes[0]!.auditoriumsUsing).toBe(1);

    const movieId = await createMovie(t.app, admin);
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: auditorium.id,
      movieId,
      startsAt: inHours(30),
      prices: { standard: 1200, premium: 1800 },
    });
    const map = await seatMap(showtimeId);
    const b1 = map.find((s) => s.row === 'B' && s.number === 1)!;
    const a1 = map.find((s) => s.row === 'A' && s.number === 1)!;
    expect(b1).toMatchObject({
      tier: 'premium',
      priceCents: 2100,
      seatType: { id: recliner.id, name: 'Recliner', colour: '#8a2be2' },
    });
    expect(a1).toMatchObject({ tier: 'standard', priceCents: 1200, seatType: null });

    const held = await call('POST', '/bookings', { showtimeId, seatIds: [b1.id, a1.id] }, customer);
    expect(held.statusCode, held.body).toBe(201);
    const booking = held.json<{
      booking: {
        tickets: { seatId: string; tier: string; seatType: string | null; priceCents: number }[];
        totalCents: number;
      };
    }>().booking;
    // The ticket names its seat's type next to its tier, as the seat map does.
    expect(booking.tickets.map((x) => [x.seatId, x.tier, x.seatType, x.priceCents])).toEqual([
      [a1.id, 'standard', null, 1200],
      [b1.id, 'premium', 'Recliner', 2100],
    ]);

    // A new surcharge shows on the seat map at once and prices new holds; the held ticket keeps its price.
    const etag = (await call('GET', `/showtimes/${showtimeId}/seats`, undefined, null)).headers.etag;
    const changed = await call('PATCH', `/admin/theaters/${theaterId}/seat-types/${recliner.id}`, {
      surchargeCents: 500,
      name: 'Luxury Recliner',
    });
    expect(changed.statusCode).toBe(200);
    const after = await call('GET', `/showtimes/${showtimeId}/seats`, undefined, null);
    expect(after.headers.etag).not.toBe(etag);
    const b2 = after.json<{ seats: MapSeat[] }>().seats.find((s) => s.row === 'B' && s.number === 2)!;
    expect(b2).toMatchObject({ priceCents: 2300, seatType: { name: 'Luxury Recliner' } });
    const other = await createUser(t.app, t.ctx);
    const second = await call('POST', '/bookings', { showtimeId, seatIds: [b2.id] }, other);
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ booking: { tickets: [{ priceCents: 2300 }] } });
    const first = await t.ctx.db
      .selectFrom('tickets')
      .select('price_cents')
      .where('seat_id', '=', b1.id)
      .executeTakeFirstOrThrow();
    expect(first.price_cents).toBe(2100);

    // A base tier change moves the typed seats with it (and the seat map's price with the tier's).
    const toStandard = await call('PATCH', `/admin/theaters/${theaterId}/seat-types/${recliner.id}`, {
      baseTier: 'standard',
    });
    expect(toStandard.statusCode).toBe(200);
    const b2now = (await seatMap(showtimeId)).find((s) => s.id === b2.id)!;
    expect(b2now).toMatchObject({ tier: 'standard', priceCents: 1700 });

    // Best value: with no tier asked for, the plain seats go before the dearer typed ones.
    const best = await call('POST', '/bookings', { showtimeId, count: 1 }, await createUser(t.app, t.ctx));
    expect(best.statusCode, best.body).toBe(201);
    const bestSeat = best.json<{ booking: { tickets: { seatId: string; priceCents: number }[] } }>().booking
      .tickets[0]!;
    expect(bestSeat.priceCents).toBe(1200);
  });

  it('refuses a type of another theater, an unknown one, and a type on a wheelchair space', async () => {
    const theaterId = await createTheater(t.app, admin);
    const otherType = await createType(await createTheater(t.app, admin), {
      name: 'Recliner',
      colour: '#8a2be2',
      baseTier: 'premium',
    });
    const own = await createType(theaterId, { name: 'D-BOX', colour: '#ff8800', baseTier: 'standard' });
    for (const seats of [
      [seat(1, 'standard', otherType.id)],
      [seat(1, 'standard', MISSING)],
      [seat(1, 'accessible', own.id)],
    ]) {
      const res = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
        name: 'Screen X',
        rows: [{ label: 'A', seats }],
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: 'UNKNOWN_SEAT_TYPE', fields: [{ field: 'body.rows.0.seats.0.seatTypeId' }] },
      });
    }
    const byName = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen Z',
      rows: [{ label: 'A', seats: [{ number: 1, tier: 'standard', seatType: 'Recliner' }, seat(2)] }],
    });
    expect(byName.statusCode).toBe(400);
    expect(byName.json()).toMatchObject({
      error: {
        code: 'UNKNOWN_SEAT_TYPE',
        unknownNames: ['Recliner'],
        fields: [{ field: 'body.rows.0.seats.0.seatType' }],
      },
    });
    // Saving a layout version checks the same.
    const aud = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen Y',
      rows: [{ label: 'A', seats: [seat(1)] }],
    });
    const audId = aud.json<{ auditorium: { id: string } }>().auditorium.id;
    const save = await call('PUT', `/admin/auditoriums/${audId}/layout`, {
      baseVersion: 1,
      rows: [{ label: 'A', seats: [seat(1), seat(2, 'standard', otherType.id)] }],
    });
    expect(save.statusCode).toBe(400);
    expect(save.json()).toMatchObject({ error: { code: 'UNKNOWN_SEAT_TYPE' } });
    expect((await call('GET', `/admin/auditoriums/${audId}`)).json()).toMatchObject({
      auditorium: { layoutVersion: 1 },
    });
  });

  it('delete is refused while a current layout or a showtime still to come uses the type', async () => {
    const theaterId = await createTheater(t.app, admin);
    const vip = await createType(theaterId, {
      name: 'VIP',
      colour: '#daa520',
      baseTier: 'premium',
      surchargeCents: 1000,
    });
    const aud = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen V',
      rows: [{ label: 'A', seats: [seat(1), seat(2, 'premium', vip.id)] }],
    });
    const audId = aud.json<{ auditorium: { id: string } }>().auditorium.id;
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: audId,
      movieId: await createMovie(t.app, admin),
      startsAt: inHours(50),
    });
    const holder = await createUser(t.app, t.ctx);
    const vipSeat = (await seatMap(showtimeId)).find((s) => s.number === 2)!;
    const held = await call('POST', '/bookings', { showtimeId, seatIds: [vipSeat.id] }, holder);
    expect(held.statusCode, held.body).toBe(201);
    const heldId = held.json<{ booking: { id: string } }>().booking.id;

    const used = await call('DELETE', `/admin/theaters/${theaterId}/seat-types/${vip.id}`);
    expect(used.statusCode).toBe(409);
    expect(used.json()).toMatchObject({
      error: {
        code: 'SEAT_TYPE_IN_USE',
        auditoriums: [{ id: audId, name: 'Screen V' }],
        upcomingShowtimes: 1,
      },
    });

    // A new layout version without the type: the showtime still sells the old seats, so still refused.
    const saved = await call('PUT', `/admin/auditoriums/${audId}/layout`, {
      baseVersion: 1,
      rows: [{ label: 'A', seats: [seat(1), seat(2, 'premium')] }],
    });
    expect(saved.statusCode).toBe(200);
    const still = await call('DELETE', `/admin/theaters/${theaterId}/seat-types/${vip.id}`);
    expect(still.statusCode).toBe(409);
    expect(still.json()).toMatchObject({
      error: { code: 'SEAT_TYPE_IN_USE', auditoriums: [], upcomingShowtimes: 1 },
    });

    // Once the showtime has played, the type goes; its old seats keep their tier and lose the type.
    await t.ctx.db
      .updateTable('showtimes')
      .set({ starts_at: new Date(Date.now() - 4 * HOUR), ends_at: new Date(Date.now() - 2 * HOUR) })
      .where('id', '=', showtimeId)
      .execute();
    expect((await call('DELETE', `/admin/theaters/${theaterId}/seat-types/${vip.id}`)).statusCode).toBe(204);
    const old = await t.ctx.db
      .selectFrom('seat_inventory as i')
      .innerJoin('seats as s', 's.id', 'i.seat_id')
      .select(['s.tier', 's.seat_type_id'])
      .where('i.showtime_id', '=', showtimeId)
      .where('s.number', '=', 2)
      .executeTakeFirstOrThrow();
    expect(old).toEqual({ tier: 'premium', seat_type_id: null });
    // Its tickets then say their stored tier only.
    const booking = await call('GET', `/bookings/${heldId}`, undefined, holder);
    expect(booking.json()).toMatchObject({
      booking: { tickets: [{ tier: 'premium', seatType: null, priceCents: 2800 }] },
    });
  });

  it('best value counts the surcharge: a plain seat in a worse row before a dearer typed seat in the best row', async () => {
    const theaterId = await createTheater(t.app, admin);
    const dbox = await createType(theaterId, {
      name: 'D-BOX',
      colour: '#ff8800',
      baseTier: 'standard',
      surchargeCents: 800,
    });
    const aud = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen D',
      rows: [
        { label: 'A', seats: [seat(1), seat(2)] },
        { label: 'B', seats: [seat(1), seat(2)] },
        // Row C is the best row (two thirds back): without the surcharge best available would take it.
        { label: 'C', seats: [seat(1, 'standard', dbox.id), seat(2, 'standard', dbox.id)] },
        { label: 'D', seats: [seat(1), seat(2)] },
      ],
    });
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: aud.json<{ auditorium: { id: string } }>().auditorium.id,
      movieId: await createMovie(t.app, admin),
      startsAt: inHours(35),
      prices: { standard: 1000 },
    });
    const res = await call('POST', '/bookings', { showtimeId, count: 2 }, await createUser(t.app, t.ctx));
    expect(res.statusCode, res.body).toBe(201);
    const tickets = res.json<{ booking: { tickets: { row: string; priceCents: number }[] } }>().booking
      .tickets;
    expect(tickets.map((x) => x.priceCents)).toEqual([1000, 1000]);
    expect(tickets.map((x) => x.row)).not.toContain('C');
    // Asked for a tier, best available goes by place alone: the D-BOX seats are standard, in the best row.
    const again = await call(
      'POST',
      '/bookings',
      { showtimeId, count: 2, tier: 'standard' },
      await createUser(t.app, t.ctx),
    );
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({
      booking: {
        tickets: [
          { row: 'C', priceCents: 1800 },
          { row: 'C', priceCents: 1800 },
        ],
      },
    });
  });

  it('a delete and a layout save using the type, at the same time: never a layout with a deleted type', async () => {
    for (let round = 0; round < 5; round++) {
      const theaterId = await createTheater(t.app, admin);
      const type = await createType(theaterId, { name: 'Recliner', colour: '#8a2be2', baseTier: 'premium' });
      const aud = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
        name: `Screen ${round}`,
        rows: [{ label: 'A', seats: [seat(1), seat(2)] }],
      });
      const audId = aud.json<{ auditorium: { id: string } }>().auditorium.id;
      const [deleted, saved] = await Promise.all([
        call('DELETE', `/admin/theaters/${theaterId}/seat-types/${type.id}`),
        call('PUT', `/admin/auditoriums/${audId}/layout`, {
          baseVersion: 1,
          rows: [{ label: 'A', seats: [seat(1, 'premium', type.id), seat(2)] }],
        }),
      ]);
      // One wins: the type is gone and the layout refused, or the layout saved and the delete refused.
      const outcome = [deleted.statusCode, saved.statusCode];
      expect([
        [204, 400],
        [409, 200],
      ]).toContainEqual(outcome);
      if (saved.statusCode === 400)
        expect(saved.json()).toMatchObject({ error: { code: 'UNKNOWN_SEAT_TYPE' } });
      else expect(deleted.json()).toMatchObject({ error: { code: 'SEAT_TYPE_IN_USE' } });
      const typed = await t.ctx.db
        .selectFrom('seats')
        .select('seat_type_id')
        .where('auditorium_id', '=', audId)
        .where('seat_type_id', 'is not', null)
        .execute();
      expect(typed.length).toBe(saved.statusCode === 200 ? 1 : 0);
    }
  });

  it('a sold ticket of a typed seat names the type: booking, ticket, check-in; a renamed type, the new name', async () => {
    const theaterId = await createTheater(t.app, admin);
    const recliner = await createType(theaterId, {
      name: 'Recliner',
      colour: '#8a2be2',
      baseTier: 'premium',
      surchargeCents: 300,
    });
    const aud = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen R',
      rows: [{ label: 'A', seats: [seat(1), seat(2, 'premium', recliner.id), seat(3, 'premium')] }],
    });
    expect(aud.statusCode, aud.body).toBe(201);
    // Starting in half an hour: the doors are open, so the ticket can be scanned.
    const showtimeId = await createShowtime(t.app, admin, {
      auditoriumId: aud.json<{ auditorium: { id: string } }>().auditorium.id,
      movieId: await createMovie(t.app, admin),
      startsAt: new Date(Date.now() + 30 * 60_000),
      prices: { standard: 1200, premium: 1800 },
    });
    const ids = (await seatMap(showtimeId)).map((s) => s.id);
    const buyer = await createUser(t.app, t.ctx);
    const held = await call('POST', '/bookings', { showtimeId, seatIds: ids }, buyer);
    expect(held.statusCode, held.body).toBe(201);
    const bookingId = held.json<{ booking: { id: string } }>().booking.id;
    const paid = await call('POST', `/bookings/${bookingId}/payment`, { card: CARD.good }, buyer);
    expect(paid.statusCode, paid.body).toBe(200);

    interface SoldTicket {
      id: string;
      number: number;
      tier: string;
      seatType: string | null;
      priceCents: number;
    }
    const kinds = (tickets: SoldTicket[]) => tickets.map((x) => [x.number, x.tier, x.seatType]);
    const expected = [
      [1, 'standard', null],
      [2, 'premium', 'Recliner'],
      [3, 'premium', null],
    ];
    const confirmed = paid.json<{ booking: { status: string; tickets: SoldTicket[] } }>().booking;
    expect(confirmed.status).toBe('confirmed');
    expect(kinds(confirmed.tickets)).toEqual(expected);
    expect(confirmed.tickets.map((x) => x.priceCents)).toEqual([1200, 2100, 1800]);
    const read = await call('GET', `/bookings/${bookingId}`, undefined, buyer);
    expect(kinds(read.json<{ booking: { tickets: SoldTicket[] } }>().booking.tickets)).toEqual(expected);
    const listed = await call('GET', '/bookings', undefined, buyer);
    expect(kinds(listed.json<{ bookings: { tickets: SoldTicket[] }[] }>().bookings[0]!.tickets)).toEqual(
      expected,
    );

    const typed = confirmed.tickets[1]!;
    const plain = confirmed.tickets[2]!;
    const ticket = async (id: string) => {
      const res = await call('GET', `/tickets/${id}`, undefined, buyer);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ ticket: { code?: string; seat: { tier: string; seatType: string | null } } }>()
        .ticket;
    };
    const typedTicket = await ticket(typed.id);
    expect(typedTicket.seat).toMatchObject({ tier: 'premium', seatType: 'Recliner' });
    expect((await ticket(plain.id)).seat).toMatchObject({ tier: 'premium', seatType: null });

    // At the door: the booking looked up by reference, then the QR scanned.
    const reference = held.json<{ booking: { reference: string } }>().booking.reference;
    const door = await call('GET', `/checkin/bookings/${reference}`, undefined, staff);
    expect(door.statusCode, door.body).toBe(200);
    expect(
      door
        .json<{
          booking: { tickets: { seat: { number: number; tier: string; seatType: string | null } }[] };
        }>()
        .booking.tickets.map((x) => [x.seat.number, x.seat.tier, x.seat.seatType]),
    ).toEqual(expected);
    const scanned = await call('POST', '/checkin', { code: typedTicket.code }, staff);
    expect(scanned.statusCode, scanned.body).toBe(200);
    expect(scanned.json()).toMatchObject({
      ticket: { seat: { number: 2, tier: 'premium', seatType: 'Recliner' } },
    });

    // The name is the type's current one (the price stays as sold): a rename shows on the tickets already sold.
    const renamed = await call('PATCH', `/admin/theaters/${theaterId}/seat-types/${recliner.id}`, {
      name: 'Luxury Recliner',
      surchargeCents: 900,
    });
    expect(renamed.statusCode).toBe(200);
    const after = (await call('GET', `/bookings/${bookingId}`, undefined, buyer)).json<{
      booking: { tickets: SoldTicket[] };
    }>().booking.tickets[1]!;
    expect(after).toMatchObject({ seatType: 'Luxury Recliner', tier: 'premium', priceCents: 2100 });
    const rescanned = await call('POST', '/checkin', { code: typedTicket.code }, staff);
    expect(rescanned.statusCode).toBe(409); // admitted already; the door's lookup shows the new name
    const again = await call('GET', `/checkin/bookings/${reference}`, undefined, staff);
    expect(again.json()).toMatchObject({
      booking: { tickets: [{}, { seat: { seatType: 'Luxury Recliner' } }, {}] },
    });
  });

  it('a theater without showtimes is deleted with its seat types and the layouts that use them', async () => {
    const theaterId = await createTheater(t.app, admin);
    const type = await createType(theaterId, { name: 'Loveseat', colour: '#cc3366', baseTier: 'standard' });
    const aud = await call('POST', `/admin/theaters/${theaterId}/auditoriums`, {
      name: 'Screen L',
      rows: [{ label: 'A', seats: [seat(1, 'standard', type.id), seat(2, 'standard', type.id)] }],
    });
    expect(aud.statusCode).toBe(201);
    expect((await call('DELETE', `/admin/theaters/${theaterId}`)).statusCode).toBe(204);
    const left = await t.ctx.db
      .selectFrom('seat_types')
      .select('id')
      .where('theater_id', '=', theaterId)
      .execute();
    expect(left).toEqual([]);
  });
});
