import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import {
  CARD,
  createShowtime,
  ledger,
  seatStatuses,
  setShowtimeStart,
  type ShowtimeFixture,
} from './helpers/fixtures.js';

interface BookingBody {
  id: string;
  status: string;
  reference: string;
  expiresAt: string;
  totalCents: number;
  currency: string;
  tickets: {
    id: string;
    seatId: string;
    row: string;
    number: number;
    tier: string;
    priceCents: number;
    status: string;
  }[];
  payments: { id: string; status: string; brand: string; last4: string; amountCents: number }[];
}

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp({ env: { MAX_ACTIVE_HOLDS_PER_USER: '2' } });
  alice = await createUser(t.app, t.ctx);
  bob = await createUser(t.app, t.ctx);
});
afterAll(async () => t.close());

async function hold(
  user: TestUser,
  showtimeId: string,
  seatIds: string[],
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: { ...user.auth, ...headers },
    payload: { showtimeId, seatIds },
  });
}

async function pay(user: TestUser, bookingId: string, card: object, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${bookingId}/payment`,
    headers: { ...user.auth, ...headers },
    payload: { card },
  });
}

async function cancelAll(user: TestUser) {
  const list = await t.app.inject({ url: '/api/v1/bookings?limit=100', headers: user.auth });
  for (const b of list.json<{ bookings: BookingBody[] }>().bookings) {
    if (b.status === 'pending')
      await t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${b.id}`, headers: user.auth });
  }
}

