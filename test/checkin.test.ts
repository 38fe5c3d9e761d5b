import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTicketCode } from '../src/modules/checkin/ticket-codes.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, setShowtimeStart } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

interface BookingBody {
  id: string;
  status: string;
  tickets: { id: string; row: string; number: number }[];
}

let t: TestApp;
let second: TestApp; // another API process on the same database: a second scanner at another door
let staff: TestUser;
let admin: TestUser;
let customer: TestUser;

beforeAll(async () => {
  t = await createTestApp({ env: { MAX_ACTIVE_HOLDS_PER_USER: '10' } });
  second = await createTestApp({ shareDatabaseOf: t, env: { MAX_ACTIVE_HOLDS_PER_USER: '10' } });
  staff = await createUser(t.app, t.ctx, 'staff');
  admin = await createUser(t.app, t.ctx, 'admin');
  customer = await createUser(t.app, t.ctx);
});
afterAll(async () => {
  await second?.close();
  await t?.close();
});

/** `typed`: that seat (by index) becomes one of the theater's own standard-based seat types, so named. */
async function book(seatCount: number, startsInMinutes = 30, typed?: { seat: number; name: string }) {
  const st = await createShowtime(t.ctx.db, {
    rows: 1,
    seatsPerRow: Math.max(seatCount, 2),
    startsInMinutes,
  });
  if (typed) {
    const { theater_id } = await t.ctx.db
      .selectFrom('auditoriums')
      .select('theater_id')
      .where('id', '=', st.auditoriumId)
      .executeTakeFirstOrThrow();
    const type = await t.ctx.db
      .insertInto('seat_types')
      .values({
        theater_id,
        name: typed.name,
        colour: '#ff8800',
        base_tier: 'standard',
        surcharge_cents: 800,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .updateTable('seats')
      .set({ seat_type_id: type.id })
      .where('id', '=', st.seatIds[typed.seat]!)
      .execute();
  }
  const hold = await t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: customer.auth,
    payload: { showtimeId: st.showtimeId, seatIds: st.seatIds.slice(0, seatCount) },
  });
  expect(hold.statusCode, hold.body).toBe(201);
  const pending = hold.json<{ booking: BookingBody }>().booking;
  const beforePay = await t.app.inject({
    url: `/api/v1/tickets/${pending.tickets[0]!.id}`,
    headers: customer.auth,
  });
  expect(beforePay.json<{ ticket: { code?: string } }>().ticket.code).toBeUndefined();
  const pay = await t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${pending.id}/payment`,
    headers: customer.auth,
    payload: { card: CARD.good },
  });
  expect(pay.statusCode, pay.body).toBe(200);
  const booking = pay.json<{ booking: BookingBody }>().booking;
  const codes: string[] = [];
  for (const ticket of booking.tickets) {
    const res = await t.app.inject({ url: `/api/v1/tickets/${ticket.id}`, headers: customer.auth });
    const code = res.json<{ ticket: { code?: string } }>().ticket.code;
    expect(code).toMatch(/^MT1\./);
    codes.push(code!);
  }
  return { st, booking, codes };
}

const scan = (user: TestUser, code: unknown, app: TestApp = t) =>
  app.app.inject({ method: 'POST', url: '/api/v1/checkin', headers: user.auth, payload: { code } });

describe('check-in at the door', () => {
  it('admits a ticket the first time and refuses it after, with the first admission time', async () => {
    const { booking, codes } = await book(1);
    const first = await scan(staff, codes[0]);
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json<{
      ticket: { id: string; seat: { row: string }; showtime: object };
      admittedAt: string;
    }>();
    expect(body.ticket).toMatchObject({
      id: booking.tickets[0]!.id,
      bookingId: booking.id,
      seat: { row: 'A', number: 1 },
    });
    expect(body.ticket.showtime).toHaveProperty('movieTitle');
    expect(Math.abs(Date.parse(body.admittedAt) - Date.now())).toBeLessThan(10_000);

    const again = await scan(admin, codes[0]);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      error: { code: 'ALREADY_CHECKED_IN', admittedAt: body.admittedAt },
    });
  });

  it("names a typed seat's type at the door: the scan and the lookup by reference say D-BOX, not Standard", async () => {
    // A1 is a wheelchair space; A2 a D-BOX seat (standard + $8.00).
    const { booking, codes } = await book(2, 30, { seat: 1, name: 'D-BOX' });
    const typed = await scan(staff, codes[1]);
    expect(typed.statusCode, typed.body).toBe(200);
    expect(typed.json()).toMatchObject({
      ticket: { seat: { row: 'A', number: 2, tier: 'standard', seatType: 'D-BOX' } },
    });
    const plain = await scan(staff, codes[0]);
    expect(plain.json()).toMatchObject({
      ticket: { seat: { number: 1, tier: 'accessible', seatType: null } },
    });
    const reference = (
      await t.app.inject({ url: `/api/v1/bookings/${booking.id}`, headers: customer.auth })
    ).json<{ booking: { reference: string } }>().booking.reference;
    const door = await t.app.inject({ url: `/api/v1/checkin/bookings/${reference}`, headers: staff.auth });
    expect(door.statusCode, door.body).toBe(200);
    expect(
      door
        .json<{ booking: { tickets: { seat: { seatType: string | null } }[] } }>()
        .booking.tickets.map((x) => x.seat.seatType),
    ).toEqual([null, 'D-BOX']);
  });

  it('admits exactly once when 20 scanners on two API processes scan the same code at once', async () => {
    const { codes } = await book(2);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        scan(i % 2 === 0 ? staff : admin, codes[1], i % 2 === 0 ? t : second),
      ),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(19);
    const admittedAt = ok[0]!.json<{ admittedAt: string }>().admittedAt;
    for (const r of refused) {
      expect(r.json()).toMatchObject({ error: { code: 'ALREADY_CHECKED_IN', admittedAt } });
    }
    // The other ticket of the same booking is unaffected.
    expect((await scan(staff, codes[0])).statusCode).toBe(200);
  });

  it('refuses forged, tampered and malformed codes', async () => {
    const { codes } = await book(1);
    const [prefix, idPart, tag] = codes[0]!.split('.') as [string, string, string];
    const tamperedTag = `${prefix}.${idPart}.${tag[0] === 'A' ? 'B' : 'A'}${tag.slice(1)}`;
    const otherId = signTicketCode(t.config, randomUUID()).split('.')[1]!;
    const swappedId = `${prefix}.${otherId}.${tag}`;
    const foreignKey = signTicketCode(
      { ticketSigningSecret: 'z'.repeat(40), jwtSecret: undefined },
      randomUUID(),
    );
    const unknownTicket = signTicketCode(t.config, randomUUID()); // genuinely signed, but no such ticket
    for (const code of [tamperedTag, swappedId, foreignKey, unknownTicket]) {
      const res = await scan(staff, code);
      expect(res.statusCode, code).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'TICKET_NOT_FOUND' } });
    }
    for (const code of ['hello', `${codes[0]}x`, idPart, 'MT1..']) {
      const res = await scan(staff, code);
      expect(res.statusCode, code).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'INVALID_CODE' } });
    }
    expect((await scan(staff, '')).statusCode).toBe(400);
    // The genuine code still works: nothing above admitted it.
    expect((await scan(staff, codes[0])).statusCode).toBe(200);
  });

  it('is for staff and admins only: a customer gets 403, no token 401', async () => {
    const { codes } = await book(1);
    const res = await scan(customer, codes[0]);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/checkin',
      payload: { code: codes[0] },
    });
    expect(anonymous.statusCode).toBe(401);
    // 401/403 come before validation: a bad body from a customer is still 403.
    expect((await scan(customer, 42)).statusCode).toBe(403);
    expect((await scan(staff, codes[0])).statusCode).toBe(200);
  });

  it('refuses a refunded ticket with TICKET_NOT_VALID', async () => {
    const { booking, codes } = await book(1);
    const refund = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/refund`,
      headers: customer.auth,
    });
    expect(refund.statusCode, refund.body).toBe(200);
    const res = await scan(staff, codes[0]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'TICKET_NOT_VALID', bookingStatus: 'refunded' } });
  });

  it("refuses a ticket for another day's showtime, and one whose showtime has ended", async () => {
    const tomorrow = await book(1, 24 * 60 + 30);
    const res = await scan(staff, tomorrow.codes[0]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: { code: 'WRONG_SHOWTIME', reason: 'another_day', showtimeId: tomorrow.st.showtimeId },
    });

    const earlier = await book(1);
    await setShowtimeStart(t.ctx.db, earlier.st.showtimeId, new Date(Date.now() - 4 * 3600_000));
    const ended = await scan(staff, earlier.codes[0]);
    expect(ended.statusCode).toBe(409);
    const error = ended.json<{ error: { code: string; reason: string } }>().error;
    expect(error.code).toBe('WRONG_SHOWTIME');
    // 'ended' — or 'another_day' when this runs within four hours after the theater's midnight.
    expect(['ended', 'another_day']).toContain(error.reason);
  });

  it('opens the doors two hours before the start', async () => {
    const soon = await book(1, 110);
    expect((await scan(staff, soon.codes[0])).statusCode).toBe(200);
    const later = await book(1, 130);
    const early = await scan(staff, later.codes[0]);
    expect(early.statusCode).toBe(409);
    const reason = early.json<{ error: { reason: string } }>().error.reason;
    expect(['too_early', 'another_day']).toContain(reason);
  });
});
