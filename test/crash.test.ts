import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool, type Db } from '../src/db/database.js';
import { TokenService } from '../src/http/tokens.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { CARD, createShowtime } from './helpers/fixtures.js';
import { startApiProcess, type ApiProcess } from './helpers/api-process.js';

/**
 * A real crash at the worst moment: the API process is SIGKILLed after the gateway charged the card and before
 * Matinee recorded it. Nothing in memory survives; a new process must find the charge and confirm the booking.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = randomBytes(24).toString('hex');

let database: TestDatabase;
let db: Db;
let pool: ReturnType<typeof createPool>;
let dataDir: string;
const children: ApiProcess[] = [];

/** The built API process on the test database; it is SIGKILLed at the end if still running. */
async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const api = await startApiProcess({
    root: ROOT,
    name: `api-${children.length + 1}`,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      SEED_DEMO_DATA: 'false',
      ...env,
    },
  });
  children.push(api);
  return api;
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  database = await createTestDatabase();
  pool = createPool(database.url, { max: 3 });
  db = createDb(pool);
  dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-crash-'));
}, 60_000);

afterAll(async () => {
  for (const c of children) await c.kill('SIGKILL');
  await db.destroy();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A customer (straight into the database, token minted here) holding `seats` seats through `api`. */
async function customerWithHold(api: ApiProcess, seats: number) {
  const st = await createShowtime(db, { rows: 1, seatsPerRow: 4 });
  const user = await db
    .insertInto('users')
    .values({ email: `crash-${randomUUID()}@example.com`, name: 'Crash', phone: null, password_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = await new TokenService(SECRET, 3600).issue({ userId: user.id, role: 'customer' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const held = await fetch(`${api.base}/api/v1/bookings`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ showtimeId: st.showtimeId, seatIds: st.seatIds.slice(0, seats) }),
  });
  expect(held.status).toBe(201);
  const bookingId = ((await held.json()) as { booking: { id: string } }).booking.id;
  return { headers, bookingId };
}

describe('SIGKILL between charge and commit', () => {
  it('the next process finds the charge by its key and confirms the booking, charged once', async () => {
    const first = await startApi({ MATINEE_FAULT: 'crash-after-charge', WORKER_IN_PROCESS: 'false' });
    const { headers, bookingId } = await customerWithHold(first, 2);

    // The process dies mid-request: the customer sees a dropped connection, not an answer.
    await expect(
      fetch(`${first.base}/api/v1/bookings/${bookingId}/payment`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ card: CARD.good }),
      }),
    ).rejects.toThrow();
    await new Promise((r) =>
      first.child.exitCode !== null || first.child.signalCode ? r(null) : first.child.once('exit', r),
    );
    expect(first.child.signalCode).toBe('SIGKILL');

    const charges = async () =>
      (
        await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM sim_gateway.charges c JOIN payments p ON p.gateway_key = c.idempotency_key
           WHERE p.booking_id = ${bookingId} AND c.status = 'succeeded'`.execute(db)
      ).rows[0]!.n;
    const status = async () =>
      (await db.selectFrom('bookings').select('status').where('id', '=', bookingId).executeTakeFirstOrThrow())
        .status;
    expect(await charges()).toBe(1); // the money moved...
    expect(await status()).toBe('pending'); // ...and Matinee had not recorded it

    // A fresh process with workers: its sweep settles the orphaned attempt once it is older than the timeout.
    const second = await startApi({ WORKER_IN_PROCESS: 'true', PAYMENT_TIMEOUT_MS: '1000' });
    let now = await status();
    for (let i = 0; i < 120 && now === 'pending'; i++) {
      await sleep(250);
      now = await status();
    }
    expect(now).toBe('confirmed');
    expect(await charges()).toBe(1);
    const seats = await db
      .selectFrom('seat_inventory')
      .select('status')
      .where('booking_id', '=', bookingId)
      .execute();
    expect(seats.map((s) => s.status)).toEqual(['sold', 'sold']);
    const view = await fetch(`${second.base}/api/v1/bookings/${bookingId}`, { headers });
    expect(((await view.json()) as { booking: { payments: { status: string }[] } }).booking.payments).toEqual(
      [expect.objectContaining({ status: 'succeeded' })],
    );
    second.child.kill('SIGTERM');
  }, 90_000);

  it('a slow charge still lands after its API process was SIGKILLed; the retry on another card is kept, the late one refunded', async () => {
    // The slow charge lands 8 s after the call: after the first process is gone and the second has started.
    const env = { SIM_GATEWAY_SLOW_CARD_MS: '8000', PAYMENT_TIMEOUT_MS: '500', WORKER_IN_PROCESS: 'false' };
    const first = await startApi(env);
    const { headers, bookingId } = await customerWithHold(first, 1);

    // The slow card: our call gives up after 0.5 s (503); the gateway lands the charge 8 s after the call.
    const slow = await fetch(`${first.base}/api/v1/bookings/${bookingId}/payment`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ card: { ...CARD.good, number: '4000000000006975' } }),
    });
    expect(slow.status).toBe(503);
    // The gateway has the request (its ledger row lands later); then the process that made the call dies.
    const atGateway = async () =>
      (
        await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM sim_gateway.charges c JOIN payments p ON p.gateway_key = c.idempotency_key
           WHERE p.booking_id = ${bookingId}`.execute(db)
      ).rows[0]!.n;
    for (let i = 0; i < 40 && (await atGateway()) === 0; i++) await sleep(50);
    expect(await atGateway()).toBe(1);
    first.child.kill('SIGKILL');
    await new Promise((r) =>
      first.child.exitCode !== null || first.child.signalCode ? r(null) : first.child.once('exit', r),
    );

    const second = await startApi({ ...env, WORKER_IN_PROCESS: 'true', SWEEP_INTERVAL_SECONDS: '0.5' });
    const good = await fetch(`${second.base}/api/v1/bookings/${bookingId}/payment`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ card: CARD.good }),
    });
    expect(good.status).toBe(200);

    const ledger = async () =>
      (
        await sql<{ charges: number; kept: number; refunded: number }>`
          SELECT count(*)::int AS charges,
                 count(*) FILTER (WHERE c.refunded_cents < c.amount_cents)::int AS kept,
                 count(*) FILTER (WHERE c.refunded_cents = c.amount_cents)::int AS refunded
            FROM sim_gateway.charges c JOIN payments p ON p.gateway_key = c.idempotency_key
           WHERE p.booking_id = ${bookingId} AND c.status = 'succeeded'`.execute(db)
      ).rows[0]!;
    let money = await ledger();
    for (let i = 0; i < 160 && money.refunded < 1; i++) {
      await sleep(250);
      money = await ledger();
    }
    expect(money).toEqual({ charges: 2, kept: 1, refunded: 1 });
    const booking = await db
      .selectFrom('bookings')
      .select('status')
      .where('id', '=', bookingId)
      .executeTakeFirstOrThrow();
    expect(booking.status).toBe('confirmed');
    second.child.kill('SIGTERM');
  }, 90_000);
});
