import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool, migrateToLatest } from '../src/db/database.js';
import { TokenService } from '../src/http/tokens.js';
import { JobQueue } from '../src/jobs/queue.js';
import pino from 'pino';
import { startApiProcess, waitReady, type ApiProcess } from './helpers/api-process.js';
import {
  DOUBLE_SEAT_SQL,
  OVERAGE_HOLD_SQL,
  auditDatabase,
  auditHistory,
  operationCounts,
  outstanding,
  paymentCounts,
  waitForSettlement,
  type Finding,
} from './history/audit.js';
import { createDatabase, startTestCluster, type TestCluster } from './history/cluster.js';
import { childSeed, createRng } from './history/prng.js';
import { HistoryClient, request, type Op, type ShowtimeSeats, type World } from './history/workload.js';
import { createShowtime } from './helpers/fixtures.js';

/**
 * A randomized history test, Jepsen-style: many customers hold, pay (good, declined, failing and slow cards),
 * replay, cancel, refund and get scanned at the door, against two real API processes, while one API process is
 * SIGKILLed and the PostgreSQL server is restarted in immediate mode. Then the checker audits the database and
 * the gateway's ledger against what must always hold, and the history against what the clients were told.
 *
 * HISTORY_SECONDS (60), HISTORY_CLIENTS (64) and HISTORY_SEED (random, printed) shape a run; HISTORY_SEED
 * replays the clients' choices (not the timing). HISTORY_SETTLE_SECONDS (60) caps the wait for settlement. The
 * API settings below can be overridden from the environment. A short local run:
 *   HISTORY_SECONDS=20 HISTORY_CLIENTS=16 npx vitest run test/history.test.ts
 * The PostgreSQL server is the test's own (test/history/cluster.ts); the suite's shared server is not touched.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILE_STARTED = Date.now();
const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && process.env[name] !== '' && process.env[name] !== undefined ? v : fallback;
};
const SECONDS = envInt('HISTORY_SECONDS', 60);
const CLIENTS = envInt('HISTORY_CLIENTS', 64);
const SEED = envInt('HISTORY_SEED', randomBytes(4).readUInt32BE(0));
const SETTLE_MAX_SECONDS = envInt('HISTORY_SETTLE_SECONDS', 60);
const SHOWTIME_ROUND_SECONDS = 15;
const SHOWTIMES_PER_ROUND = 2;

/** Tight timings so that every mechanism (expiry, settlement window, late charges, sweep) runs many times. */
const SETTINGS = {
  PAYMENT_TIMEOUT_MS: envInt('PAYMENT_TIMEOUT_MS', 1000),
  SIM_GATEWAY_SLOW_CARD_MS: envInt('SIM_GATEWAY_SLOW_CARD_MS', 2500),
  PAYMENT_SETTLEMENT_WINDOW_SECONDS: envInt('PAYMENT_SETTLEMENT_WINDOW_SECONDS', 6),
  HOLD_TTL_SECONDS: envInt('HOLD_TTL_SECONDS', 4),
  HOLD_MAX_LIFETIME_SECONDS: envInt('HOLD_MAX_LIFETIME_SECONDS', 10),
  MAX_PAYMENT_ATTEMPTS_PER_HOLD: envInt('MAX_PAYMENT_ATTEMPTS_PER_HOLD', 5),
  MAX_SEATS_PER_SHOWTIME_PER_USER: envInt('MAX_SEATS_PER_SHOWTIME_PER_USER', 8),
  MAX_ACTIVE_HOLDS_PER_USER: envInt('MAX_ACTIVE_HOLDS_PER_USER', 2),
  SWEEP_INTERVAL_SECONDS: envInt('SWEEP_INTERVAL_SECONDS', 1),
  RATE_LIMIT_PER_MINUTE: 1_000_000,
  RATE_LIMIT_AUTH_PER_MINUTE: 1_000_000,
};
/**
 * The whole file (set-up, run, settlement, audit, clean-up) stays under three minutes at the defaults: the
 * settlement wait gets what is left of FILE_BUDGET_MS. Longer local runs get proportionally more.
 */
const FILE_BUDGET_MS = Math.max(170_000, (SECONDS + SETTLE_MAX_SECONDS + 50) * 1000);
const TEST_TIMEOUT_MS = FILE_BUDGET_MS;
const REQUEST_TIMEOUT_MS = 10_000;

const log = (...args: unknown[]) => console.log('[history]', ...args);