describe('holding seats', () => {
  let st: ShowtimeFixture;
  beforeAll(async () => {
    st = await createShowtime(t.ctx.db);
  });

  it('holds seats all together, priced by tier, and shows them held', async () => {
    const seats = [st.seatIds[0]!, st.seatIds[10]!, st.seatIds[20]!]; // A1 accessible, B1 premium, C1 standard
    const res = await hold(alice, st.showtimeId, seats);
    expect(res.statusCode).toBe(201);
    const { booking } = res.json<{ booking: BookingBody }>();
    expect(booking.status).toBe('pending');
    expect(booking.reference).toMatch(/^[A-Z2-9]{8}$/);
    expect(booking.tickets.map((x) => x.tier).sort()).toEqual(['accessible', 'premium', 'standard']);
    expect(booking.totalCents).toBe(st.prices.accessible + st.prices.premium + st.prices.standard);
    expect(booking.currency).toBe('USD');
    const ttl = new Date(booking.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(400_000);
    expect(ttl).toBeLessThanOrEqual(421_000);
    const statuses = await seatStatuses(t.ctx.db, st.showtimeId);
    for (const s of seats) expect(statuses.get(s)).toBe('held');
    await cancelAll(alice);
  });

  it('is all or nothing: one taken seat fails the whole hold and names it', async () => {
    const [a, b, c] = [st.seatIds[30]!, st.seatIds[31]!, st.seatIds[32]!];
    expect((await hold(alice, st.showtimeId, [a, b])).statusCode).toBe(201);
    const res = await hold(bob, st.showtimeId, [b, c]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'SEATS_UNAVAILABLE', seatIds: [b] } });
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(c)).toBe('available');
    await cancelAll(alice);
  });

  it('refuses seats already taken before locking or writing anything, and still names unknown seats first', async () => {
    const [a, b, c] = [st.seatIds[33]!, st.seatIds[34]!, st.seatIds[35]!];
    expect((await hold(alice, st.showtimeId, [a])).statusCode).toBe(201);
    const seqOf = async (userId: string) =>
      (
        await t.ctx.db
          .selectFrom('users')
          .select('hold_seq')
          .where('id', '=', userId)
          .executeTakeFirstOrThrow()
      ).hold_seq;
    const before = await seqOf(bob.id);
    const res = await hold(bob, st.showtimeId, [b, a]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'SEATS_UNAVAILABLE', seatIds: [a] } });
    // Nothing written for the refusal: not even the customer's hold counter (the lock every hold takes).
    expect(await seqOf(bob.id)).toBe(before);
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(b)).toBe('available');
    // A seat that does not exist is still reported as such, before the taken one.
    const unknown = '00000000-0000-4000-8000-000000000001';
    const both = await hold(bob, st.showtimeId, [a, unknown]);
    expect(both.statusCode).toBe(404);
    expect(both.json()).toMatchObject({ error: { code: 'SEATS_NOT_FOUND' } });
    // And a free seat still goes through the locked path: held, the counter moved.
    expect((await hold(bob, st.showtimeId, [b, c])).statusCode).toBe(201);
    expect(await seqOf(bob.id)).toBe(before + 1);
    await cancelAll(alice);
    await cancelAll(bob);
  });

  it('refuses more than MAX_ACTIVE_HOLDS_PER_USER pending holds', async () => {
    expect((await hold(bob, st.showtimeId, [st.seatIds[40]!])).statusCode).toBe(201);
    expect((await hold(bob, st.showtimeId, [st.seatIds[41]!])).statusCode).toBe(201);
    const third = await hold(bob, st.showtimeId, [st.seatIds[42]!]);
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ error: { code: 'TOO_MANY_HOLDS' } });
    await cancelAll(bob);
    expect((await hold(bob, st.showtimeId, [st.seatIds[42]!])).statusCode).toBe(201);
    await cancelAll(bob);
  });

  it('refuses a showtime that already started', async () => {
    const past = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 2 });
    await setShowtimeStart(t.ctx.db, past.showtimeId, new Date(Date.now() - 60_000));
    const res = await hold(alice, past.showtimeId, [past.seatIds[0]!]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'SHOWTIME_CLOSED' } });
  });

  it('answers bad input with clear 4xx', async () => {
    const other = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 2 });
    const foreign = await hold(alice, st.showtimeId, [other.seatIds[0]!]);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ error: { code: 'SEATS_NOT_FOUND', seatIds: [other.seatIds[0]] } });
    const missing = await hold(alice, '00000000-0000-4000-8000-000000000000', [st.seatIds[0]!]);
    expect(missing.json()).toMatchObject({ error: { code: 'SHOWTIME_NOT_FOUND' } });
    for (const seatIds of [[], st.seatIds.slice(0, 11), [st.seatIds[0], st.seatIds[0]], ['not-a-uuid']]) {
      const res = await hold(alice, st.showtimeId, seatIds as string[]);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const unauth = await t.app.inject({ method: 'POST', url: '/api/v1/bookings', payload: {} });
    expect(unauth.statusCode).toBe(401);
  });
});

