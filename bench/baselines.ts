/**
 * Baselines measured in the same run as the scenarios, so a noisy machine still gives comparable ratios:
 *  - claim:   the hold's essential write alone, the conditional UPDATE claiming 2 seats (the app's own
 *             seatIsFree predicate), autocommit, from pre-created pending bookings; user triggers disabled.
 *  - trigger: single-seat UPDATEs on seat_inventory with whatever user triggers the schema has, against the
 *             same UPDATEs with them disabled (interleaved with/without/without/with against drift).
 *  - bare:    a bare Node http server in its own process, hit by autocannon like the seat map.
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../src/db/database.js';
import { seatIsFree } from '../src/modules/bookings/seat-rules.js';
import { createPendingBookings, createShowtimeWithSeats } from './fixtures.js';
import { cannon, postgresCpuUs, startNodeProcess, summarize, type Row } from './lib.js';

/** Names of the enabled user triggers on seat_inventory, so they can be switched off and back on exactly. */
async function userTriggers(db: Db): Promise<string[]> {
  const r = await sql<{ tgname: string }>`
    SELECT tgname FROM pg_trigger
     WHERE tgrelid = 'seat_inventory'::regclass AND NOT tgisinternal AND tgenabled <> 'D'
     ORDER BY tgname`.execute(db);
  return r.rows.map((x) => x.tgname);
}

async function setTriggers(db: Db, names: string[], enabled: boolean): Promise<void> {
  for (const name of names) {
    await sql`ALTER TABLE seat_inventory ${sql.raw(enabled ? 'ENABLE' : 'DISABLE')} TRIGGER ${sql.id(name)}`.execute(
      db,
    );
  }
}

interface Timed {
  done: number;
  ok: number;
  seconds: number;
  latencies: number[];
}

/** `jobs` statements from `connections` autocommit clients, until all ran or `seconds` passed. */
async function runStatements(
  url: string,
  connections: number,
  seconds: number,
  jobs: Array<{ text: string; values: unknown[]; expectRows: number }>,
  /** Called once every connection is open, right before the first statement, and after the last one (before
   * the connections close: a backend that has exited takes its CPU time with it). */
  around?: { start: () => void; end: () => void },
): Promise<Timed> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // Open every connection first: connection set-up is not part of what is measured.
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  for (const c of clients) c.release();
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  around?.start();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async () => {
    for (;;) {
      if (performance.now() >= deadline) return;
      const job = jobs[next++];
      if (!job) return;
      const t0 = performance.now();
      const r = await pool.query(job.text, job.values);
      latencies.push(performance.now() - t0);
      if (r.rowCount === job.expectRows) ok++;
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  const elapsed = (performance.now() - started) / 1000;
  around?.end();
  await pool.end();
  return { done: latencies.length, ok, seconds: elapsed, latencies };
}

function row(key: string, scenario: string, connections: number, t: Timed, outcome: string): Row {
  const s = summarize(t.latencies);
  return {
    key,
    scenario,
    connections,
    requests: t.done,
    perSecond: Math.round(t.done / t.seconds),
    p50: s.p50,
    p99: s.p99,
    outcome,
  };
}

export async function claimBaseline(
  db: Db,
  url: string,
  opts: { connections: number; seconds: number; claims: number; userId: string },
): Promise<Row> {
  const st = await createShowtimeWithSeats(db, Math.ceil((opts.claims * 2) / 50), 50);
  const bookings = await createPendingBookings(db, opts.userId, st.id, opts.claims);
  // Compiled by Kysely from the app's own predicate, then sent as plain parameterised text.
  const claim = sql`UPDATE seat_inventory si SET status = 'held', booking_id = ${'$b'}, updated_at = now()
     WHERE si.showtime_id = ${'$s'} AND si.seat_id = ANY(${'$p'}::uuid[]) AND ${seatIsFree('si')}`.compile(
    db,
  );
  const jobs = bookings.map((b, i) => ({
    text: claim.sql,
    values: [b, st.id, [st.seats[2 * i]!, st.seats[2 * i + 1]!].sort()],
    expectRows: 2,
  }));
  const triggers = await userTriggers(db);
  await setTriggers(db, triggers, false);
  try {
    // PostgreSQL's and this process's CPU over the timed statements only (set by start, then by end).
    let db = 0;
    let own = process.cpuUsage();
    const t = await runStatements(url, opts.connections, opts.seconds, jobs, {
      start: () => {
        db = postgresCpuUs();
        own = process.cpuUsage();
      },
      end: () => {
        db = postgresCpuUs() - db;
        own = process.cpuUsage(own);
      },
    });
    return {
      ...row(
        'claim',
        'baseline: the claim UPDATE alone (2 seats, autocommit, pg)',
        opts.connections,
        t,
        `${t.ok} claimed`,
      ),
      // The "server" of this baseline is PostgreSQL; the load generator is this process's pg clients.
      cpu: {
        serverUs: 0,
        databaseUs: db / (t.done || 1),
        loadGeneratorUs: (own.user + own.system) / (t.done || 1),
      },
    };
  } finally {
    await setTriggers(db, triggers, true);
  }
}

export async function triggerBaselines(
  db: Db,
  url: string,
  opts: { connections: number; seconds: number; updates: number; userId: string },
): Promise<{ withTriggers: Row; without: Row; triggers: string[] }> {
  const quarter = Math.ceil(opts.updates / 2);
  const triggers = await userTriggers(db);
  const total = { on: [] as Timed[], off: [] as Timed[] };
  // with, without, without, with: a load spike from a neighbour hurts both sides about equally.
  for (const on of [true, false, false, true]) {
    const st = await createShowtimeWithSeats(db, Math.ceil(quarter / 50), 50);
    const bookings = await createPendingBookings(db, opts.userId, st.id, quarter);
    const jobs = bookings.map((b, i) => ({
      text: `UPDATE seat_inventory SET status = 'held', booking_id = $1, updated_at = now()
              WHERE showtime_id = $2 AND seat_id = $3`,
      values: [b, st.id, st.seats[i]!],
      expectRows: 1,
    }));
    if (!on) await setTriggers(db, triggers, false);
    try {
      (on ? total.on : total.off).push(await runStatements(url, opts.connections, opts.seconds / 2, jobs));
    } finally {
      if (!on) await setTriggers(db, triggers, true);
    }
  }
  const merge = (parts: Timed[]): Timed => ({
    done: parts.reduce((n, p) => n + p.done, 0),
    ok: parts.reduce((n, p) => n + p.ok, 0),
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
    latencies: parts.flatMap((p) => p.latencies),
  });
  const on = merge(total.on);
  const off = merge(total.off);
  const names = triggers.length ? triggers.join(', ') : 'none';
  return {
    triggers,
    withTriggers: row(
      'trigger-on',
      `single-seat UPDATEs with the schema's triggers (${names})`,
      opts.connections,
      on,
      `${on.ok} updated`,
    ),
    without: row(
      'trigger-off',
      'baseline: the same UPDATEs, user triggers disabled',
      opts.connections,
      off,
      `${off.ok} updated`,
    ),
  };
}

export async function bareHttpBaseline(opts: {
  connections: number;
  seconds: number;
  env: NodeJS.ProcessEnv;
}): Promise<Row> {
  const server = await startNodeProcess(['--import', 'tsx', 'bench/bare-server.ts'], opts.env);
  try {
    return await cannon('bare', 'baseline: bare Node http server, a few bytes', server.port, {
      connections: opts.connections,
      seconds: opts.seconds,
      build: () => ({ method: 'GET', path: '/', headers: {} }),
      pids: [server.pid],
    });
  } finally {
    await server.stop();
  }
}
