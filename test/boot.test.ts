import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/db/embedded.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a newcomer runs it: nothing configured, so an embedded PostgreSQL is initialised in DATA_DIR,
 * migrated and seeded. Slow by nature (initdb), so it is one test that covers boot, demo data, shutdown and a
 * warm restart.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` runs after its prestart step (the esbuild bundle of src/main/api.ts). */
const API_BUNDLE = path.join(ROOT, 'dist/main/api.js');
const READY_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 20_000;

interface Api {
  child: ChildProcess;
  port: number;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of a fresh machine: no database, no secrets, nothing but what we set. */
function freshEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR'];
  const env: NodeJS.ProcessEnv = {};
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key];
  return { ...env, DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development', LOG_LEVEL: 'info' };
}

beforeAll(() => {
  // npm start's prestart step: bundle the server (the web build is not needed to answer the API).
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
});

async function startApi(dataDir: string): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--enable-source-maps', API_BUNDLE], {
    cwd: ROOT,
    env: freshEnv(dataDir, port),
    stdio: ['ignore', 'pipe', 'pipe'],
    // own process group, so a failed test can kill the server and its PostgreSQL together
    detached: true,
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, port, output, exited };
}

function tail(api: Api, lines = 40): string {
  return api.output.slice(-lines).join('\n');
}

/** Polls /health/ready until 200; returns the ms it took from `since`. */
async function waitUntilReady(api: Api, since: number): Promise<number> {
  let exitedEarly = false;
  void api.exited.then(() => (exitedEarly = true));
  while (Date.now() - since < READY_TIMEOUT_MS) {
    if (exitedEarly) throw new Error(`the API exited before it was ready:\n${tail(api)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/health/ready`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (res.status === 200) return Date.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready within ${READY_TIMEOUT_MS / 1000} s:\n${tail(api)}`);
}

async function stopApi(api: Api): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  api.child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), EXIT_TIMEOUT_MS).unref());
  const result = await Promise.race([api.exited, timeout]);
  if (result === 'timeout')
    throw new Error(`no exit within ${EXIT_TIMEOUT_MS / 1000} s of SIGTERM:\n${tail(api)}`);
  return result;
}

/** As root the cluster may live outside DATA_DIR (see src/db/embedded.ts); DATA_DIR/pg-location says where. */
function clusterDir(dataDir: string): string {
  const location = path.join(dataDir, 'pg-location');
  return existsSync(location) ? readFileSync(location, 'utf8').trim() : path.resolve(dataDir, 'pg');
}

function postgresProcessesOn(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes('postgres') && line.includes(dir));
}

/** The value of the `ms` field of the first JSON log line whose msg starts with `prefix`. */
function loggedMs(api: Api, prefix: string): number | undefined {
  for (const line of api.output) {
    try {
      const entry = JSON.parse(line) as { msg?: string; ms?: number };
      if (entry.msg?.startsWith(prefix)) return entry.ms;
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

function seedLines(api: Api): string[] {
  return api.output.flatMap((line) => {
    try {
      const { msg } = JSON.parse(line) as { msg?: string };
      return msg?.startsWith('seed:') ? [msg] : [];
    } catch {
      return [];
    }
  });
}

describe('npm start on a fresh machine', () => {
  let dataDir: string | undefined;
  const started: Api[] = [];

  afterAll(async () => {
    for (const api of started) {
      if (api.child.exitCode === null && api.child.signalCode === null && api.child.pid) {
        try {
          process.kill(-api.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (dataDir) {
      const cluster = clusterDir(dataDir);
      if (cluster.startsWith('/var/lib/matinee/')) await rm(cluster, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('boots the embedded database, seeds the demo city, serves it, and shuts down cleanly', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-boot-'));

    // --- fresh start: initdb, migrations, first admin, demo seed ---
    let t0 = Date.now();
    const fresh = await startApi(dataDir);
    started.push(fresh);
    const freshMs = await waitUntilReady(fresh, t0);
    const base = `http://127.0.0.1:${fresh.port}/api/v1`;

    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@matinee.local', password: 'matinee-admin' }),
    });
    expect(login.status).toBe(200);
    const { token, user } = (await login.json()) as { token: string; user: { role: string } };
    expect(user.role).toBe('admin');

    const seeded = seedLines(fresh);
    expect(seeded.some((l) => /^seed: theaters \d+\/\d+ \(\d+ new\)/.test(l))).toBe(true);
    expect(seeded.at(-1)).toMatch(/^seed: done in .* added \d+ theaters/);

    const near = await fetch(`${base}/theaters?lat=40.7128&lng=-74.0060&radiusKm=20`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(near.status, await near.clone().text()).toBe(200);
    const { theaters } = (await near.json()) as { theaters: { id: string; distanceKm: number }[] };
    expect(theaters.length).toBeGreaterThanOrEqual(6);
    expect(theaters.every((t) => t.distanceKm <= 20)).toBe(true);

    const cluster = clusterDir(dataDir);
    expect(postgresProcessesOn(cluster).length).toBeGreaterThan(0);
    const freshExit = await stopApi(fresh);
    expect(freshExit, tail(fresh)).toEqual({ code: 0, signal: null });
    expect(postgresProcessesOn(cluster), 'embedded PostgreSQL still running after shutdown').toEqual([]);

    // --- warm restart on the same data folder: nothing to initialise, nothing to seed ---
    t0 = Date.now();
    const warm = await startApi(dataDir);
    started.push(warm);
    const warmMs = await waitUntilReady(warm, t0);
    expect(seedLines(warm).at(-1)).toMatch(/nothing to add/);
    const warmExit = await stopApi(warm);
    expect(warmExit, tail(warm)).toEqual({ code: 0, signal: null });
    expect(postgresProcessesOn(cluster)).toEqual([]);

    // The targets are < 15 s fresh and < 3 s warm; machines differ, so these are reported, not asserted.
    const inApp = (api: Api) => loggedMs(api, 'Matinee is serving');
    console.log(
      `boot timings: fresh start to ready ${freshMs} ms (in-process ${inApp(fresh)} ms), ` +
        `warm restart to ready ${warmMs} ms (in-process ${inApp(warm)} ms); ` +
        `embedded PostgreSQL up in ${loggedMs(fresh, 'embedded PostgreSQL is up')} ms fresh, ` +
        `${loggedMs(warm, 'embedded PostgreSQL is up')} ms warm`,
    );
  }, 180_000);
});