describe('paying', () => {
  let st: ShowtimeFixture;
  beforeAll(async () => {
    st = await createShowtime(t.ctx.db);
  });

  it('confirms the booking, sells the seats and charges once', async () => {
    const before = await ledger(t.ctx.db);
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[0]!, st.seatIds[1]!])).json<{
      booking: BookingBody;
    }>();
    const res = await pay(alice, booking.id, { ...CARD.good, number: '4242 4242 4242 4242' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ booking: BookingBody; payment: BookingBody['payments'][0] }>();
    expect(body.booking.status).toBe('confirmed');
    expect(body.booking.tickets.every((x) => x.status === 'sold')).toBe(true);
    expect(body.payment).toMatchObject({
      status: 'succeeded',
      brand: 'visa',
      last4: '4242',
      amountCents: booking.totalCents,
    });
    expect(JSON.stringify(body)).not.toContain('4242424242424242');
    const statuses = await seatStatuses(t.ctx.db, st.showtimeId);
    expect(statuses.get(st.seatIds[0]!)).toBe('sold');
    expect((await ledger(t.ctx.db)).succeeded).toBe(before.succeeded + 1);

    const again = await pay(alice, booking.id, CARD.good);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'ALREADY_PAID' } });
    expect((await ledger(t.ctx.db)).succeeded).toBe(before.succeeded + 1);

    const fetched = await t.app.inject({ url: `/api/v1/bookings/${booking.id}`, headers: alice.auth });
    expect(fetched.json<{ booking: BookingBody }>().booking.payments).toHaveLength(1);
    const ticket = await t.app.inject({
      url: `/api/v1/tickets/${booking.tickets[0]!.id}`,
      headers: alice.auth,
    });
    expect(ticket.statusCode).toBe(200);
    expect(ticket.json()).toMatchObject({
      ticket: { bookingId: booking.id, status: 'confirmed', showtimeId: st.showtimeId },
    });
  });

  it('keeps the hold after a decline so another card can pay', async () => {
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[5]!])).json<{ booking: BookingBody }>();
    const declined = await pay(alice, booking.id, CARD.declined);
    expect(declined.statusCode).toBe(402);
    expect(declined.json()).toMatchObject({ error: { code: 'PAYMENT_DECLINED', reason: 'card_declined' } });
    const poor = await pay(alice, booking.id, CARD.insufficient);
    expect(poor.json()).toMatchObject({ error: { code: 'PAYMENT_DECLINED', reason: 'insufficient_funds' } });
    const expired = await pay(alice, booking.id, CARD.expired);
    expect(expired.json()).toMatchObject({ error: { code: 'PAYMENT_DECLINED', reason: 'expired_card' } });
    const failed = await pay(alice, booking.id, CARD.processingError);
    expect(failed.statusCode).toBe(402);
    expect(failed.json()).toMatchObject({
      error: { code: 'PAYMENT_FAILED', reason: 'processing_error', retryable: true },
    });
    const luhn = await pay(alice, booking.id, CARD.badLuhn);
    expect(luhn.statusCode).toBe(400);
    expect(luhn.json()).toMatchObject({ error: { code: 'INVALID_CARD' } });
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(st.seatIds[5]!)).toBe('held');

    const ok = await pay(alice, booking.id, CARD.good);
    expect(ok.statusCode).toBe(200);
    const payments = ok.json<{ booking: BookingBody }>().booking.payments.map((p) => p.status);
    expect(payments).toEqual(['declined', 'declined', 'declined', 'failed', 'succeeded']);
  });

  it('replays an Idempotency-Key and refuses it for another body', async () => {
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[6]!])).json<{ booking: BookingBody }>();
    const key = { 'idempotency-key': `pay-${booking.id}` };
    const first = await pay(alice, booking.id, CARD.good, key);
    expect(first.statusCode).toBe(200);
    const replay = await pay(alice, booking.id, CARD.good, key);
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const reused = await pay(alice, booking.id, { ...CARD.good, cvc: '999' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    // Keys are per user: Bob's identical key is his own.
    const bobs = await hold(bob, st.showtimeId, [st.seatIds[7]!], key);
    expect(bobs.statusCode).toBe(201);
    const bobsAgain = await hold(bob, st.showtimeId, [st.seatIds[7]!], key);
    expect(bobsAgain.statusCode).toBe(201);
    expect(bobsAgain.json()).toEqual(bobs.json());
    await cancelAll(bob);
  });

  it("hides other people's bookings and tickets as if they did not exist", async () => {
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[8]!])).json<{ booking: BookingBody }>();
    const urls = [
      ['GET', `/api/v1/bookings/${booking.id}`],
      ['DELETE', `/api/v1/bookings/${booking.id}`],
      ['POST', `/api/v1/bookings/${booking.id}/refund`],
      ['GET', `/api/v1/tickets/${booking.tickets[0]!.id}`],
    ] as const;
    for (const [method, url] of urls) {
      const res = await t.app.inject({ method, url, headers: bob.auth });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const p = await pay(bob, booking.id, CARD.good);
    expect(p.statusCode).toBe(404);
    const list = await t.app.inject({ url: '/api/v1/bookings', headers: bob.auth });
    expect(list.json<{ bookings: BookingBody[] }>().bookings.map((b) => b.id)).not.toContain(booking.id);
    await cancelAll(alice);
  });
});

