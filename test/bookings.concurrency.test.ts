import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, seatStatuses } from './helpers/fixtures.js';
import { customerTokens } from './helpers/users.js';

/**
 * Real concurrency: two app instances (two connection pools, like two API processes) listening on real
 * sockets, hit by hundreds of simultaneous HTTP requests against one PostgreSQL database.
 */
let a: TestApp;
let b: TestApp;
let bases: string[];

beforeAll(async () => {
  const env = { MAX_ACTIVE_HOLDS_PER_USER: '5', PAYMENT_LATENCY_MS: '150' };
  a = await createTestApp({ env });
  b = await createTestApp({ env, shareDatabaseOf: a });
  bases = [];
  for (const t of [a, b]) {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    bases.push(`http://127.0.0.1:${addr.port}`);
  }
}, 60_000);
afterAll(async () => {
  await b.close();
  await a.close();
});

function makeUsers(n: number): Promise<string[]> {
  return customerTokens(a.ctx, n, 'Racer');
}

interface ApiBody {
  booking?: { id: string; status: string; tickets: { seatId: string }[] };
  error?: { code: string; seatIds?: string[] };
}

async function call(i: number, token: string, method: string, path: string, body?: unknown, headers = {}) {
  const res = await fetch(`${bases[i % bases.length]}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ApiBody };
}

function pick<T>(items: T[], k: number, rand: () => number): T[] {
  const copy = [...items];
  const out: T[] = [];
  while (out.length < k && copy.length > 0) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]!);
  return out;
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('racing for the same seats', () => {
  it('250 simultaneous holds on 40 hot seats: every seat ends with at most one booking, and the map agrees', async () => {
    const st = await createShowtime(a.ctx.db, { rows: 4, seatsPerRow: 10 });
    const hot = st.seatIds; // all 40
    const tokens = await makeUsers(250);
    const rand = seeded(42);
    const wants = tokens.map(() => pick(hot, 1 + Math.floor(rand() * 4), rand));

    const results = await Promise.all(
      tokens.map((token, i) =>
        call(i, token, 'POST', '/api/v1/bookings', { showtimeId: st.showtimeId, seatIds: wants[i] }),
      ),
    );

    const codes = new Map<string, number>();
    for (const r of results) {
      const key = r.status === 201 ? '201' : `${r.status} ${String(r.body.error?.code)}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    expect([...codes.keys()].sort()).toEqual(['201', '409 SEATS_UNAVAILABLE']);

    const owner = new Map<string, string>();
    const winners: { token: string; bookingId: string; seats: string[]; i: number }[] = [];
    results.forEach((r, i) => {
      if (r.status !== 201) {
        // A loser was told exactly which of its seats were taken, and none of them is free now.
        expect(r.body.error!.seatIds!.length).toBeGreaterThan(0);
        return;
      }
      const seats = r.body.booking!.tickets.map((x) => x.seatId).sort();
      expect(seats).toEqual([...wants[i]!].sort());
      for (const s of seats) {
        expect(owner.has(s), `seat ${s} sold twice`).toBe(false);
        owner.set(s, r.body.booking!.id);
      }
      winners.push({ token: tokens[i]!, bookingId: r.body.booking!.id, seats, i });
    });
    expect(winners.length).toBeGreaterThan(1);

    const inv = await a.ctx.db
      .selectFrom('seat_inventory')
      .select(['seat_id', 'status', 'booking_id'])
      .where('showtime_id', '=', st.showtimeId)
      .execute();
    for (const row of inv) {
      if (owner.has(row.seat_id))
        expect(row).toMatchObject({ status: 'held', booking_id: owner.get(row.seat_id) });
      else expect(row).toMatchObject({ status: 'available', booking_id: null });
    }

    // Everyone who won pays at once, through both processes: all confirmed, every seat sold exactly once.
    const paid = await Promise.all(
      winners.map((w) =>
        call(w.i + 1, w.token, 'POST', `/api/v1/bookings/${w.bookingId}/payment`, { card: CARD.good }),
      ),
    );
    expect(paid.map((p) => p.status)).toEqual(winners.map(() => 200));
    const statuses = await seatStatuses(a.ctx.db, st.showtimeId);
    for (const [seat, status] of statuses) expect(status).toBe(owner.has(seat) ? 'sold' : 'available');
    const sold = await sql<{ n: number; distinct_seats: number }>`
      SELECT count(*)::int AS n, count(DISTINCT seat_id)::int AS distinct_seats
        FROM tickets WHERE showtime_id = ${st.showtimeId} AND status = 'sold'`.execute(a.ctx.db);
    expect(sold.rows[0]).toEqual({ n: owner.size, distinct_seats: owner.size });
  }, 120_000);

  it('the database itself refuses a second sale of a seat, whatever the code does', async () => {
    const st = await createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 2 });
    const [token] = await makeUsers(1);
    const r = await call(0, token!, 'POST', '/api/v1/bookings', {
      showtimeId: st.showtimeId,
      seatIds: [st.seatIds[0]],
    });
    const bookingId = r.body.booking!.id;
    await call(0, token!, 'POST', `/api/v1/bookings/${bookingId}/payment`, { card: CARD.good });
    const forged = sql`INSERT INTO tickets (booking_id, showtime_id, seat_id, tier, price_cents, status)
                       VALUES (${bookingId}, ${st.showtimeId}, ${st.seatIds[0]!}, 'standard', 0, 'sold')`;
    await expect(forged.execute(a.ctx.db)).rejects.toThrow(/tickets_one_sale_per_seat|duplicate key/);
  });
});