let cluster: TestCluster | undefined;
let pool: pg.Pool | undefined;
let dataDir: string | undefined;
let databaseUrl = '';
const processes: ApiProcess[] = [];
const secret = randomBytes(24).toString('hex');
const admin = { email: 'history-admin@example.com', password: randomBytes(12).toString('hex') };
const showtimes: ShowtimeSeats[] = [];
let tokens: string[] = [];
let adminToken = '';
/** Set by the clean-up, so client loops of a run that timed out stop too. */
let aborted = false;

function apiEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    DATA_DIR: dataDir!,
    SEED_DEMO_DATA: 'false',
    WORKER_IN_PROCESS: 'true',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, String(v)])),
  };
}

let apiCounter = 0;
/** Starts still under way: clean-up waits for them, so no process is left behind. */
const starting = new Set<Promise<ApiProcess>>();
async function startApi(): Promise<ApiProcess> {
  const started = startApiProcess({ root: ROOT, name: `api-${++apiCounter}`, env: apiEnv() });
  starting.add(started);
  try {
    const api = await started;
    processes.push(api);
    return api;
  } finally {
    starting.delete(started);
  }
}

async function post<T>(base: string, url: string, body: unknown, token?: string): Promise<T> {
  const res = await request(base, 'POST', url, { body, token, timeoutMs: 30_000 });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(res.json)}`);
  }
  return res.json as T;
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  cluster = await startTestCluster(log);
  databaseUrl = await createDatabase(cluster.adminUrl, 'matinee_history');
  pool = createPool(databaseUrl, { max: 4, statementTimeoutMs: 20_000 });
  const db = createDb(pool);
  await migrateToLatest(db);
  dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-history-data-'));

  const rounds = Math.ceil(SECONDS / SHOWTIME_ROUND_SECONDS) + 1;
  for (let i = 0; i < rounds * SHOWTIMES_PER_ROUND; i++) {
    // Doors open two hours before the start, refunds close at the start: an hour from now allows both.
    const st = await createShowtime(db, { rows: 6, seatsPerRow: 10, startsInMinutes: 60 + i });
    showtimes.push({ id: st.showtimeId, seatIds: st.seatIds });
  }

  log(`catalog ready at ${((Date.now() - FILE_STARTED) / 1000).toFixed(1)}s`);

  // pg-boss's schema is installed once here, so the two API processes can start side by side.
  const jobs = new JobQueue({ databaseUrl, logger: pino({ level: 'silent' }), role: 'api' });
  await jobs.start();
  await jobs.stop();
  const [first] = await Promise.all([startApi(), startApi()]);
  log(`two API processes ready at ${((Date.now() - FILE_STARTED) / 1000).toFixed(1)}s`);
  adminToken = (await post<{ token: string }>(first.base, '/api/v1/auth/login', admin)).token;
  // Customers are inserted directly with tokens minted here: 64 scrypt sign-ups would cost the run its budget.
  const users = await db
    .insertInto('users')
    .values(
      Array.from({ length: CLIENTS }, (_, i) => ({
        email: `history-${i}-${SEED}@example.com`,
        name: `Customer ${i}`,
        phone: null,
        password_hash: 'x',
      })),
    )
    .returning('id')
    .execute();
  const issuer = new TokenService(secret, 3600);
  tokens = await Promise.all(users.map((u) => issuer.issue({ userId: u.id, role: 'customer' })));
  log(`set up in ${((Date.now() - FILE_STARTED) / 1000).toFixed(1)}s`);
}, 120_000);

afterAll(async () => {
  aborted = true;
  await Promise.allSettled([...starting]);
  for (const p of processes) {
    if (!p.exit) await p.kill('SIGKILL').catch(() => undefined);
  }
  await pool?.end().catch(() => undefined);
  await cluster?.destroy().catch((err: unknown) => log('could not stop the test cluster', err));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('randomized history: crashes, a database restart, and an audit of money and seats', () => {
  it(
    `keeps every invariant across ${CLIENTS} clients for ${SECONDS} s`,
    async () => {
      const db = pool!;
      const history: Op[] = [];
      const findings: Finding[] = [];
      const faults: { at: string; what: string }[] = [];
      const recovery: Record<string, number | 'never'> = {};
      const monitor = {
        doubleSeats: new Map<string, unknown>(),
        overageHolds: new Map<string, unknown>(),
        samples: 0,
      };
      let opId = 0;
      let stopped = false;
      const t0 = Date.now();
      const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
      const slots: (ApiProcess | undefined)[] = processes.slice(0, 2);
      const unexpectedExits: {
        api: string;
        at: string;
        code: number | null;
        signal: string | null;
        tail: string;
      }[] = [];
      log(`seed ${SEED} (HISTORY_SEED=${SEED} replays the choices), ${CLIENTS} clients, ${SECONDS} s`);

      const world: World = {
        t0,
        stopped: () => stopped || aborted,
        apis: () => slots.filter((a): a is ApiProcess => !!a && !a.exit),
        showtimes: () => {
          const round = Math.floor((Date.now() - t0) / (SHOWTIME_ROUND_SECONDS * 1000));
          const from = Math.max(0, round - 1) * SHOWTIMES_PER_ROUND;
          return showtimes.slice(from, (round + 1) * SHOWTIMES_PER_ROUND);
        },
        adminToken,
        record: (op) => history.push(op),
        nextOpId: () => ++opId,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      };

      // An API process that dies on its own is a finding; a replacement keeps the history going.
      const replaceDead = async () => {
        for (let i = 0; i < slots.length; i++) {
          const api = slots[i];
          if (!api?.exit || api.exit.expected) continue;
          unexpectedExits.push({
            api: api.name,
            at: `${((api.exit.at - t0) / 1000).toFixed(1)}s`,
            code: api.exit.code,
            signal: api.exit.signal,
            tail: api.tail(15),
          });
          slots[i] = undefined;
          if (stopped || unexpectedExits.length > 4) continue;
          const next = await startApi().catch((err: unknown) => {
            log(`could not start a replacement for ${api.name}: ${String(err)}`);
            return undefined;
          });
          slots[i] = next;
          faults.push({
            at: at(),
            what: `replacement ${next?.name ?? '(failed)'} for ${api.name}, which died on its own`,
          });
        }
      };
      const watchdog = setInterval(() => void replaceDead(), 250);

      const monitorLoop = (async () => {
        const grace = SETTINGS.HOLD_MAX_LIFETIME_SECONDS + SETTINGS.PAYMENT_TIMEOUT_MS / 1000 + 1;
        while (!stopped) {
          await sleep(1000);
          try {
            const [doubles, overage] = await Promise.all([
              db.query<{ showtime_id: string; seat_id: string; claims: string[] }>(DOUBLE_SEAT_SQL),
              db.query<{ id: string; age_seconds: number }>(OVERAGE_HOLD_SQL, [grace]),
            ]);
            monitor.samples++;
            for (const d of doubles.rows)
              monitor.doubleSeats.set(`${d.showtime_id}/${d.seat_id}`, { at: at(), ...d });
            for (const h of overage.rows) monitor.overageHolds.set(h.id, { at: at(), ...h });
          } catch {
            // The database is restarting; the next sample will do.
          }
        }
      })();

      const faultPlan = (async () => {
        await sleep(SECONDS * 1000 * (20 / 60));
        const victim = slots[0];
        if (victim && !victim.exit) {
          await victim.kill('SIGKILL');
          faults.push({ at: at(), what: `SIGKILL ${victim.name}` });
          slots[0] = undefined;
          slots[0] = await startApi();
          faults.push({ at: at(), what: `started ${slots[0].name} in its place` });
        }
        await sleep(Math.max(0, t0 + SECONDS * 1000 * (35 / 60) - Date.now()));
        const before = world.apis();
        const { downMs } = await cluster!.restartImmediate();
        faults.push({
          at: at(),
          what: `PostgreSQL restarted (pg_ctl stop -m immediate; start), down ${downMs} ms`,
        });
        await Promise.all(
          before.map(async (api) => {
            const ms = await waitReady(api, 20_000);
            recovery[api.name] = ms ?? 'never';
          }),
        );
      })();

      const clients = tokens.map((token, i) =>
        new HistoryClient(i, token, createRng(childSeed(SEED, i)), world).run(),
      );
      await sleep(SECONDS * 1000);
      stopped = true;
      await Promise.all(clients);
      await faultPlan;
      await monitorLoop;
      clearInterval(watchdog);
      await replaceDead();
      const runEnded = Date.now();
      log(`clients stopped at ${at()} after ${history.length} operations`);

      // Late charges land, unknown attempts pass their settlement window, refunds finish, holds lapse.
      const minMs =
        SETTINGS.SIM_GATEWAY_SLOW_CARD_MS +
        SETTINGS.PAYMENT_SETTLEMENT_WINDOW_SECONDS * 1000 +
        SETTINGS.PAYMENT_TIMEOUT_MS +
        3 * SETTINGS.SWEEP_INTERVAL_SECONDS * 1000;
      // Keep ~15 s for the audit and the clean-up.
      const budgetLeft = FILE_BUDGET_MS - (Date.now() - FILE_STARTED) - 15_000;
      const settlement = await waitForSettlement(db, {
        minMs,
        maxMs: Math.max(minMs, Math.min(SETTLE_MAX_SECONDS * 1000, budgetLeft)),
      });
      log(`settlement: ${settlement.settled ? 'done' : 'NOT done'} after ${settlement.waitedMs} ms`);
      if (!settlement.settled) {
        findings.push({
          invariant: '(settlement) every payment, refund and hold settles after the clients stop',
          count:
            settlement.left.payments.length + settlement.left.refunds.length + settlement.left.holds.length,
          examples: [
            { paymentsPendingOrUnknown: settlement.left.payments.slice(0, 5) },
            { refundIntentsOpen: settlement.left.refunds.slice(0, 5) },
            { holdsStillLive: settlement.left.holds.slice(0, 5) },
          ],
        });
      }
      const unsettled = new Set(
        (await outstanding(db)).refunds
          .map((r) => (r as { id: string }).id)
          .filter((id): id is string => !!id),
      );

      const audit = await auditDatabase(
        db,
        {
          holdMaxLifetimeSeconds: SETTINGS.HOLD_MAX_LIFETIME_SECONDS,
          paymentTimeoutMs: SETTINGS.PAYMENT_TIMEOUT_MS,
        },
        unsettled,
      );
      findings.push(...audit.findings, ...(await auditHistory(db, history)));
      // A 500 is always a finding; show what the processes logged for it (pino level 50 = error).
      if (findings.some((f) => f.invariant === 'no 500 answers')) {
        for (const api of processes) {
          for (const line of api.grep(/"level":50/).slice(0, 5))
            log(`${api.name} error: ${line.slice(0, 2000)}`);
        }
      }
      if (monitor.doubleSeats.size > 0) {
        findings.push({
          invariant: '(a) no seat in two live bookings (sampled every second during the run)',
          count: monitor.doubleSeats.size,
          examples: [...monitor.doubleSeats.values()].slice(0, 8),
        });
      }
      if (monitor.overageHolds.size > 0) {
        findings.push({
          invariant: '(e) no hold alive past its maximum lifetime (sampled every second during the run)',
          count: monitor.overageHolds.size,
          examples: [...monitor.overageHolds.values()].slice(0, 8),
        });
      }
      if (unexpectedExits.length > 0) {
        findings.push({
          invariant: 'API processes survive the database restart (no process exits on its own)',
          count: unexpectedExits.length,
          examples: unexpectedExits,
        });
      }
      // A process that died is reported above; here, those that stayed up but did not serve again.
      const notRecovered = Object.entries(recovery).filter(
        ([name, ms]) => ms === 'never' && !unexpectedExits.some((e) => e.api === name),
      );
      if (notRecovered.length > 0) {
        findings.push({
          invariant: 'API processes are ready again within 20 s of the database, without a restart',
          count: notRecovered.length,
          examples: notRecovered.map(([api]) => api),
        });
      }

      log('operations by kind and outcome:', JSON.stringify(operationCounts(history), null, 1));
      log('payment requests by card:', JSON.stringify(paymentCounts(history), null, 1));
      log(
        'summary:',
        JSON.stringify(
          {
            seed: SEED,
            clients: CLIENTS,
            seconds: SECONDS,
            operations: history.length,
            faults,
            recoveryMs: recovery,
            monitorSamples: monitor.samples,
            settlementMs: settlement.waitedMs,
            ...audit.stats,
            runMs: runEnded - t0,
            totalMs: Date.now() - t0,
          },
          null,
          1,
        ),
      );
      const report = findings
        .map(
          (f) =>
            `\n✗ ${f.invariant}: ${f.count}\n${f.examples.map((e) => `    ${JSON.stringify(e)}`).join('\n')}`,
        )
        .join('\n');
      if (findings.length > 0) log(`${findings.length} invariants broken (seed ${SEED}):${report}`);
      expect(
        findings.map((f) => f.invariant),
        `invariants broken (seed ${SEED}):${report}`,
      ).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
