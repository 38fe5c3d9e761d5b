import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * The happy path's budget of database round trips (issue 9): a hold is one statement and a successful payment
 * two (its attempt, then the confirmation with its outbox rows in one statement); an idempotency key adds its own
 * statement and a transaction around the change (BEGIN, record, COMMIT). The confirmation's delivery job is
 * queued after commit on pg-boss's own connections, not awaited by the request, and not counted here (one
 * INSERT; test/outbox-after-commit.test.ts). Counted at the driver: every query any pooled client of the API sends while
 * one request runs, minus the simulated gateway's own ledger (it stands in for a remote service) and the seat
 * feed's NOTIFY (one per showtime per 30 ms, published after commit by a timer, not by the request). A count,
 * not a timing: it changes only when the code does.
 */
let t: TestApp;
let user: TestUser;
let show: ShowtimeFixture;
const sent: string[] = [];
let counting = false;

function countQueriesOf(pool: pg.Pool): void {
  const wrapped = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      const text =
        typeof first === 'string' ? first : String((first as { text?: string } | undefined)?.text ?? '');
      if (counting && !text.includes('sim_gateway') && !text.includes('pg_notify'))
        sent.push(text.replace(/\s+/g, ' ').trim());
      return query(...args);
    };
  });
}

async function roundTrips<T>(work: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  sent.length = 0;
  counting = true;
  try {
    const result = await work();
    return { result, queries: [...sent] };
  } finally {
    counting = false;
  }
}

beforeAll(async () => {
  t = await createTestApp();
  countQueriesOf(t.ctx.pool);
  user = await createUser(t.app, t.ctx);
  show = await createShowtime(t.ctx.db);
  // The session check is cached per token: warm it so the count is the booking's own work.
  await t.app.inject({ method: 'GET', url: '/api/v1/bookings', headers: user.auth });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('database round trips on the happy path', () => {
  it('with idempotency keys: a hold is at most 5 round trips and a successful payment at most 6', async () => {
    const hold = await roundTrips(() =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: { ...user.auth, 'idempotency-key': 'rt-hold-1' },
        payload: { showtimeId: show.showtimeId, seatIds: show.seatIds.slice(10, 12) },
      }),
    );
    expect(hold.result.statusCode, hold.result.body).toBe(201);
    const bookingId = hold.result.json<{ booking: { id: string } }>().booking.id;

    const pay = await roundTrips(() =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/bookings/${bookingId}/payment`,
        headers: { ...user.auth, 'idempotency-key': 'rt-pay-1' },
        payload: { card: CARD.good },
      }),
    );
    expect(pay.result.statusCode, pay.result.body).toBe(200);
    const paid = pay.result.json<{
      booking: { status: string; tickets: { status: string }[]; payments: { status: string }[] };
      payment: { status: string };
    }>();
    expect(paid.booking.status).toBe('confirmed');
    expect(paid.booking.tickets.map((x) => x.status)).toEqual(['sold', 'sold']);
    expect(paid.payment.status).toBe('succeeded');

    console.info(
      `[round trips] hold ${hold.queries.length}: ${hold.queries.map((q) => q.slice(0, 40)).join(' | ')}`,
    );
    console.info(
      `[round trips] pay ${pay.queries.length}: ${pay.queries.map((q) => q.slice(0, 40)).join(' | ')}`,
    );
    // Taking the key, then BEGIN, the hold, storing its outcome, COMMIT.
    expect(hold.queries.length).toBeLessThanOrEqual(5);
    // Taking the key, the attempt, then BEGIN, the confirmation (with its outbox rows), storing the answer, COMMIT.
    expect(pay.queries.length).toBeLessThanOrEqual(6);
    expect(pay.queries.filter((q) => q.includes('pgboss'))).toEqual([]);

    // The answer replayed for the same key is the one the payment's transaction stored.
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${bookingId}/payment`,
      headers: { ...user.auth, 'idempotency-key': 'rt-pay-1' },
      payload: { card: CARD.good },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(paid);
  });

  it('without an idempotency key a hold is one round trip and a successful payment two', async () => {
    const held = await roundTrips(() =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: user.auth,
        payload: { showtimeId: show.showtimeId, seatIds: show.seatIds.slice(20, 21) },
      }),
    );
    const hold = held.result;
    expect(hold.statusCode, hold.body).toBe(201);
    expect(held.queries.length).toBe(1);
    const pay = await roundTrips(() =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/bookings/${hold.json<{ booking: { id: string } }>().booking.id}/payment`,
        headers: user.auth,
        payload: { card: CARD.good },
      }),
    );
    expect(pay.result.statusCode, pay.result.body).toBe(200);
    console.info(
      `[round trips] pay without key ${pay.queries.length}: ${pay.queries.map((q) => q.slice(0, 40)).join(' | ')}`,
    );
    // The attempt, then the confirmation with its outbox rows: no BEGIN, no COMMIT, no job sent in the request.
    expect(pay.queries.length).toBeLessThanOrEqual(2);
  });
});
