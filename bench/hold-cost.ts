/**
 * What one hold costs PostgreSQL, measured in units a busy machine does not blur: WAL bytes and records, and the
 * backend's own CPU time (from /proc), per operation, for the hold statement (the app's own code) and for the
 * claim UPDATE baseline, one after another on one connection of a private embedded server (nobody else writes
 * to its WAL). Complements `npm run bench`, whose throughput ratios move with the machine's load.
 *
 *   npx tsx bench/hold-cost.ts                  # 1,000 of each
 *   npx tsx bench/hold-cost.ts --ops 3000
 *
 * Linux only (reads /proc/<pid>/stat of the backend, which runs on this machine).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, createPool, migrateToLatest, type Db } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { seatIsFree } from '../src/modules/bookings/seat-rules.js';
import { createPendingBookings, createShowtimeWithSeats, createUsers } from './fixtures.js';

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '1000' } } });
const OPS = Number(args.ops);
if (!Number.isInteger(OPS) || OPS < 10 || OPS > 20_000) throw new Error('--ops: 10 to 20000');

const TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s

interface Cost {
  walBytes: number;
  cpuMs: number;
}

/** utime + stime of a process, in ms. */
async function cpuOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

async function measure(db: Db, pid: number, run: () => Promise<void>): Promise<Cost> {
  const before = await sql<{ lsn: string }>`SELECT pg_current_wal_insert_lsn()::text AS lsn`.execute(db);
  const cpu0 = await cpuOf(pid);
  await run();
  const cpu1 = await cpuOf(pid);
  const after = await sql<{ bytes: string }>`
    SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${before.rows[0]!.lsn}::pg_lsn)::text AS bytes`.execute(
    db,
  );
  return { walBytes: Number(after.rows[0]!.bytes) / OPS, cpuMs: (cpu1 - cpu0) / OPS };
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'matinee-holdcost-'));
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), ephemeral: true });
  try {
    const admin = new pg.Client({ connectionString: embedded.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE holdcost');
    await admin.end();
    const url = new URL(embedded.adminUrl);
    url.pathname = '/holdcost';
    // One connection: one backend, whose CPU time is the statement's.
    const db = createDb(createPool(url.toString(), { max: 1 }));
    await migrateToLatest(db);
    // Schema experiments: statements run after the migrations (e.g. dropping an index), semicolon-separated.
    for (const stmt of (process.env.HOLDCOST_DDL ?? '').split(';').filter((x) => x.trim())) {
      await sql.raw(stmt).execute(db);
    }
    const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
    const users = await createUsers(db, OPS + 100);
    const perRow = 50;
    const rows = Math.ceil(((OPS + 100) * 2) / perRow);
    const repo = new BookingsRepository();
    const hold = (showtimeId: string, seats: string[], i: number) =>
      repo.hold(db, {
        userId: users[i]!,
        showtimeId,
        seatIds: [seats[2 * i]!, seats[2 * i + 1]!].sort(),
        ticketTypes: ['adult', 'adult'],
        reference: `HC${i.toString(36).toUpperCase()}${Math.random().toString(36).slice(2, 8)}`,
        ttlSeconds: 420,
        maxLifetimeSeconds: 900,
        maxActiveHolds: 1000,
        maxSeats: 1000,
        companionReleaseMinutes: 30,
      });

    // Warm-up on its own showtime: plans, catalog caches, the prepared statement.
    const warm = await createShowtimeWithSeats(db, 4, perRow);
    for (let i = 0; i < 100; i++) await hold(warm.id, warm.seats, i);

    const st = await createShowtimeWithSeats(db, rows, perRow);
    await sql`CHECKPOINT`.execute(db);
    const holdCost = await measure(db, pid, async () => {
      for (let i = 0; i < OPS; i++) {
        const r = await hold(st.id, st.seats, i);
        if (!r.booking) throw new Error(`hold ${i} failed: ${JSON.stringify(r)}`);
      }
    });

    const claimSt = await createShowtimeWithSeats(db, rows, perRow);
    const bookings = await createPendingBookings(db, users[0]!, claimSt.id, OPS);
    const claim = sql`UPDATE seat_inventory si SET status = 'held', booking_id = ${'$b'}, updated_at = now()
       WHERE si.showtime_id = ${'$s'} AND si.seat_id = ANY(${'$p'}::uuid[]) AND ${seatIsFree('si')}`.compile(
      db,
    );
    await sql`CHECKPOINT`.execute(db);
    const claimCost = await measure(db, pid, async () => {
      for (let i = 0; i < OPS; i++) {
        const values = [bookings[i], claimSt.id, [claimSt.seats[2 * i]!, claimSt.seats[2 * i + 1]!].sort()];
        const r = await db.executeQuery({ ...claim, parameters: values });
        if (Number(r.numAffectedRows) !== 2) throw new Error(`claim ${i} claimed ${r.numAffectedRows}`);
      }
    });
    await db.destroy();

    const f = (n: number, d = 0) => n.toFixed(d);
    console.log(`\n${OPS} sequential operations each, one connection, private PostgreSQL (fsync off)\n`);
    console.log('| operation | WAL bytes/op | PostgreSQL CPU ms/op |');
    console.log('|---|---|---|');
    console.log(`| hold statement (2 seats) | ${f(holdCost.walBytes)} | ${f(holdCost.cpuMs, 3)} |`);
    console.log(`| claim UPDATE (baseline) | ${f(claimCost.walBytes)} | ${f(claimCost.cpuMs, 3)} |`);
    console.log(
      `| hold / claim | ${f(holdCost.walBytes / claimCost.walBytes, 2)}x | ${f(holdCost.cpuMs / claimCost.cpuMs, 2)}x |`,
    );
  } finally {
    await embedded.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
