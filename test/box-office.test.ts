import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtimeFixture, type ShowtimeFixture } from './helpers/catalog.js';
import { CARD } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/** Selling at the counter: the same hold and sale as online, paid in cash or by card, tickets printed or emailed. */
let t: TestApp;
let admin: TestUser;
let clerk: TestUser;
let customer: TestUser;
let show: ShowtimeFixture;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.app, t.ctx, 'admin');
  clerk = await createUser(t.app, t.ctx, 'staff');
  customer = await createUser(t.app, t.ctx, 'customer');
  show = await createShowtimeFixture(t.app, admin, { rows: 4, seatsPerRow: 10, prices: { standard: 1250 } });
});
afterAll(async () => t.close());

type Method = 'GET' | 'POST' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown, user: TestUser | null = clerk) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: user ? user.auth : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

interface BookingOut {
  id: string;
  reference: string;
  status: string;
  channel: string;
  buyer: { email: string | null; name: string | null } | null;
  totalCents: number;
  tickets: { id: string; status: string }[];
  payments: { method: string; status: string; brand: string }[];
}

let nextSeat = 0;
const seats = (n: number) => show.seatIds.slice(nextSeat, (nextSeat += n));

async function counterHold(n: number, buyer?: { email?: string; name?: string }): Promise<BookingOut> {
  const res = await call('POST', '/box-office/holds', {
    showtimeId: show.showtimeId,
    seatIds: seats(n),
    ...(buyer ? { buyer } : {}),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ booking: BookingOut }>().booking;
}

const statuses = async (bookingId: string) =>
  (
    await t.ctx.db.selectFrom('seat_inventory').select('status').where('booking_id', '=', bookingId).execute()
  ).map((r) => r.status);

describe('box office', () => {
  it('sells for cash: change given, seats sold, tickets emailed to the buyer, the sale in the audit log', async () => {
    const held = await counterHold(2, { email: 'Walk.In@Example.com', name: 'Walk In' });
    expect(held).toMatchObject({
      status: 'pending',
      channel: 'box_office',
      buyer: { email: 'walk.in@example.com', name: 'Walk In' },
    });
    const res = await call('POST', `/box-office/bookings/${held.id}/cash`, { tenderedCents: 5000 });
    expect(res.statusCode, res.body).toBe(200);
    const paid = res.json<{
      booking: BookingOut;
      payment: { method: string; brand: string };
      changeCents: number;
    }>();
    expect(paid.booking.status).toBe('confirmed');
    expect(paid.payment).toMatchObject({ method: 'cash', brand: 'cash' });
    expect(paid.changeCents).toBe(5000 - held.totalCents);
    expect(await statuses(held.id)).toEqual(['sold', 'sold']);

    const mail = await t.ctx.db
      .selectFrom('notifications')
      .select(['channel', 'recipient', 'event'])
      .where('booking_id', '=', held.id)
      .execute();
    expect(mail).toEqual([
      { channel: 'email', recipient: 'walk.in@example.com', event: 'booking.confirmed' },
    ]);

    const audit = await call(
      'GET',
      `/admin/audit-log?subjectType=booking&subjectId=${held.id}`,
      undefined,
      admin,
    );
    const entries = audit.json<{ entries: { action: string; actor: unknown; after: unknown }[] }>().entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'booking.cash_sale',
      actor: { id: clerk.id, email: clerk.email },
      after: { tenderedCents: 5000, changeCents: 5000 - held.totalCents },
    });

    // A retried request (the till's network blinked) answers the same sale and takes no second payment.
    const again = await call('POST', `/box-office/bookings/${held.id}/cash`, { tenderedCents: 5000 });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<{ changeCents: number }>().changeCents).toBe(5000 - held.totalCents);
    const payments = await t.ctx.db
      .selectFrom('payments')
      .select('id')
      .where('booking_id', '=', held.id)
      .execute();
    expect(payments).toHaveLength(1);
  });

  it('refuses short cash and keeps the hold; sends nothing when the buyer gives no email', async () => {
    const held = await counterHold(1);
    const short = await call('POST', `/box-office/bookings/${held.id}/cash`, {
      tenderedCents: held.totalCents - 1,
    });
    expect(short.statusCode).toBe(400);
    expect(short.json<{ error: { code: string; totalCents: number } }>().error).toMatchObject({
      code: 'CASH_SHORT',
      totalCents: held.totalCents,
    });
    expect(await statuses(held.id)).toEqual(['held']);
    const exact = await call('POST', `/box-office/bookings/${held.id}/cash`, {
      tenderedCents: held.totalCents,
    });
    expect(exact.statusCode, exact.body).toBe(200);
    expect(exact.json<{ changeCents: number }>().changeCents).toBe(0);
    const mail = await t.ctx.db
      .selectFrom('notifications')
      .select('id')
      .where('booking_id', '=', held.id)
      .execute();
    expect(mail).toEqual([]);
  });

  it('sells by card through the gateway, as online', async () => {
    const held = await counterHold(2);
    const res = await call('POST', `/bookings/${held.id}/payment`, { card: CARD.good });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ booking: BookingOut }>().booking).toMatchObject({
      status: 'confirmed',
      channel: 'box_office',
    });
    expect(await statuses(held.id)).toEqual(['sold', 'sold']);
  });

  it('has no per-customer limits for the clerk, but the customer still has theirs', async () => {
    // MAX_ACTIVE_HOLDS_PER_USER is 2 and MAX_SEATS_PER_SHOWTIME_PER_USER 10 by default.
    const holds = [await counterHold(4), await counterHold(4), await counterHold(4)];
    expect(holds.every((b) => b.status === 'pending')).toBe(true);
    for (const b of holds) expect((await call('DELETE', `/bookings/${b.id}`)).statusCode).toBe(200);
    const online = await call(
      'POST',
      '/box-office/holds',
      { showtimeId: show.showtimeId, seatIds: seats(1) },
      customer,
    );
    expect(online.statusCode).toBe(403);
  });

  it('takes cash only for counter holds', async () => {
    const online = await call(
      'POST',
      '/bookings',
      { showtimeId: show.showtimeId, seatIds: seats(1) },
      customer,
    );
    expect(online.statusCode, online.body).toBe(201);
    const id = online.json<{ booking: BookingOut }>().booking.id;
    // Not the clerk's booking: as if it did not exist.
    expect((await call('POST', `/box-office/bookings/${id}/cash`, { tenderedCents: 9999 })).statusCode).toBe(
      404,
    );
    // The customer is not a clerk.
    expect(
      (await call('POST', `/box-office/bookings/${id}/cash`, { tenderedCents: 9999 }, customer)).statusCode,
    ).toBe(403);
    // A clerk's own online booking is not a counter sale.
    const own = await call('POST', '/bookings', { showtimeId: show.showtimeId, seatIds: seats(1) });
    const ownId = own.json<{ booking: BookingOut }>().booking.id;
    const refused = await call('POST', `/box-office/bookings/${ownId}/cash`, { tenderedCents: 9999 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('NOT_A_COUNTER_SALE');
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/box-office/holds', payload: {} })).statusCode,
    ).toBe(401);
  });

  it('prints tickets whose codes the door admits', async () => {
    // A showtime starting soon, so that its doors are open now.
    const soon = await createShowtimeFixture(t.app, admin, {
      theaterId: show.theaterId,
      auditoriumId: show.auditoriumId,
      movieId: show.movieId,
      startsAt: new Date(Math.ceil((Date.now() + 30 * 60_000) / 60_000) * 60_000),
    });
    const hold = await call('POST', '/box-office/holds', {
      showtimeId: soon.showtimeId,
      seatIds: soon.seatIds.slice(0, 2),
    });
    expect(hold.statusCode, hold.body).toBe(201);
    const held = hold.json<{ booking: BookingOut }>().booking;
    expect((await call('GET', `/box-office/bookings/${held.id}/tickets`)).statusCode).toBe(409); // not paid yet
    await call('POST', `/box-office/bookings/${held.id}/cash`, { tenderedCents: 10_000 });
    const res = await call('GET', `/box-office/bookings/${held.id}/tickets`);
    expect(res.statusCode, res.body).toBe(200);
    const printed = res.json<{
      reference: string;
      paidWith: string;
      tickets: { code: string; shortCode: string }[];
    }>();
    expect(printed).toMatchObject({ reference: held.reference, paidWith: 'cash' });
    expect(printed.tickets).toHaveLength(2);
    for (const ticket of printed.tickets) {
      const scan = await call('POST', '/checkin', { code: ticket.code });
      expect(scan.statusCode, scan.body).toBe(200);
    }
    const rescan = await call('POST', '/checkin', { code: printed.tickets[0]!.code });
    expect(rescan.statusCode).toBe(409);
    // Another clerk cannot print them.
    const other = await createUser(t.app, t.ctx, 'staff');
    expect((await call('GET', `/box-office/bookings/${held.id}/tickets`, undefined, other)).statusCode).toBe(
      404,
    );
  });

  it('refunds a cash sale at once (the cash goes back over the counter)', async () => {
    const held = await counterHold(2);
    await call('POST', `/box-office/bookings/${held.id}/cash`, { tenderedCents: 10_000 });
    const res = await call('POST', `/bookings/${held.id}/refund`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ booking: BookingOut }>().booking.payments[0]).toMatchObject({
      method: 'cash',
      status: 'refunded',
    });
    expect(await statuses(held.id)).toEqual([]);
  });

  it("keeps counter sales out of the clerk's own bookings and lists them with the shift's takings", async () => {
    const mine = await call('GET', '/bookings');
    const online = mine.json<{ bookings: BookingOut[] }>().bookings;
    expect(online.every((b) => b.channel === 'online')).toBe(true);
    const res = await call('GET', '/box-office/sales?limit=100');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      sales: { method: string | null; status: string; totalCents: number }[];
      shift: { currency: string; cashCents: number; cardCents: number; sales: number }[];
    }>();
    const kept = body.sales.filter((s) => s.status === 'confirmed');
    const cash = kept.filter((s) => s.method === 'cash').reduce((sum, s) => sum + s.totalCents, 0);
    const card = kept.filter((s) => s.method === 'card').reduce((sum, s) => sum + s.totalCents, 0);
    expect(body.shift).toEqual([{ currency: 'USD', cashCents: cash, cardCents: card, sales: kept.length }]);
    expect(cash).toBeGreaterThan(0);
    expect(card).toBeGreaterThan(0);
  });

  it('races fairly with online customers: one seat, one sale', async () => {
    const seat = seats(1);
    const [counter, online] = await Promise.all([
      call('POST', '/box-office/holds', { showtimeId: show.showtimeId, seatIds: seat }),
      call('POST', '/bookings', { showtimeId: show.showtimeId, seatIds: seat }, customer),
    ]);
    expect([counter.statusCode, online.statusCode].sort()).toEqual([201, 409]);
  });
});
