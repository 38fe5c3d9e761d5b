/**
 * Memory of the waiting room's queue streams (issue 13): what N open `GET …/queue/stream` SSE streams cost one API
 * process, apart from the joins that come before them.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/queue-streams-rss.ts
 *   … --streams 1000,2500,5000 --room moving     # the queue open, one admitted a second: every place moves
 *   … --streams 5000 --joins db                  # entries written straight to the database: no join burst
 *   … --streams 5000 --snapshot /tmp/qs          # + heap snapshots after the joins and with the streams, diffed
 *   … --bundled                                  # the server bundled as `npm start` runs it, not under tsx
 *   … --node-options="--max-semi-space-size=4"   # extra flags for the API process (MALLOC_ARENA_MAX etc. pass
 *                                                # through the environment)
 *   npx tsx bench/queue-streams-rss.ts --diff A.heapsnapshot B.heapsnapshot --per 5000   # diff two again
 *
 * For each N a fresh API process (bench/server.ts, one process, pool of 16 like each of the waiting-room bench's
 * two) gets a warm-up (50 joins and streams on another showtime, closed again), then N customers join one
 * high-demand showtime (POST …/queue, 64 at a time; `--room prequeue`: the on-sale time is an hour away, so
 * everyone waits in the pre-queue and no status changes; `--room open`: opened with a cap of 1, so one customer
 * is admitted and the others' places stay; `--room moving`: opened, 60 admissions a minute and no cap, so every
 * place moves and every stream gets a status a second, as in the 10,000-visitor bench), then N queue streams
 * open (64 at a time, each counted once its first status arrived; a 503 is retried) and stay open `--settle`
 * seconds. Measured at each step from
 * /proc/<pid>/status (VmRSS, its anonymous part RssAnon, VmHWM) and from inside the process (a probe loaded with
 * --import answers SIGHUP with process.memoryUsage() before and after a full GC; no route is added), and the
 * per-stream cost is (RSS with the streams − RSS after the joins) / N. Then the streams close and the process
 * is measured once more. Talks to 127.0.0.1 only; a watchdog stops everything after --max-minutes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { readConfig } from '../src/config.js';
import { createContext, type AppContext } from '../src/context.js';
import { createDb, createPool, migrateToLatest } from '../src/db/database.js';
import { createShowtimeWithSeats, createUsers } from './fixtures.js';
import {
  bundledServer,
  countInto,
  forEachBounded,
  formatCounts,
  killChildren,
  request,
  startNodeProcess,
} from './lib.js';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000,2500,5000' },
    room: { type: 'string', default: 'prequeue' },
    joins: { type: 'string', default: 'http' },
    concurrency: { type: 'string', default: '64' },
    settle: { type: 'string', default: '10' },
    snapshot: { type: 'string' },
    'node-options': { type: 'string', default: '' },
    bundled: { type: 'boolean', default: false },
    'max-minutes': { type: 'string', default: '10' },
    diff: { type: 'boolean', default: false },
    per: { type: 'string', default: '1' },
    top: { type: 'string', default: '25' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

// ---- heap snapshots, read offline ----

interface HeapSummary {
  total: number;
  byKey: Map<string, { count: number; size: number }>;
}

/** Self sizes of a .heapsnapshot grouped by kind: constructor name for objects, function name for closures. */
async function summarizeHeap(file: string): Promise<HeapSummary> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const byKey = new Map<string, { count: number; size: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const size = snap.nodes[i + iSize]!;
    total += size;
    let key: string;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') key = '(string)';
    else if (type === 'number' || type === 'code' || type === 'regexp' || type === 'bigint')
      key = `(${type})`;
    else {
      const name = snap.strings[snap.nodes[i + iName]!] ?? '';
      key = `${type === 'object' ? '' : `${type}: `}${name.length > 70 ? `${name.slice(0, 67)}...` : name}`;
    }
    const k = byKey.get(key);
    if (k) {
      k.count++;
      k.size += size;
    } else byKey.set(key, { count: 1, size });
  }
  return { total, byKey };
}

