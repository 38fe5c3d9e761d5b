import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, type ApiProcess } from './helpers/api-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

/**
 * `npm run start:cluster` (issue 13, item 3): API processes sharing one port plus a worker, restarted when one
 * dies, all stopped by one SIGTERM. The real bundle in real processes.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
let db: TestDatabase;
let cluster: ApiProcess;

/** The children of a process, by the bundle each runs (from /proc: no ps needed). */
function childrenOf(pid: number): Array<{ pid: number; bundle: string }> {
  const out: Array<{ pid: number; bundle: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const bundle = cmd.find((a) => a.includes('dist/main/')) ?? cmd.join(' ');
      out.push({ pid: Number(entry), bundle: path.basename(bundle) });
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a.bundle.localeCompare(b.bundle) || a.pid - b.pid);
}

/** The processes holding the server side of established connections to `port` (ss, from iproute2). */
function processesServing(port: number): Set<number> {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], {
    encoding: 'utf8',
  });
  return new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  db = await createTestDatabase();
  cluster = await startApiProcess({
    root: ROOT,
    name: 'cluster',
    entry: 'cluster',
    readyTimeoutMs: 90_000,
    env: {
      DATABASE_URL: db.url,
      API_PROCESSES: '2',
      SEED_DEMO_DATA: 'false',
      JWT_SECRET: 'cluster-test-secret-cluster-test-secret-0123',
      LOG_LEVEL: 'info',
    },
  });
  // Ready means one API process answers; wait for both.
  const deadline = Date.now() + 60_000;
  while (cluster.grep(/from 2 API processes and a worker/).length === 0 && Date.now() < deadline)
    await sleep(100);
}, 180_000);

afterAll(async () => {
  await cluster?.kill('SIGKILL');
  await db?.drop();
});

describe('npm run start:cluster', () => {
  it('runs two API processes on one port plus a worker, and both answer', async () => {
    expect(cluster.grep(/from 2 API processes and a worker/), cluster.tail(60)).toHaveLength(1);
    const children = childrenOf(cluster.child.pid!);
    expect(children.map((c) => c.bundle)).toEqual(['api.js', 'api.js', 'worker.js']);
    // The primary hands each new connection to the next process in turn: hold 6 open and see who serves them.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    try {
      await Promise.all(
        Array.from(
          { length: 6 },
          () =>
            new Promise<void>((resolve, reject) => {
              http
                .get(`${cluster.base}/api/v1/health/ready`, { agent }, (res) => {
                  expect(res.statusCode).toBe(200);
                  res.resume().on('end', () => resolve());
                })
                .on('error', reject);
            }),
        ),
      );
      const serving = processesServing(Number(new URL(cluster.base).port));
      const apiPids = children.filter((c) => c.bundle === 'api.js').map((c) => c.pid);
      expect([...serving].sort()).toEqual(apiPids.sort());
    } finally {
      agent.destroy();
    }
  });

  it('replaces an API process that dies, and keeps answering meanwhile', async () => {
    const [victim, survivor] = childrenOf(cluster.child.pid!).filter((c) => c.bundle === 'api.js');
    process.kill(victim!.pid, 'SIGKILL');
    // The survivor answers while the replacement starts. A connection the primary accepted at the instant of the
    // kill can be handed to the dead process and never answered (as behind any balancer, the client retries).
    const ready = async (): Promise<number> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const res = await fetch(`${cluster.base}/api/v1/health/ready`, {
            signal: AbortSignal.timeout(5_000),
          });
          return res.status;
        } catch {
          // retried on a new connection
        }
      }
      return 0;
    };
    for (let i = 0; i < 5; i++) expect(await ready()).toBe(200);
    const deadline = Date.now() + 120_000;
    let apis = childrenOf(cluster.child.pid!).filter((c) => c.bundle === 'api.js');
    while ((apis.length < 2 || cluster.grep(/from 2 API processes/).length < 2) && Date.now() < deadline) {
      await sleep(200);
      apis = childrenOf(cluster.child.pid!).filter((c) => c.bundle === 'api.js');
    }
    expect(apis.map((c) => c.pid)).toContain(survivor!.pid);
    expect(apis.map((c) => c.pid)).not.toContain(victim!.pid);
    expect(apis).toHaveLength(2);
    expect(cluster.grep(/api process exited; starting another/)).toHaveLength(1);
  }, 180_000);

  it('stops every process on one SIGTERM and exits 0', async () => {
    const children = childrenOf(cluster.child.pid!);
    expect(children).toHaveLength(3);
    const exited = new Promise<number | null>((resolve) =>
      cluster.child.once('exit', (code) => resolve(code)),
    );
    cluster.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const c of children) expect(() => process.kill(c.pid, 0)).toThrow();
    expect(cluster.grep(/SIGTERM: shutting down/)).toHaveLength(3);
  }, 60_000);
});
