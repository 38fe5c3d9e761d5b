import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../src/jobs/worker.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import {
  GatewayUnavailableError,
  type ChargeOutcome,
  type ChargeRequest,
  type PaymentGateway,
} from '../src/modules/payments/payment-gateway.js';
import { SimulatedGateway } from '../src/modules/payments/simulated-gateway.js';
import { createDb, createPool } from '../src/db/database.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, ledger, seatStatuses } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

type Mode = 'normal' | 'down' | 'lose-response' | 'crash-after-charge';

/** The real simulated gateway behind a switch that breaks the connection to it in the ways networks do. */
class FlakyGateway implements PaymentGateway {
  mode: Mode = 'normal';
  constructor(private readonly inner: SimulatedGateway) {}
  async charge(req: ChargeRequest): Promise<ChargeOutcome> {
    switch (this.mode) {
      case 'down':
        throw new GatewayUnavailableError('connection refused');
      case 'lose-response':
        await this.inner.charge(req); // the processor charges, but its answer never arrives
        return new Promise<never>(() => undefined);
      case 'crash-after-charge':
      case 'normal':
        return this.inner.charge(req);
    }
  }
  findCharge(key: string) {
    if (this.mode === 'down') return Promise.reject(new GatewayUnavailableError('connection refused'));
    return this.inner.findCharge(key);
  }
  refund(chargeId: string, opts: { idempotencyKey: string; amountCents: number }) {
    return this.inner.refund(chargeId, opts);
  }
}

let t: TestApp;
let gateway: FlakyGateway;
let crashNext = false;
let alice: TestUser;
let bob: TestUser;
const gatewayPools: ReturnType<typeof createPool>[] = [];

beforeAll(async () => {
  const late: { gw?: FlakyGateway } = {};
  t = await createTestApp({
    env: { HOLD_TTL_SECONDS: '2', PAYMENT_TIMEOUT_MS: '300', MAX_ACTIVE_HOLDS_PER_USER: '10' },
    overrides: {
      gateway: {
        charge: (r) => late.gw!.charge(r),
        findCharge: (k) => late.gw!.findCharge(k),
        refund: (c, o) => late.gw!.refund(c, o),
      },
      faults: {
        afterCharge: () => {
          if (crashNext) {
            crashNext = false;
            throw new Error('simulated crash between charge and commit');
          }
        },
      },
    },
  });
  const pool = createPool(t.config.databaseUrl!, { max: 3 });
  gatewayPools.push(pool);
  gateway = new FlakyGateway(new SimulatedGateway(createDb(pool), 0));
  late.gw = gateway;
  alice = await createUser(t.app, t.ctx);
  bob = await createUser(t.app, t.ctx);
});
afterAll(async () => {
  await t.close();
  for (const p of gatewayPools) await p.end();
});

const hold = async (user: TestUser, showtimeId: string, seatIds: string[]) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId, seatIds },
  });