/** What B holds that A does not, per kind, divided by `per` (the streams opened between the two). */
async function printHeapDiff(a: string, b: string, per: number, top: number): Promise<void> {
  const [x, y] = [await summarizeHeap(a), await summarizeHeap(b)];
  const rows = [...new Set([...x.byKey.keys(), ...y.byKey.keys()])].map((key) => {
    const before = x.byKey.get(key) ?? { count: 0, size: 0 };
    const after = y.byKey.get(key) ?? { count: 0, size: 0 };
    return { key, count: after.count - before.count, size: after.size - before.size };
  });
  rows.sort((p, q) => q.size - p.size);
  console.log(
    `\nheap snapshot diff: ${(x.total / 2 ** 20).toFixed(1)} → ${(y.total / 2 ** 20).toFixed(1)} MiB live ` +
      `(+${((y.total - x.total) / per / 1024).toFixed(2)} KiB per stream over ${per})`,
  );
  console.log('| kind (constructor / closure / native) | count per stream | bytes per stream |');
  console.log('|---|---:|---:|');
  for (const r of rows.slice(0, top))
    console.log(
      `| ${r.key.replace(/\|/g, '\\|')} | ${(r.count / per).toFixed(2)} | ${(r.size / per).toFixed(0)} |`,
    );
}

if (args.help) {
  console.log(`npx tsx bench/queue-streams-rss.ts [options]   (BENCH_DATABASE_URL: a PostgreSQL server, required)

  --streams LIST        streams to open, one fresh API process per count (default 1000,2500,5000)
  --room MODE           prequeue: on-sale an hour away, nobody's status changes (default); open: opened with a cap
                        of 1, places stay; moving: opened, 60 admitted a minute, every stream gets a status a second
  --joins http|db       POST …/queue at --concurrency, or entries written straight to the database (default http)
  --concurrency N       joins and stream openings in flight (default 64)
  --settle S            seconds the streams stay open before the measurement (default 10)
  --snapshot DIR        heap snapshots after the joins and with the streams open, diffed per stream (writing a
                        snapshot grows the RSS by far more than the streams do: measure RSS in a run without)
  --node-options="…"    extra node flags for the API process
  --bundled             the API process runs bench/server.ts bundled with esbuild as \`npm start\` runs dist/
                        (plain JavaScript, --enable-source-maps) instead of under tsx
  --max-minutes M       watchdog (default 10)
  --diff A B --per N    diff two heap snapshots per N streams, and exit`);
  process.exit(0);
}
const num = (name: keyof typeof args): number => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
};
if (args.diff) {
  const [a, b] = process.argv.slice(2).filter((x) => x.endsWith('.heapsnapshot'));
  if (!a || !b) throw new Error('--diff A.heapsnapshot B.heapsnapshot');
  await printHeapDiff(a, b, num('per'), num('top'));
  process.exit(0);
}

const COUNTS = args.streams.split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 0 || n > 20_000) throw new Error('--streams: counts from 0 to 20000');
  return n;
});
if (!['prequeue', 'open', 'moving'].includes(args.room)) throw new Error('--room prequeue|open|moving');
if (args.joins !== 'http' && args.joins !== 'db') throw new Error('--joins http|db');
const CONCURRENCY = num('concurrency');
const WARMUP = 50;

const watchdog = setTimeout(
  () => {
    console.error(`queue-streams-rss: still running after --max-minutes ${args['max-minutes']}; stopping`);
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

/**
 * Loaded into the API process with --import: on SIGHUP it prints its memory before and after a full GC (the
 * process runs with --expose-gc). Nothing is added to the app.
 */
const PROBE = `
import v8 from 'node:v8';
process.on('SIGHUP', () => {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  const before = process.memoryUsage();
  globalThis.gc();
  const after = process.memoryUsage();
  process.stdout.write('MEM ' + JSON.stringify({ before, after, spaces }) + '\\n');
});`;

interface Result {
  n: number;
  opened: number;
  samples: Sample[];
  answers: Map<string, number>;
  /** Status events the streams received a second while settling. */
  perSecond: number;
  /** The API process's CPU while settling, in % of one core. */
  cpuPercent: number;
  /** The API process's CPU per join (HTTP joins only) and per stream opened, in ms. */
  cpuPerJoin: number;
  cpuPerOpen: number;
}

interface Probe {
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  /** Committed bytes per V8 heap space (new_space, old_space, ...), before the GC. */
  spaces: Record<string, number>;
}

interface Sample {
  label: string;
  rss: number;
  anon: number;
  hwm: number;
  heapUsed: number;
  heapTotal: number;
  newSpace: number;
  external: number;
  heapUsedAfterGc: number;
  heapTotalAfterGc: number;
  rssAfterGc: number;
}

/** CPU time (user + system) of a process so far, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) ".
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** /proc/<pid>/status fields in MiB. */
async function procStatus(pid: number): Promise<{ rss: number; anon: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), hwm: kb('VmHWM') };
}

