/**
 * Load benchmark of the on-sale hot paths, each printed as a ratio to a baseline measured in the same run.
 *
 *   npm run bench                          # embedded PostgreSQL in a temp folder (fsync off)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench   # a real server
 *   npm run bench -- --only onsale --customers 200 --streams 200     # one scenario, small, for development
 *   BENCH_PROFILE=1 npm run bench -- --only hold,seatmap            # + CPU profile of each API process
 *   npm run bench -- --help
 *
 * Everything talks to 127.0.0.1 only, every step is bounded in time, and every process it starts is stopped
 * (a watchdog kills them all after --max-minutes). The database it creates is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import pino from 'pino';
import { readConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createDb, createPool, migrateToLatest } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { bareHttpBaseline, claimBaseline, triggerBaselines } from './baselines.js';
import { createShowtimeWithSeats, createUsers } from './fixtures.js';
import {
  bundledServer,
  cannon,
  forEachBounded,
  killChildren,
  ms,
  request,
  skipBodyDecoding,
  startNodeProcess,
  type Row,
} from './lib.js';
import { printOnsale, runOnsale, type OnsaleResult } from './onsale.js';
import { printWaitingRoom, runWaitingRoom, type WaitingRoomResult } from './waitingroom.js';
import { printProfile, summarizeProfile } from './profile-top.js';

const SCENARIOS = [
  'claim',
  'hold',
  'hold-signed-in',
  'contention',
  'bare',
  'seatmap',
  'trigger',
  'onsale',
  'waitingroom',
] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: SCENARIOS.join(',') },
    seconds: { type: 'string', default: '10' },
    holds: { type: 'string', default: '3000' },
    claims: { type: 'string', default: '15000' },
    connections: { type: 'string', default: '64' },
    'db-connections': { type: 'string', default: '32' },
    'app-pool': { type: 'string', default: '8' },
    processes: { type: 'string', default: '1' },
    customers: { type: 'string', default: '1000' },
    rows: { type: 'string', default: '12' },
    'per-row': { type: 'string', default: '25' },
    streams: { type: 'string', default: '2000' },
    sample: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
    retries: { type: 'string', default: '3' },
    'onsale-timeout': { type: 'string', default: '180' },
    'wr-visitors': { type: 'string', default: '10000' },
    'wr-arrival': { type: 'string', default: '60' },
    'wr-rate': { type: 'string', default: '600' },
    'wr-cap': { type: 'string', default: '200' },
    'wr-concurrency': { type: 'string', default: '128' },
    'wr-timeout': { type: 'string', default: '300' },
    'wr-earlier': { type: 'string', default: '0' },
    'max-minutes': { type: 'string', default: '20' },
    json: { type: 'string' },
    'decode-bodies': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [options]

  --only LIST          scenarios to run, comma-separated (default: all):
                         claim       baseline: the claim UPDATE alone, autocommit, --db-connections clients
                         hold        POST /bookings, 2 free seats each, --holds requests, each by a customer
                                     whose token the API has not seen (HS256 check + session look-up)
                         hold-signed-in  the same by customers signed in before (as after loading the map)
                         contention  POST /bookings, everyone wants the same 20 seats
                         bare        baseline: bare Node http server, --seconds
                         seatmap     GET /showtimes/:id/seats (300 seats), --seconds
                         trigger     single-seat UPDATEs with the schema's triggers vs without
                         onsale      the on-sale: customers buying, streams watching
                         waitingroom a high-demand showtime's queue, across two API processes
  --seconds N          duration of the timed scenarios (default 10)
  --holds N            holds in the hold and contention scenarios (default 3000)
  --claims N           most claims in the claim baseline and updates in the trigger one (default 15000)
  --connections N      HTTP connections of hold, contention, seatmap and bare (default 64)
  --db-connections N   pg clients of the baselines (default 32)
  --app-pool N         the API's main pool (DATABASE_POOL_SIZE), split between its processes (default 8: four
                       per database core; 32 took a hold 25-30% more PostgreSQL CPU on 2 cores)
  --processes LIST     API processes sharing the port (node:cluster, the pool split between them), e.g. 1,2:
                       hold, contention and seat map run once per count; the on-sale with the last count
  --customers N        on-sale customers (default 1000)
  --rows N --per-row N on-sale auditorium (default 12 × 25 = 300 seats)
  --streams N          open seat streams during the on-sale (default 2000)
  --sample N           of which this many parse every event for the delay (default 20)
  --concurrency N      customers at a time (default 64)
  --retries N          retries of a hold after 409, each with a fresh map (default 3)
  --onsale-timeout S   customers stop starting steps after this (default 180)
  --wr-visitors N      waiting room: visitors arriving (default 10000) over --wr-arrival S (default 60); the
                       queue opens halfway; --wr-rate per minute (600), --wr-cap active (200), requests in
                       flight --wr-concurrency (128), the run stops at sold out or --wr-timeout S (300);
                       --wr-earlier N first sells another showtime to N visitors through its own queue (over
                       10 s), so the measured room's opening has earlier on-sales to take its prior from
  --max-minutes M      watchdog: kill everything and fail after this (default 20)
  --json FILE          also write the results as JSON
  --decode-bodies      let autocannon decode every answer's body as UTF-8, as runs before 2026-12-03 (seat
                       map profile) did: a third of its CPU on the seat map's gzip, so ratios come out lower

Environment: BENCH_DATABASE_URL (a PostgreSQL server; default: embedded), BENCH_PROFILE=1 (CPU profile of
each API process, written to BENCH_PROFILE_DIR or /tmp/prof and summarised at the end).`);
  process.exit(0);
}

const num = (name: keyof typeof args): number => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
};
const only = new Set(
  args.only.split(',').map((s) => {
    if (!(SCENARIOS as readonly string[]).includes(s.trim())) throw new Error(`unknown scenario ${s}`);
    return s.trim() as Scenario;
  }),
);
const SECONDS = num('seconds');
const HOLDS = num('holds');
const CONNECTIONS = num('connections');
const DB_CONNECTIONS = num('db-connections');
const APP_POOL = num('app-pool');
const PROCESS_COUNTS = args.processes.split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error('--processes: counts from 1 to 16');
  return n;
});
/** Row key and label of a scenario run with `procs` API processes (plain when every run uses one). */
const keyed = (key: string, procs: number) => (procs === PROCESS_COUNTS[0] ? key : `${key}@${procs}`);
const labelled = (label: string, procs: number) =>
  PROCESS_COUNTS.length === 1 && procs === 1
    ? label
    : `${label} [${procs} API process${procs > 1 ? 'es' : ''}]`;
