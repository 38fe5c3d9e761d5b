import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, createPool, isDatabaseUnavailable } from '../src/db/database.js';
import { PoolGate } from '../src/db/pool-gate.js';

/**
 * The gate in front of the app pool (src/db/pool-gate.ts), on a real pool of one connection: a payment's
 * checkout goes ahead of checkouts that were waiting before it, a wait past the timeout fails as the pool's own
 * does, and no place is lost or counted twice.
 */
const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pools: Array<{ end(): Promise<void> }> = [];

function gateOf(max: number, timeoutMs = 5_000) {
  const pool = createPool(url, { max, connectionTimeoutMs: timeoutMs });
  pools.push(pool);
  const waits: number[] = [];
  const gate = new PoolGate(pool, { max, timeoutMs, observeWait: (s) => waits.push(s) });
  return { pool, gate, waits, db: createDb(gate.lane('default')), paymentDb: createDb(gate.lane('payment')) };
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

describe('PoolGate', () => {
  it('serves a waiting payment checkout before checkouts that were waiting longer', async () => {
    const { gate, db, paymentDb } = gateOf(1);
    const holder = await gate.connect('default');
    const order: string[] = [];
    const run = (label: string, q: typeof db) =>
      sql<{ label: string }>`SELECT ${label}::text AS label`
        .execute(q)
        .then((r) => order.push(r.rows[0]!.label));
    const first = run('default 1', db);
    const second = run('default 2', db);
    const payment = run('payment', paymentDb);
    // Every one of them is queued at the gate, none in pg-pool's own queue.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gate.waiting).toBe(3);
    expect(order).toEqual([]);
    holder.release();
    await Promise.all([first, second, payment]);
    expect(order).toEqual(['payment', 'default 1', 'default 2']);
    expect(gate.waiting).toBe(0);
  });

  it('fails a checkout that waits past the timeout as the pool would (a 503), and keeps its places', async () => {
    const { gate, db, waits } = gateOf(1, 200);
    const holder = await gate.connect('payment');
    const err = await sql`SELECT 1`.execute(db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(gate.waiting).toBe(0);
    // Released twice: pg-pool refuses the second, and the gate does not count the place twice.
    holder.release();
    expect(() => holder.release()).toThrow(/already been released/);
    const a = await gate.connect('default');
    let secondGranted = false;
    const b = gate.connect('default').then((c) => {
      secondGranted = true;
      return c;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(secondGranted).toBe(false); // one place, not two
    a.release();
    (await b).release();
    expect(waits.length).toBeGreaterThanOrEqual(3);
  });

  it('gives the place back when the connection cannot be made', async () => {
    const pool = createPool('postgres://postgres@127.0.0.1:1/none', { max: 1, connectionTimeoutMs: 1_000 });
    pools.push(pool);
    const gate = new PoolGate(pool, { max: 1, timeoutMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      const err = await gate.connect('default').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect(gate.waiting).toBe(0);
    }
  });
});