describe('cancel and refund', () => {
  let st: ShowtimeFixture;
  beforeAll(async () => {
    st = await createShowtime(t.ctx.db);
  });

  it('cancel frees the seats at once', async () => {
    const seat = st.seatIds[0]!;
    const { booking } = (await hold(alice, st.showtimeId, [seat])).json<{ booking: BookingBody }>();
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/bookings/${booking.id}`,
      headers: alice.auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ booking: { status: 'cancelled' } });
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(seat)).toBe('available');
    expect((await hold(bob, st.showtimeId, [seat])).statusCode).toBe(201);
    const payCancelled = await pay(alice, booking.id, CARD.good);
    expect(payCancelled.statusCode).toBe(409);
    expect(payCancelled.json()).toMatchObject({ error: { code: 'BOOKING_NOT_PENDING' } });
    await cancelAll(bob);
  });

  it('refund returns the seats to sale and the money through the gateway', async () => {
    const seat = st.seatIds[3]!;
    const { booking } = (await hold(alice, st.showtimeId, [seat])).json<{ booking: BookingBody }>();
    expect((await pay(alice, booking.id, CARD.good)).statusCode).toBe(200);
    const cancelPaid = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/bookings/${booking.id}`,
      headers: alice.auth,
    });
    expect(cancelPaid.statusCode).toBe(409);
    const before = await ledger(t.ctx.db);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/refund`,
      headers: alice.auth,
    });
    expect(res.statusCode).toBe(200);
    const refunded = res.json<{ booking: BookingBody }>().booking;
    expect(refunded.status).toBe('refunded');
    expect(refunded.payments[0]!.status).toBe('refunded');
    expect((await ledger(t.ctx.db)).refunds).toBe(before.refunds + 1);
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(seat)).toBe('available');
    const twice = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/refund`,
      headers: alice.auth,
    });
    expect(twice.statusCode).toBe(200);
    expect((await ledger(t.ctx.db)).refunds).toBe(before.refunds + 1);
    expect((await hold(bob, st.showtimeId, [seat])).statusCode).toBe(201);
    await cancelAll(bob);
  });

  it('refuses to refund once the showtime has started, or a booking that is not paid', async () => {
    const soon = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 3 });
    const { booking } = (await hold(alice, soon.showtimeId, [soon.seatIds[0]!])).json<{
      booking: BookingBody;
    }>();
    const unpaid = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/refund`,
      headers: alice.auth,
    });
    expect(unpaid.statusCode).toBe(409);
    expect(unpaid.json()).toMatchObject({ error: { code: 'BOOKING_NOT_CONFIRMED' } });
    expect((await pay(alice, booking.id, CARD.good)).statusCode).toBe(200);
    await setShowtimeStart(t.ctx.db, soon.showtimeId, new Date(Date.now() - 60_000));
    const late = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/refund`,
      headers: alice.auth,
    });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: { code: 'SHOWTIME_STARTED' } });
  });
});

describe('listing', () => {
  it('pages through your bookings newest first', async () => {
    const carol = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await hold(carol, st.showtimeId, [st.seatIds[i]!]);
      const id = res.json<{ booking: BookingBody }>().booking.id;
      ids.push(id);
      await t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${id}`, headers: carol.auth });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/bookings?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.app.inject({ url, headers: carol.auth })).json<{
        bookings: BookingBody[];
        nextCursor: string | null;
      }>();
      seen.push(...page.bookings.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const bad = await t.app.inject({ url: '/api/v1/bookings?cursor=zzz', headers: carol.auth });
    expect(bad.statusCode).toBe(400);
    const tooMany = await t.app.inject({ url: '/api/v1/bookings?limit=1000', headers: carol.auth });
    expect(tooMany.statusCode).toBe(400);
  });
});