describe('one customer racing their own holds', () => {
  it('a hold whose counts keep going stale takes the customer lock instead of refusing with TOO_MANY_HOLDS', async () => {
    // Another session of the same customer keeps taking their row lock and committing, as a burst of their
    // own holds does on a busy machine: every hold statement waits for the row and finds its counts stale.
    // After MAX_HOLD_RECOUNTS tries the hold takes the row lock first, in a transaction, and counts under it.
    const st = await createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 2 });
    const [token] = await makeUsers(1);
    const me = await call(0, token!, 'GET', '/api/v1/auth/me');
    const userId = (me.body as unknown as { user: { id: string } }).user.id;
    const bumper = new pg.Client({ connectionString: a.config.databaseUrl });
    await bumper.connect();
    let stop = false;
    const bumping = (async () => {
      while (!stop) {
        await bumper.query('BEGIN');
        await bumper.query('UPDATE users SET hold_seq = hold_seq + 1 WHERE id = $1', [userId]);
        await bumper.query('SELECT pg_sleep(0.02)');
        await bumper.query('COMMIT');
      }
    })();
    try {
      const r = await call(0, token!, 'POST', '/api/v1/bookings', {
        showtimeId: st.showtimeId,
        seatIds: [st.seatIds[0]],
      });
      expect(r.body.error?.code).toBeUndefined();
      expect(r.status).toBe(201);
    } finally {
      stop = true;
      await bumping;
      await bumper.end();
    }
  });
});

describe('paying one booking from many requests at once', () => {
  async function holdOne(): Promise<{ token: string; bookingId: string }> {
    const st = await createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 3 });
    const [token] = await makeUsers(1);
    const r = await call(0, token!, 'POST', '/api/v1/bookings', {
      showtimeId: st.showtimeId,
      seatIds: [st.seatIds[0]],
    });
    expect(r.status).toBe(201);
    return { token: token!, bookingId: r.body.booking!.id };
  }

  async function successfulCharges(bookingId: string): Promise<number> {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sim_gateway.charges c JOIN payments p ON p.gateway_key = c.idempotency_key
       WHERE p.booking_id = ${bookingId} AND c.status = 'succeeded'`.execute(a.ctx.db);
    return r.rows[0]!.n;
  }

  it('5 concurrent payments without a key: one succeeds, one charge', async () => {
    const { token, bookingId } = await holdOne();
    const res = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call(i, token, 'POST', `/api/v1/bookings/${bookingId}/payment`, { card: CARD.good }),
      ),
    );
    const ok = res.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of res.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(['PAYMENT_IN_PROGRESS', 'ALREADY_PAID']).toContain(r.body.error!.code);
    }
    expect(await successfulCharges(bookingId)).toBe(1);
  });

  it('5 concurrent payments with one Idempotency-Key: one charge, every answer consistent', async () => {
    const { token, bookingId } = await holdOne();
    const key = { 'idempotency-key': randomUUID() };
    const res = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call(i, token, 'POST', `/api/v1/bookings/${bookingId}/payment`, { card: CARD.good }, key),
      ),
    );
    for (const r of res) {
      if (r.status === 200) expect(r.body.booking!.status).toBe('confirmed');
      else
        expect(r).toMatchObject({
          status: 409,
          body: { error: { code: 'IDEMPOTENCY_REQUEST_IN_PROGRESS' } },
        });
    }
    expect(res.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(await successfulCharges(bookingId)).toBe(1);
    // After the dust settles the key replays the one result.
    const replay = await call(
      0,
      token,
      'POST',
      `/api/v1/bookings/${bookingId}/payment`,
      { card: CARD.good },
      key,
    );
    expect(replay.status).toBe(200);
    expect(await successfulCharges(bookingId)).toBe(1);
  });
});