async function main(): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl)
    throw new Error(
      'BENCH_DATABASE_URL: a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres',
    );
  const loadAtStart = os.loadavg();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'matinee-qs-'));
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
    DATA_DIR: path.join(tmp, 'data'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    // One address sends everything: the anti-abuse limits are not what is measured (as in bench/run.ts).
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000000',
    WORKER_IN_PROCESS: 'false',
    SEED_DEMO_DATA: 'false',
  };
  const config = readConfig(env);
  const migrationDb = createDb(createPool(config.databaseUrl!, { max: 1 }));
  await migrateToLatest(migrationDb);
  await migrationDb.destroy();
  const ctx = createContext(config, { logger: pino({ level: 'silent' }) });
  const snapshotDir = args.snapshot ? path.resolve(args.snapshot) : undefined;
  if (snapshotDir) await mkdir(snapshotDir, { recursive: true });
  const results: Result[] = [];
  const bundle = args.bundled ? await bundledServer('queue-streams-server') : undefined;
  try {
    const userIds = await createUsers(ctx.db, Math.max(WARMUP, ...COUNTS));
    const bearers = await Promise.all(
      userIds.map((id) => ctx.tokens.issue({ userId: id, role: 'customer' })),
    );
    for (const n of COUNTS) {
      console.error(`${n} streams…`);
      results.push(await measure(n, ctx, userIds, bearers, env, snapshotDir, bundle));
    }
  } finally {
    killChildren();
    await ctx.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await rm(tmp, { recursive: true, force: true });
  }

  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; load average ` +
      `${load(loadAtStart)} at start, ${load(os.loadavg())} at end; --room ${args.room} --joins ${args.joins}` +
      (args.bundled ? ' --bundled' : '') +
      (args['node-options'] ? ` --node-options "${args['node-options']}"` : '') +
      (process.env.MALLOC_ARENA_MAX ? ` MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}` : ''),
  );
  if (args.snapshot)
    console.log("(heap snapshots were written: the RSS after the first one is not the streams' cost)");
  const f = (x: number) => x.toFixed(0);
  console.log(
    '\nMiB: RSS (of which anonymous), JS heap used / total (of which the young generation), and after a forced ' +
      'full GC\n\n' +
      '| N | step | RSS | anon | heap used / total (young) | external | after GC: heap used / total | RSS | VmHWM |\n' +
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of results)
    for (const s of r.samples)
      console.log(
        `| ${r.n} | ${s.label} | ${f(s.rss)} | ${f(s.anon)} | ${f(s.heapUsed)} / ${f(s.heapTotal)} (${f(s.newSpace)}) | ` +
          `${f(s.external)} | ${f(s.heapUsedAfterGc)} / ${f(s.heapTotalAfterGc)} | ${f(s.rssAfterGc)} | ${f(s.hwm)} |`,
      );
  console.log(
    "\nKiB per stream (streams − after joins) / N, and per visitor (streams − idle) / N; the API process's " +
      'CPU per join and per stream opened; status events the streams received and the API CPU while settling\n\n' +
      '| N | streams open | CPU ms / join | CPU ms / open | events/s | API CPU % | RSS / stream | heap / stream (after GC) | RSS / visitor | peak (VmHWM) MiB | answers |\n' +
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of results) {
    const at = (label: string) => r.samples.find((s) => s.label === label)!;
    const [idle, joined, open] = [at('idle'), at('after joins'), at('streams open')];
    const per = (mib: number) => (r.opened ? ((mib * 1024) / r.opened).toFixed(1) : '–');
    console.log(
      `| ${r.n} | ${r.opened} | ${r.cpuPerJoin.toFixed(2)} | ${r.cpuPerOpen.toFixed(2)} | ${r.perSecond.toFixed(0)} | ${r.cpuPercent.toFixed(0)} | ${per(open.rss - joined.rss)} | ${per(open.heapUsedAfterGc - joined.heapUsedAfterGc)} | ` +
        `${per(open.rss - idle.rss)} | ${f(open.hwm)} | ${formatCounts(r.answers)} |`,
    );
  }
}

async function measure(
  n: number,
  ctx: AppContext,
  userIds: string[],
  bearers: string[],
  env: Record<string, string>,
  snapshotDir: string | undefined,
  bundle: string[] | undefined,
): Promise<Result> {
  const app = await startNodeProcess(
    [
      ...(bundle ? [bundle[0]!] : ['--import', 'tsx']),
      '--expose-gc',
      ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : []),
      ...args['node-options'].split(/\s+/).filter(Boolean),
      '--import',
      `data:text/javascript,${encodeURIComponent(PROBE)}`,
      bundle ? bundle[1]! : 'bench/server.ts',
    ],
    { ...process.env, ...env, BENCH_POOL: '16', BENCH_PROCESSES: '1' },
  );
  const { db, tokens } = ctx;
  const pid = app.pid;
  const probes: Probe[] = [];
  let waiting: ((p: Probe) => void) | undefined;
  let seen = '';
  app.child.stdout!.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    let end: number;
    while ((end = seen.indexOf('\n')) >= 0) {
      const line = seen.slice(0, end);
      seen = seen.slice(end + 1);
      if (!line.startsWith('MEM ')) continue;
      const p = JSON.parse(line.slice(4)) as Probe;
      probes.push(p);
      waiting?.(p);
    }
  });
  const probe = () =>
    new Promise<Probe>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the memory probe did not answer')), 120_000);
      waiting = (p) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(p);
      };
      process.kill(pid, 'SIGHUP');
    });
  const samples: Sample[] = [];
  const MiB = 2 ** 20;
  const sample = async (label: string) => {
    const proc = await procStatus(pid); // before the probe's GC
    const p = await probe();
    const after = await procStatus(pid);
    samples.push({
      label,
      ...proc,
      heapUsed: p.before.heapUsed / MiB,
      heapTotal: p.before.heapTotal / MiB,
      newSpace: (p.spaces.new_space ?? NaN) / MiB,
      external: p.before.external / MiB,
      heapUsedAfterGc: p.after.heapUsed / MiB,
      heapTotalAfterGc: p.after.heapTotal / MiB,
      rssAfterGc: after.rss,
    });
    console.error(
      `  ${label}: RSS ${proc.rss.toFixed(0)} MiB, heap ${(p.before.heapUsed / MiB).toFixed(0)} MiB ` +
        `(${(p.after.heapUsed / MiB).toFixed(0)} after GC), VmHWM ${proc.hwm.toFixed(0)} MiB`,
    );
  };
  const snapshot = async (label: string): Promise<string | undefined> => {
    if (!snapshotDir) return undefined;
    const before = new Set(await readdir(snapshotDir));
    process.kill(pid, 'SIGUSR2');
    await probe(); // answered only once the snapshot (written on the main thread) is complete
    const file = (await readdir(snapshotDir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    console.error(`  heap snapshot ${label}: ${file}`);
    return file && path.join(snapshotDir, file);
  };

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const answers = new Map<string, number>();
  const open = new Set<http.ClientRequest>();
  let events = 0;
  const stream = async (showtimeId: string, i: number): Promise<boolean> => {
    const { token } = await tokens.issueStreamToken({ userId: userIds[i]!, showtimeId, tokenVersion: 0 });
    for (let attempt = 0; attempt < 6; attempt++) {
      const status = await new Promise<number>((resolve) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port: app.port,
            path: `/api/v1/showtimes/${showtimeId}/queue/stream?token=${encodeURIComponent(token)}`,
            agent: false,
          },
          (res) => {
            if (res.statusCode !== 200) {
              res.resume();
              return resolve(res.statusCode ?? 0);
            }
            open.add(req);
            res.setEncoding('utf8');
            let first = true;
            res.on('data', (chunk: string) => {
              if (!chunk.includes('event: status')) return;
              events++;
              if (first) {
                first = false;
                resolve(200);
              }
            });
            res.on('close', () => {
              open.delete(req);
              resolve(0);
            });
          },
        );
        req.setTimeout(60_000, () => req.destroy());
        req.on('error', () => resolve(0));
      });
      countInto(answers, `stream ${status}`);
      if (status === 200) return true;
      if (status !== 503 && status !== 0) return false;
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
    }
    return false;
  };
  const closeStreams = async () => {
    for (const req of open) req.destroy();
    open.clear();
    await new Promise((r) => setTimeout(r, 3000));
  };
  const join = async (showtimeId: string, i: number) => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const a = await request(agent, app.port, {
        method: 'POST',
        path: `/api/v1/showtimes/${showtimeId}/queue`,
        headers: { authorization: `Bearer ${bearers[i]}` },
        timeoutMs: 30_000,
      }).catch(() => ({ status: 0 }));
      countInto(answers, `join ${a.status}`);
      if (a.status !== 503 && a.status !== 0) return;
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
    }
  };
  const room = async (mode: string) => {
    const st = await createShowtimeWithSeats(db, 4, 10);
    // Prequeue: the on-sale time is an hour away. Open: the tick opens it; a cap of 1 admits one customer.
    // Moving: one admitted a second (the burst credit aside), no cap. Entries written straight to the database go
    // in before the opening, which then follows by hand.
    const [rate, cap] = mode === 'prequeue' || mode === 'open' ? [1, 1] : [60, null];
    const inSeconds = mode === 'prequeue' || args.joins === 'db' ? 3600 : 0;
    await sql`INSERT INTO waiting_rooms (showtime_id, on_sale_at, admit_per_minute, max_active)
              VALUES (${st.id}, now() + make_interval(secs => ${inSeconds}), ${rate}, ${cap})`.execute(db);
    return st.id;
  };

  try {
    // Warm-up: the join and stream paths compiled and the pool's connections open before "idle" is measured.
    const warm = await room('prequeue');
    await forEachBounded(WARMUP, CONCURRENCY, (i) => join(warm, i));
    await forEachBounded(WARMUP, CONCURRENCY, async (i) => void (await stream(warm, i)));
    await closeStreams();
    answers.clear();
    await sample('idle');

    const showtimeId = await room(args.room);
    const cpuAtJoins = await cpuSeconds(pid);
    if (args.joins === 'http') await forEachBounded(n, CONCURRENCY, (i) => join(showtimeId, i));
    else {
      // Into the pre-queue before the opening (room() left it an hour away): an entry written after the shuffle
      // would never get a position.
      await sql`INSERT INTO waiting_room_entries (showtime_id, user_id)
                SELECT ${showtimeId}, u FROM unnest(${userIds.slice(0, n)}::uuid[]) u`.execute(db);
      if (args.room !== 'prequeue')
        await sql`UPDATE waiting_rooms SET on_sale_at = now() WHERE showtime_id = ${showtimeId}`.execute(db);
    }
    const cpuPerJoin = args.joins === 'http' ? (((await cpuSeconds(pid)) - cpuAtJoins) / n) * 1000 : NaN;
    if (args.room !== 'prequeue') {
      // Wait for the tick's opening (the shuffle gives every entry its position), so the streams open after it.
      let opened = false;
      for (let t = 0; t < 60 && !opened; t++) {
        const r = await sql<{ opened: boolean }>`
          SELECT opened_at IS NOT NULL AS opened FROM waiting_rooms WHERE showtime_id = ${showtimeId}`.execute(
          db,
        );
        opened = r.rows[0]?.opened ?? false;
        if (!opened) await new Promise((r) => setTimeout(r, 500));
      }
      if (!opened) throw new Error('the waiting room did not open within 30 s');
    }
    await sample('after joins');
    const before = await snapshot('after joins');

    let opened = 0;
    const t0 = performance.now();
    const cpuAtOpen = await cpuSeconds(pid);
    await forEachBounded(n, CONCURRENCY, async (i) => {
      if (await stream(showtimeId, i)) opened++;
    });
    const cpuPerOpen = (((await cpuSeconds(pid)) - cpuAtOpen) / Math.max(1, opened)) * 1000;
    console.error(`  ${opened} of ${n} streams open in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const eventsBefore = events;
    const cpuBefore = await cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, num('settle') * 1000));
    const cpuPercent = (((await cpuSeconds(pid)) - cpuBefore) / num('settle')) * 100;
    const perSecond = (events - eventsBefore) / num('settle');
    const admitted = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM waiting_room_entries WHERE showtime_id = ${showtimeId} AND admitted_at IS NOT NULL`.execute(
      db,
    );
    console.error(
      `  ${perSecond.toFixed(0)} status events a second while settling; ${admitted.rows[0]?.n ?? 0} admitted so far`,
    );
    await sample('streams open');
    const withStreams = await snapshot('streams open');
    await closeStreams();
    await sample('streams closed');
    if (before && withStreams) await printHeapDiff(before, withStreams, Math.max(1, opened), num('top'));
    return { n, opened, samples, answers, perSecond, cpuPercent, cpuPerJoin, cpuPerOpen };
  } finally {
    agent.destroy();
    for (const req of open) req.destroy();
    await app.stop(30_000);
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