const pay = async (user: TestUser, bookingId: string, card = CARD.good) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${bookingId}/payment`,
    headers: user.auth,
    payload: { card },
  });
const bookingOf = async (user: TestUser, id: string) =>
  (await t.app.inject({ url: `/api/v1/bookings/${id}`, headers: user.auth })).json<{
    booking: { status: string; payments: { status: string }[] };
  }>().booking;
const chargesFor = async (bookingId: string) => {
  const r = await sql<{ n: number; refunded: number }>`
    SELECT count(*)::int AS n, coalesce(sum(c.refunded_cents), 0)::int AS refunded
      FROM sim_gateway.charges c JOIN payments p ON p.gateway_key = c.idempotency_key
     WHERE p.booking_id = ${bookingId} AND c.status = 'succeeded'`.execute(t.ctx.db);
  return r.rows[0]!;
};
/** Makes an in-flight payment look like its request died long ago. */
const ageInFlightPayments = (bookingId: string) =>
  sql`UPDATE payments SET updated_at = now() - interval '5 minutes'
       WHERE booking_id = ${bookingId} AND status IN ('pending', 'unknown')`.execute(t.ctx.db);

describe('hold expiry (2 s holds)', () => {
  it('frees the seat when time is up, refuses payment without charging, lets someone else hold it', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const seat = st.seatIds[0]!;
    const { booking } = (await hold(alice, st.showtimeId, [seat])).json<{ booking: { id: string } }>();
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(seat)).toBe('held');
    await sleep(2_200);
    // No job has run: the seat map already says available, because expiry is checked where it is read.
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(seat)).toBe('available');
    const before = await ledger(t.ctx.db);
    const late = await pay(alice, booking.id);
    expect(late.statusCode).toBe(410);
    expect(late.json()).toMatchObject({ error: { code: 'HOLD_EXPIRED' } });
    expect(await ledger(t.ctx.db)).toEqual(before);
    expect((await bookingOf(alice, booking.id)).status).toBe('expired');
    expect((await hold(bob, st.showtimeId, [seat])).statusCode).toBe(201);
  });

  it('lets another user claim an expired hold before any job ran, and the old booking can no longer pay', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const seat = st.seatIds[1]!;
    const first = (await hold(alice, st.showtimeId, [seat])).json<{ booking: { id: string } }>().booking;
    await sleep(2_200);
    const second = await hold(bob, st.showtimeId, [seat]);
    expect(second.statusCode).toBe(201);
    expect((await pay(alice, first.id)).statusCode).toBe(410);
    const bobs = second.json<{ booking: { id: string } }>().booking;
    expect((await pay(bob, bobs.id)).statusCode).toBe(200);
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(seat)).toBe('sold');
    expect((await chargesFor(first.id)).n).toBe(0);
  });

  it('the workers (the sweep, in batches) mark a lapsed hold expired and free its seats', async () => {
    const workers = await startWorkers(t.ctx, { sweepIntervalMs: 500 });
    try {
      const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
      const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[2]!])).json<{
        booking: { id: string };
      }>();
      let status = 'pending';
      for (let i = 0; i < 40 && status === 'pending'; i++) {
        await sleep(250);
        status = (
          await t.ctx.db
            .selectFrom('bookings')
            .select('status')
            .where('id', '=', booking.id)
            .executeTakeFirstOrThrow()
        ).status;
      }
      expect(status).toBe('expired');
      const row = await t.ctx.db
        .selectFrom('seat_inventory')
        .selectAll()
        .where('showtime_id', '=', st.showtimeId)
        .where('seat_id', '=', st.seatIds[2]!)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'available', booking_id: null });
    } finally {
      await workers.stop();
    }
  });

  it('a paid booking is left alone by its expiry job', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[3]!])).json<{
      booking: { id: string };
    }>();
    expect((await pay(alice, booking.id)).statusCode).toBe(200);
    await sleep(2_200);
    expect(await new BookingsService(t.ctx).expireHold(booking.id)).toBe('not-pending');
    expect((await bookingOf(alice, booking.id)).status).toBe('confirmed');
  });
});

describe('gateway failures', () => {
  it('gateway down: 503, then a retry charges exactly once', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[0]!])).json<{
      booking: { id: string };
    }>();
    gateway.mode = 'down';
    const res = await pay(alice, booking.id);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'PAYMENT_UNAVAILABLE' } });
    expect(res.headers['retry-after']).toBeDefined();
    gateway.mode = 'normal';
    const retry = await pay(alice, booking.id);
    expect(retry.statusCode).toBe(200);
    expect((await chargesFor(booking.id)).n).toBe(1);
    // The first attempt's outcome stays unknown (shown as pending) until the settlement window has passed
    // with no record of it at the gateway; it never blocks the retry, and if it ever charged it is refunded.
    expect((await bookingOf(alice, booking.id)).payments.map((p) => p.status)).toEqual([
      'pending',
      'succeeded',
    ]);
  });

  it('charged but the answer was lost (timeout): the retry finds the charge by key instead of charging again', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[1]!])).json<{
      booking: { id: string };
    }>();
    gateway.mode = 'lose-response';
    const res = await pay(alice, booking.id);
    expect(res.statusCode).toBe(503);
    expect((await chargesFor(booking.id)).n).toBe(1); // the money moved...
    expect((await bookingOf(alice, booking.id)).status).toBe('pending'); // ...but we do not know yet
    gateway.mode = 'normal';
    const retry = await pay(alice, booking.id);
    expect(retry.statusCode).toBe(200);
    expect((await chargesFor(booking.id)).n).toBe(1);
  });

  it('charged but the answer was lost and the customer never came back: the sweep confirms the booking', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[2]!])).json<{
      booking: { id: string };
    }>();
    gateway.mode = 'lose-response';
    expect((await pay(alice, booking.id)).statusCode).toBe(503);
    gateway.mode = 'normal';
    await new BookingsService(t.ctx).sweep();
    expect((await bookingOf(alice, booking.id)).status).toBe('confirmed');
    expect((await chargesFor(booking.id)).n).toBe(1);
  });
});

describe('the sweep', () => {
  it('keeps expiring holds while the gateway is down, and settles the unknown payment once it is back', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const paid = (await hold(alice, st.showtimeId, [st.seatIds[0]!])).json<{ booking: { id: string } }>()
      .booking;
    gateway.mode = 'lose-response';
    expect((await pay(alice, paid.id)).statusCode).toBe(503);
    const abandoned = (await hold(bob, st.showtimeId, [st.seatIds[1]!])).json<{ booking: { id: string } }>()
      .booking;
    await sleep(2_200);
    gateway.mode = 'down';
    const first = await new BookingsService(t.ctx).sweep();
    expect(first.failed).toBeGreaterThanOrEqual(1);
    expect((await bookingOf(bob, abandoned.id)).status).toBe('expired');
    expect((await bookingOf(alice, paid.id)).status).toBe('pending');
    gateway.mode = 'normal';
    await new BookingsService(t.ctx).sweep();
    expect((await bookingOf(alice, paid.id)).status).toBe('confirmed');
    expect((await chargesFor(paid.id)).n).toBe(1);
  });
});

describe('crash between charge and commit', () => {
  it('the booking ends confirmed, charged once', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const { booking } = (await hold(alice, st.showtimeId, [st.seatIds[0]!])).json<{
      booking: { id: string };
    }>();
    crashNext = true;
    const res = await pay(alice, booking.id);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('simulated crash');
    expect((await chargesFor(booking.id)).n).toBe(1);
    expect((await bookingOf(alice, booking.id)).status).toBe('pending');
    await ageInFlightPayments(booking.id); // the process that made the call is gone
    await new BookingsService(t.ctx).sweep();
    const after = await bookingOf(alice, booking.id);
    expect(after.status).toBe('confirmed');
    expect(after.payments.map((p) => p.status)).toEqual(['succeeded']);
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(st.seatIds[0]!)).toBe('sold');
    expect((await chargesFor(booking.id)).n).toBe(1);
  });

  it('if the seats went to someone else meanwhile, the charge is refunded, never kept', async () => {
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const seat = st.seatIds[1]!;
    const { booking } = (await hold(alice, st.showtimeId, [seat])).json<{ booking: { id: string } }>();
    crashNext = true;
    expect((await pay(alice, booking.id)).statusCode).toBe(500);
    // Long after: the hold (and the payment grace) ran out with nobody left to settle the charge...
    await sql`UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = ${booking.id}`.execute(
      t.ctx.db,
    );
    await ageInFlightPayments(booking.id);
    // ...and Bob took the seat.
    expect((await hold(bob, st.showtimeId, [seat])).statusCode).toBe(201);
    await new BookingsService(t.ctx).sweep();
    const after = await bookingOf(alice, booking.id);
    expect(after.status).toBe('expired');
    expect(after.payments.map((p) => p.status)).toEqual(['refunded']);
    const money = await chargesFor(booking.id);
    expect(money.n).toBe(1);
    expect(money.refunded).toBeGreaterThan(0);
    expect((await seatStatuses(t.ctx.db, st.showtimeId)).get(seat)).toBe('held'); // Bob's
  });
});