if (!args['decode-bodies']) skipBodyDecoding();
const PROFILE_DIR = process.env.BENCH_PROFILE ? (process.env.BENCH_PROFILE_DIR ?? '/tmp/prof') : undefined;

const watchdog = setTimeout(
  () => {
    console.error(`bench: still running after --max-minutes ${args['max-minutes']}; stopping everything`);
    killChildren();
    process.exit(1);
  },
  num('max-minutes') * 60_000,
);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

const GOALS = { hold: 0.35, seatmap: 0.5, trigger: 0.9, p99Ms: 250 };

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  let embedded: EmbeddedDatabase | undefined;
  let serverUrl = process.env.BENCH_DATABASE_URL;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'matinee-bench-'));
  if (!serverUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), ephemeral: true });
    serverUrl = embedded.adminUrl;
  }
  const dbName = `matinee_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const settings = await admin.query<{ v: string; fsync: string; sc: string }>(
    `SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync,
            current_setting('synchronous_commit') AS sc`,
  );
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;

  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url.toString(),
    DATA_DIR: path.join(tmp, 'data'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    // The benchmark measures speed, not the anti-abuse limits: one address sends everything.
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000000',
    MAX_ACTIVE_HOLDS_PER_USER: '1000000',
    MAX_SEATS_PER_SHOWTIME_PER_USER: '1000000',
    WORKER_IN_PROCESS: 'false',
    SEED_DEMO_DATA: 'false',
    // As docs/operations.md recommends for production on Linux: glibc's per-thread malloc arenas added 15-25 MiB
    // to an API process's peak RSS at the on-sale (226-239 MiB with it, 249-256 without, 2026-12-03).
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
  };
  const config = readConfig(env);
  const migrationDb = createDb(createPool(config.databaseUrl!, { max: 1 }));
  await migrateToLatest(migrationDb);
  // Experiments only (say so with the numbers): statements run on the fresh schema, e.g. to try an index.
  for (const stmt of (process.env.BENCH_DDL ?? '').split(';').filter((x) => x.trim())) {
    console.error(`BENCH_DDL: ${stmt.trim()}`);
    await sql.raw(stmt).execute(migrationDb);
  }
  await migrationDb.destroy();
  const ctx = createContext(config, { logger: pino({ level: 'silent' }) });
  if (PROFILE_DIR) await mkdir(PROFILE_DIR, { recursive: true });
  const profiles: Array<{ label: string; file: string }> = [];

  let serverArgs: string[] | undefined;
  /** A fresh API process per scenario: clean memory figures, no warm caches from before, one profile each. */
  const withApp = async <T>(
    label: string,
    procs: number,
    fn: (port: number, pids: number[]) => Promise<T>,
  ): Promise<T> => {
    const file = PROFILE_DIR ? path.join(PROFILE_DIR, `${label}-${process.pid}.cpuprofile`) : undefined;
    // As `npm start` runs it (bundled); under tsx when profiling, so the profile names src/ files.
    serverArgs ??= PROFILE_DIR ? ['--import', 'tsx', 'bench/server.ts'] : await bundledServer('server');
    const app = await startNodeProcess(serverArgs, {
      ...process.env,
      ...env,
      BENCH_POOL: String(APP_POOL),
      BENCH_PROCESSES: String(procs),
      ...(file ? { BENCH_PROFILE_FILE: file } : {}),
    });
    try {
      // Warm-up outside the measurement, on a showtime of its own: JIT, the pool's connections, the auth cache,
      // and the hold statement prepared (and past its first custom plans) on every pooled connection. Every
      // path the scenarios take, as a process that has served for a while has them: 900 holds (after 300, V8's
      // optimising compiler was still a fifth of the API process's CPU in the hold's measurement), 300 holds
      // refused as taken, 300 payments (without those, it was a fifth of it during the on-sale; perf,
      // 2026-12-03).
      if (warmup) {
        const agent = new http.Agent({ keepAlive: true });
        const { id, bearers } = warmup;
        await forEachBounded(300, DB_CONNECTIONS, async () => {
          await request(agent, app.port, {
            method: 'GET',
            path: `/api/v1/showtimes/${id}/seats`,
            headers: { authorization: `Bearer ${bearers[0]}` },
          });
        });
        const st = await createShowtimeWithSeats(ctx.db, 36, 50);
        const held: Array<{ id: string; bearer: string }> = [];
        const holdPair = async (k: number) => {
          const bearer = bearers[k % bearers.length]!;
          const a = await request(agent, app.port, {
            method: 'POST',
            path: '/api/v1/bookings',
            headers: { authorization: `Bearer ${bearer}` },
            body: { showtimeId: st.id, seatIds: [st.seats[2 * k], st.seats[2 * k + 1]] },
          });
          if (a.status === 201)
            held.push({ id: (JSON.parse(a.body) as { booking: { id: string } }).booking.id, bearer });
        };
        await forEachBounded(st.seats.length / 2, DB_CONNECTIONS, holdPair);
        await forEachBounded(300, DB_CONNECTIONS, holdPair); // the same seats again: 409
        await forEachBounded(Math.min(300, held.length), DB_CONNECTIONS, async (k) => {
          await request(agent, app.port, {
            method: 'POST',
            path: `/api/v1/bookings/${held[k]!.id}/payment`,
            headers: { authorization: `Bearer ${held[k]!.bearer}` },
            body: { card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } },
          });
        });
        agent.destroy();
      }
      return await fn(app.port, app.pids);
    } finally {
      await app.stop(30_000);
      if (file && procs === 1) profiles.push({ label, file });
      if (file && procs > 1) {
        for (let i = 0; i < procs; i++)
          profiles.push({
            label: `${label} p${i}`,
            file: file.replace(/\.cpuprofile$/, `-p${i}.cpuprofile`),
          });
      }
    }
  };

  let warmup: { id: string; bearers: string[] } | undefined;
  const results = new Map<string, Row>();
  const add = (r: Row) => {
    results.set(r.key, r);
    console.error(`  ${r.scenario}: ${r.perSecond}/s, p99 ${ms(r.p99)} ms (${r.outcome})`);
  };
  let onsale: OnsaleResult | undefined;
  let waitingRoom: WaitingRoomResult | undefined;
  let triggerNames: string[] = [];
  try {
    const customers = num('customers');
    const streams = num('streams');
    const visitors = only.has('waitingroom') ? num('wr-visitors') : 0;
    // Every hold of the hold scenarios by a customer of its own (their first request, in the first of them).
    const userIds = await createUsers(ctx.db, Math.max(2000, HOLDS + 100, customers, streams, visitors));
    const bearers = await Promise.all(
      userIds.map((id) => ctx.tokens.issue({ userId: id, role: 'customer' })),
    );
    // The last 100 customers warm the server up; scenarios take theirs from the front.
    warmup = { id: (await createShowtimeWithSeats(ctx.db, 12, 25)).id, bearers: bearers.slice(-100) };
    const rows = Math.ceil((HOLDS * 2) / 50);

    if (only.has('claim')) {
      console.error('claim baseline…');
      add(
        await claimBaseline(ctx.db, config.databaseUrl!, {
          connections: DB_CONNECTIONS,
          seconds: SECONDS,
          claims: num('claims'),
          userId: userIds[0]!,
        }),
      );
    }

    // A hold by a customer whose token the API process has not seen yet (its HS256 check and session look-up
    // are part of the request), and one by a customer who is signed in and has just loaded the seat map, as
    // in the app (that earlier request verified the token and cached the session).
    const holdRuns = [
      ...(only.has('hold')
        ? [{ key: 'hold', label: 'hold: POST /bookings, 2 free seats each', signedIn: false }]
        : []),
      ...(only.has('hold-signed-in')
        ? [
            {
              key: 'hold-signed-in',
              label: 'hold, signed in: the same, each token seen before',
              signedIn: true,
            },
          ]
        : []),
    ];
    for (const run of holdRuns) {
      for (const procs of PROCESS_COUNTS) {
        console.error(`${run.key} (${procs} API processes)…`);
        const st = await createShowtimeWithSeats(ctx.db, rows, 50);
        let n = 0;
        add(
          await withApp(keyed(run.key, procs), procs, async (port, pids) => {
            if (run.signedIn) {
              const agent = new http.Agent({ keepAlive: true });
              await forEachBounded(HOLDS, DB_CONNECTIONS, async (i) => {
                await request(agent, port, {
                  method: 'GET',
                  path: '/api/v1/auth/me',
                  headers: { authorization: `Bearer ${bearers[i]}` },
                });
              });
              agent.destroy();
            }
            return cannon(keyed(run.key, procs), labelled(run.label, procs), port, {
              connections: CONNECTIONS,
              amount: HOLDS,
              pids,
              database: true,
              build: () => {
                const i = n++;
                return {
                  method: 'POST',
                  path: '/api/v1/bookings',
                  headers: { authorization: `Bearer ${bearers[i]}`, 'content-type': 'application/json' },
                  body: JSON.stringify({
                    showtimeId: st.id,
                    seatIds: [st.seats[2 * i], st.seats[2 * i + 1]],
                  }),
                };
              },
            });
          }),
        );
      }
    }

    for (const procs of only.has('contention') ? PROCESS_COUNTS : []) {
      console.error(`contention (${procs} API processes)…`);
      const hot = await createShowtimeWithSeats(ctx.db, 1, 20);
      let h = 0;
      add(
        await withApp(keyed('contention', procs), procs, (port, pids) =>
          cannon(
            keyed('contention', procs),
            labelled('contention: everyone wants the same 20 seats', procs),
            port,
            {
              connections: CONNECTIONS,
              amount: HOLDS,
              pids,
              database: true,
              build: () => {
                const i = h++;
                const a = i % 20;
                return {
                  method: 'POST',
                  path: '/api/v1/bookings',
                  headers: {
                    authorization: `Bearer ${bearers[i % bearers.length]}`,
                    'content-type': 'application/json',
                  },
                  body: JSON.stringify({
                    showtimeId: hot.id,
                    seatIds: [hot.seats[a], hot.seats[(a + 1) % 20]],
                  }),
                };
              },
            },
          ),
        ),
      );
    }

    if (only.has('bare')) {
      console.error('bare HTTP baseline…');
      add(await bareHttpBaseline({ connections: CONNECTIONS, seconds: SECONDS, env: process.env }));
    }

    for (const procs of only.has('seatmap') ? PROCESS_COUNTS : []) {
      console.error(`seat map (${procs} API processes)…`);
      const big = await createShowtimeWithSeats(ctx.db, 12, 25);
      add(
        await withApp(keyed('seatmap', procs), procs, (port, pids) =>
          cannon(
            keyed('seatmap', procs),
            labelled('seat map: GET /showtimes/:id/seats (300 seats, gzip as browsers ask)', procs),
            port,
            {
              connections: CONNECTIONS,
              seconds: SECONDS,
              build: () => ({
                method: 'GET',
                path: `/api/v1/showtimes/${big.id}/seats`,
                headers: { authorization: `Bearer ${bearers[0]}`, 'accept-encoding': 'gzip, deflate, br' },
              }),
              pids,
            },
          ),
        ),
      );
    }

    if (only.has('trigger')) {
      console.error('trigger baselines…');
      const t = await triggerBaselines(ctx.db, config.databaseUrl!, {
        connections: DB_CONNECTIONS,
        seconds: SECONDS,
        updates: num('claims'),
        userId: userIds[0]!,
      });
      triggerNames = t.triggers;
      add(t.withTriggers);
      add(t.without);
    }

    if (only.has('onsale')) {
      console.error('on-sale…');
      const st = await createShowtimeWithSeats(ctx.db, num('rows'), num('per-row'));
      const opts = {
        customers,
        streams,
        sample: num('sample'),
        concurrency: num('concurrency'),
        retries: num('retries'),
        timeoutSeconds: num('onsale-timeout'),
      };
      const procs = PROCESS_COUNTS[PROCESS_COUNTS.length - 1]!;
      onsale = await withApp('onsale', procs, (port, pids) =>
        runOnsale({
          ...opts,
          port,
          pids,
          db: ctx.db,
          showtime: st,
          bearers,
          streamToken: async (i) =>
            (await ctx.tokens.issueStreamToken({ userId: userIds[i]!, showtimeId: st.id, tokenVersion: 0 }))
              .token,
        }),
      );
    }

    if (only.has('waitingroom')) {
      console.error('waiting room…');
      const st = await createShowtimeWithSeats(ctx.db, num('rows'), num('per-row'));
      const streamTokenOf = (showtimeId: string) => async (i: number) =>
        (await ctx.tokens.issueStreamToken({ userId: userIds[i]!, showtimeId, tokenVersion: 0 })).token;
      const common = {
        db: ctx.db,
        bearers,
        userIds,
        admitPerMinute: num('wr-rate'),
        maxActive: num('wr-cap'),
        concurrency: num('wr-concurrency'),
        timeoutSeconds: num('wr-timeout'),
      };
      waitingRoom = await withApp('waitingroom', 2, async (port, pids) => {
        const earlier = Math.min(num('wr-earlier'), visitors);
        if (earlier > 0) {
          // An earlier on-sale through the same processes: its finished admissions are the next one's prior.
          const st0 = await createShowtimeWithSeats(ctx.db, num('rows'), num('per-row'));
          const before = await runWaitingRoom({
            ...common,
            port,
            pids,
            showtime: st0,
            streamToken: streamTokenOf(st0.id),
            visitors: earlier,
            arrivalSeconds: 10,
          });
          // Those still waiting when it sold out go home (their streams are closed already).
          await sql`UPDATE waiting_room_entries SET status = 'left', ended_at = now()
                     WHERE showtime_id = ${st0.id} AND status = 'waiting'`.execute(ctx.db);
          console.error(
            `earlier on-sale: ${before.visitors} visitors, ${before.admitted} admitted, ` +
              `${before.soldSeats} of ${before.capacity} seats sold in ${before.seconds.toFixed(1)} s`,
          );
        }
        return runWaitingRoom({
          ...common,
          port,
          pids,
          showtime: st,
          streamToken: streamTokenOf(st.id),
          visitors,
          arrivalSeconds: num('wr-arrival'),
        });
      });
    }
  } finally {
    killChildren();
    await ctx.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
    await rm(tmp, { recursive: true, force: true });
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const s = settings.rows[0]!;
  console.log(
    `\nMachine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `load average ${load(loadAtStart)} at start, ${load(os.loadavg())} at end`,
  );
  console.log(
    `Database: ${embedded ? 'embedded' : 'BENCH_DATABASE_URL'} PostgreSQL ${s.v}, fsync=${s.fsync}, ` +
      `synchronous_commit=${s.sc}; HTTP ${CONNECTIONS} connections, pg ${DB_CONNECTIONS} clients (baselines), ` +
      `the API's pool ${APP_POOL}, MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX || 'unset'}, ${HOLDS} holds, ` +
      `${SECONDS} s timed scenarios\n`,
  );
  if (results.size) {
    console.log('| scenario | conns | requests | req/s | p50 ms | p99 ms | answers |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
  }
  for (const r of results.values()) {
    console.log(
      `| ${r.scenario} | ${r.connections} | ${r.requests} | ${r.perSecond} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.outcome} |`,
    );
  }

  const ratio = (a?: Row, b?: Row) => (a && b && b.perSecond ? a.perSecond / b.perSecond : undefined);
  const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : '**missed**');
  const perCount = (path: string, key: string, base: string, goal: number) =>
    PROCESS_COUNTS.map((procs) => ({
      path: labelled(path, procs),
      of: results.get(keyed(key, procs)),
      base: results.get(base),
      goal,
      p99: true,
    }));
  const ratios = [
    ...perCount('hold', 'hold', 'claim', GOALS.hold),
    ...perCount('hold, signed in', 'hold-signed-in', 'claim', GOALS.hold),
    ...perCount('seat map', 'seatmap', 'bare', GOALS.seatmap),
    {
      path: `live updates: UPDATEs with triggers (${triggerNames.join(', ') || 'none'})`,
      of: results.get('trigger-on'),
      base: results.get('trigger-off'),
      goal: GOALS.trigger,
      p99: false,
    },
    ...PROCESS_COUNTS.map((procs) => ({
      path: labelled('contention (for scale, no goal)', procs),
      of: results.get(keyed('contention', procs)),
      base: results.get('claim'),
      goal: undefined,
      p99: false,
    })),
  ];
  let header = false;
  for (const r of ratios) {
    const x = ratio(r.of, r.base);
    if (x === undefined) continue;
    if (!header) {
      header = true;
      console.log(
        `\n| path | Matinee/s | baseline/s | ratio | goal | p99 ms at ${CONNECTIONS} conns | p99 goal |\n|---|---:|---:|---:|---|---:|---|`,
      );
    }
    console.log(
      `| ${r.path} | ${r.of!.perSecond} | ${r.base!.perSecond} | ${x.toFixed(2)}× | ` +
        (r.goal === undefined ? '– |' : `≥ ${r.goal}× ${verdict(x >= r.goal)} |`) +
        (r.p99 ? ` ${ms(r.of!.p99)} | < ${GOALS.p99Ms} ms ${verdict(r.of!.p99 < GOALS.p99Ms)} |` : ' | |'),
    );
  }
  const withCpu = [...results.values()].filter((r) => r.cpu);
  if (withCpu.length) {
    console.log(
      `\n| CPU per answer (user + system, from /proc) | server µs | PostgreSQL µs | load generator µs |\n|---|---:|---:|---:|`,
    );
    for (const r of withCpu)
      console.log(
        `| ${r.scenario} | ${r.cpu!.serverUs.toFixed(0)} | ${r.cpu!.databaseUs?.toFixed(0) ?? '–'} | ${r.cpu!.loadGeneratorUs.toFixed(0)} |`,
      );
    console.log(
      `(autocannon ${args['decode-bodies'] ? 'decoded' : 'did not decode'} answer bodies; --decode-bodies to compare with runs before 2026-12-03)`,
    );
  }
  if (onsale) {
    console.log('');
    printOnsale(onsale, {
      customers: num('customers'),
      streams: num('streams'),
      concurrency: num('concurrency'),
    });
  }
  if (waitingRoom) {
    console.log('');
    printWaitingRoom(waitingRoom, {
      arrivalSeconds: num('wr-arrival'),
      admitPerMinute: num('wr-rate'),
      maxActive: num('wr-cap'),
    });
  }
  for (const p of profiles) {
    try {
      printProfile(p.label, summarizeProfile(p.file, 15));
      console.log(`(${p.file})`);
    } catch (err) {
      console.log(`\nprofile ${p.file}: ${(err as Error).message}`);
    }
  }
  if (args.json) {
    await writeFile(
      args.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          loadAverage: { start: loadAtStart, end: os.loadavg() },
          database: { embedded: !!embedded, ...s },
          results: [...results.values()],
          waitingRoom: waitingRoom && { ...waitingRoom, answers: Object.fromEntries(waitingRoom.answers) },
          onsale: onsale && {
            ...onsale,
            outcomes: Object.fromEntries(onsale.outcomes),
            streamFailures: Object.fromEntries(onsale.streamFailures),
            steps: Object.fromEntries(
              Object.entries(onsale.steps).map(([k, v]) => [
                k,
                { latency: v.latency, answers: Object.fromEntries(v.answers) },
              ]),
            ),
          },
        },
        null,
        2,
      ),
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    killChildren();
    process.exit(1);
  },
);
