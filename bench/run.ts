/**
 * Load benchmark of the booking hot path, with its baseline measured in the same run.
 *
 *   npm run bench                      # embedded PostgreSQL in a temp folder, or BENCH_DATABASE_URL's server
 *   npm run bench -- --holds 3000 --connections 32
 *
 * Scenarios (all on 127.0.0.1, all stop by themselves):
 *  - baseline: the database work a hold needs, with nothing else — one transaction that inserts the booking,
 *    claims 2 seats with the conditional UPDATE and inserts 2 tickets — from `connections` pg clients.
 *  - hold: POST /api/v1/bookings through the real app (auth, validation, the same transaction plus the
 *    user lock, the hold limit check and the expiry job), `connections` HTTP connections, every hold succeeds.
 *  - contention: everyone wants the same 20 seats; almost every answer is 409 SEATS_UNAVAILABLE.
 *  - seat map: GET /api/v1/showtimes/:id/seats of a 300-seat showtime.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { readConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createDb, createPool, migrateToLatest, type Db } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { showtimeEndsAt } from '../src/modules/catalog/showtime-rules.js';

const { values: args } = parseArgs({
  options: {
    holds: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
  },
});
const HOLDS = Number(args.holds);
const CONNECTIONS = Number(args.connections);
const SECONDS = Number(args.seconds);

interface Row {
  scenario: string;
  requests: number;
  perSecond: number;
  p50: number;
  p97_5: number;
  p99: number;
  outcome: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function createShowtimeWithSeats(
  db: Db,
  rows: number,
  perRow: number,
): Promise<{ id: string; seats: string[] }> {
  const tag = randomBytes(3).toString('hex');
  const t = await db
    .insertInto('theaters')
    .values({ name: `Bench ${tag}`, address: '1 Bench St', city: 'New York', latitude: 40.7, longitude: -74 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const a = await db
    .insertInto('auditoriums')
    .values({ theater_id: t.id, name: 'Big' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`INSERT INTO seats (auditorium_id, row_label, number, x, y, tier)
            SELECT ${a.id}, 'R' || r, n, n, r, CASE WHEN r BETWEEN 10 AND 14 THEN 'premium' ELSE 'standard' END
              FROM generate_series(1, ${rows}) r, generate_series(1, ${perRow}) n`.execute(db);
  const m = await db
    .insertInto('movies')
    .values({ title: `Bench ${tag}`, runtime_minutes: 120 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const startsAt = new Date(Date.now() + 86_400_000);
  const s = await db
    .insertInto('showtimes')
    .values({
      auditorium_id: a.id,
      movie_id: m.id,
      starts_at: startsAt,
      ends_at: showtimeEndsAt(startsAt, 120),
      price_standard_cents: 1500,
      price_premium_cents: 1900,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`INSERT INTO seat_inventory (showtime_id, seat_id) SELECT ${s.id}, id FROM seats WHERE auditorium_id = ${a.id}`.execute(
    db,
  );
  const seats = await db
    .selectFrom('seats')
    .select('id')
    .where('auditorium_id', '=', a.id)
    .orderBy('y')
    .orderBy('x')
    .execute();
  return { id: s.id, seats: seats.map((x) => x.id) };
}

async function baseline(url: string, showtimeId: string, seats: string[], userId: string): Promise<Row> {
  const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= HOLDS) return;
      const pair = [seats[2 * i]!, seats[2 * i + 1]!].sort();
      const t0 = performance.now();
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const b = await c.query<{ id: string; expires_at: Date }>(
          `INSERT INTO bookings (reference, user_id, showtime_id, expires_at, max_expires_at, total_cents, currency)
           VALUES ($1, $2, $3, now() + interval '7 minutes', now() + interval '15 minutes', 0, 'USD') RETURNING id, expires_at`,
          [randomBytes(6).toString('hex'), userId, showtimeId],
        );
        const claimed = await c.query(
          `UPDATE seat_inventory SET status = 'held', booking_id = $1, version = version + 1
            WHERE showtime_id = $2 AND seat_id = ANY($3::uuid[])
              AND (status = 'available' OR (status = 'held' AND EXISTS (
                SELECT 1 FROM bookings hb WHERE hb.id = seat_inventory.booking_id AND hb.expires_at <= now())))`,
          [b.rows[0]!.id, showtimeId, pair],
        );
        await c.query(
          `INSERT INTO tickets (booking_id, showtime_id, seat_id, tier, price_cents)
           SELECT $1, $2, unnest($3::uuid[]), 'standard', 1500`,
          [b.rows[0]!.id, showtimeId, pair],
        );
        await c.query('COMMIT');
        if (claimed.rowCount === 2) ok++;
      } finally {
        c.release();
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  latencies.sort((x, y) => x - y);
  return {
    scenario: 'baseline: the hold transaction alone (pg, no HTTP)',
    requests: HOLDS,
    perSecond: Math.round(HOLDS / seconds),
    p50: percentile(latencies, 50),
    p97_5: percentile(latencies, 97.5),
    p99: percentile(latencies, 99),
    outcome: `${ok} held`,
  };
}

async function cannon(
  scenario: string,
  base: string,
  opts: {
    amount?: number;
    duration?: number;
    build: () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string };
  },
): Promise<Row> {
  const statuses = new Map<number, number>();
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? SECONDS }),
    requests: [
      {
        setupRequest: (req) => ({ ...req, ...opts.build() }),
        onResponse: (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
      },
    ],
  });
  return {
    scenario,
    requests: result.requests.total,
    perSecond: Math.round(result.requests.total / (result.duration || 1)),
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    outcome: [...statuses].map(([s, n]) => `${n}×${s}`).join(', '),
  };
}

async function main(): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  let serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: await mkdtemp(path.join(os.tmpdir(), 'matinee-bench-')),
      ephemeral: true,
    });
    serverUrl = embedded.adminUrl;
  }
  const dbName = `matinee_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;

  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url.toString(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    RATE_LIMIT_PER_MINUTE: '100000000',
    MAX_ACTIVE_HOLDS_PER_USER: '1000000',
    MAX_SEATS_PER_SHOWTIME_PER_USER: '1000000',
    WORKER_IN_PROCESS: 'false',
    SEED_DEMO_DATA: 'false',
  };
  const config = readConfig(env);
  const migrationDb = createDb(createPool(config.databaseUrl!, { max: 1 }));
  await migrateToLatest(migrationDb);
  await migrationDb.destroy();
  // Fixtures and tokens come from this process; the app under load runs as its own process, so the load
  // generator does not share its event loop.
  const ctx = createContext(config, { logger: pino({ level: 'silent' }) });
  const server = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
      '--import',
      'tsx',
      'bench/server.ts',
    ],
    {
      env: { ...process.env, ...env, BENCH_POOL: String(CONNECTIONS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout.on('data', (chunk: Buffer) => {
      const m = /PORT (\d+)/.exec(chunk.toString());
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;

  const users = await ctx.db
    .insertInto('users')
    .values(
      Array.from({ length: 200 }, (_, i) => ({
        email: `bench-${i}-${randomUUID()}@example.com`,
        name: `B${i}`,
        phone: null,
        password_hash: 'x',
      })),
    )
    .returning('id')
    .execute();
  const tokens = await Promise.all(users.map((u) => ctx.tokens.issue({ userId: u.id, role: 'customer' })));
  const rows = Math.ceil((HOLDS * 2) / 50);

  const results: Row[] = [];
  const forBaseline = await createShowtimeWithSeats(ctx.db, rows, 50);
  results.push(await baseline(config.databaseUrl!, forBaseline.id, forBaseline.seats, users[0]!.id));

  const forHolds = await createShowtimeWithSeats(ctx.db, rows, 50);
  let n = 0;
  results.push(
    await cannon('hold: POST /bookings, 2 free seats each', base, {
      amount: HOLDS,
      build: () => {
        const i = n++;
        return {
          method: 'POST',
          path: '/api/v1/bookings',
          headers: {
            authorization: `Bearer ${tokens[i % tokens.length]}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            showtimeId: forHolds.id,
            seatIds: [forHolds.seats[2 * i], forHolds.seats[2 * i + 1]],
          }),
        };
      },
    }),
  );

  const hot = await createShowtimeWithSeats(ctx.db, 1, 20);
  let h = 0;
  results.push(
    await cannon('contention: everyone wants the same 20 seats', base, {
      amount: HOLDS,
      build: () => {
        const i = h++;
        const a = i % 20;
        return {
          method: 'POST',
          path: '/api/v1/bookings',
          headers: {
            authorization: `Bearer ${tokens[i % tokens.length]}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ showtimeId: hot.id, seatIds: [hot.seats[a], hot.seats[(a + 1) % 20]] }),
        };
      },
    }),
  );

  const big = await createShowtimeWithSeats(ctx.db, 12, 25);
  results.push(
    await cannon('seat map: GET /showtimes/:id/seats (300 seats)', base, {
      duration: SECONDS,
      build: () => ({
        method: 'GET',
        path: `/api/v1/showtimes/${big.id}/seats`,
        headers: { authorization: `Bearer ${tokens[0]}` },
      }),
    }),
  );

  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await ctx.close();
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
  await embedded?.stop();

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nMachine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `Database: ${embedded ? 'embedded PostgreSQL (fsync off)' : 'BENCH_DATABASE_URL'}; ${CONNECTIONS} concurrent connections\n`,
  );
  console.log('| scenario | requests | req/s | p50 ms | p97.5 ms | p99 ms | answers |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${r.requests} | ${r.perSecond} | ${r.p50.toFixed(1)} | ${r.p97_5.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.outcome} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
