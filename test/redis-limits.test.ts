import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/**
 * Redis where it belongs (issue 13, item 2): with REDIS_URL the rate limits are counted once for all API
 * processes; when Redis goes away mid-run every process keeps answering and counts on its own (and says so in
 * matinee_redis_up), and when Redis returns the shared counters take over again. Its own redis-server, so the
 * test can stop and start it (never the machine's shared one).
 */
let port: number;
let redis: ChildProcess | undefined;
let a: TestApp;
let b: TestApp;

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise<void>((resolve, reject) => {
    redis!.once('spawn', () => resolve());
    redis!.once('error', reject);
  });
}

async function stopRedis(): Promise<void> {
  const r = redis;
  redis = undefined;
  if (!r || r.exitCode !== null) return;
  const gone = new Promise((resolve) => r.once('exit', resolve));
  r.kill('SIGKILL');
  await gone;
}

async function redisUp(t: TestApp): Promise<number> {
  return (await t.ctx.metrics.redisUp.get()).values[0]?.value ?? -1;
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** An anonymous catalog request from one client address. */
const browse = (t: TestApp, ip: string) =>
  t.app.inject({ url: '/api/v1/theaters', remoteAddress: ip }).then((r) => r.statusCode);

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  const env = { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_ANONYMOUS_PER_MINUTE: '6' };
  a = await createTestApp({ env });
  b = await createTestApp({ env, shareDatabaseOf: a });
  await until('both processes connected', async () => (await redisUp(a)) === 1 && (await redisUp(b)) === 1);
}, 60_000);

afterAll(async () => {
  await b?.close();
  await a?.close();
  await stopRedis();
});

describe('rate limits shared through Redis', () => {
  it('counts one client once across two API processes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await browse(a, '198.51.100.7'));
    for (let i = 0; i < 3; i++) statuses.push(await browse(b, '198.51.100.7'));
    // 6 per minute in all, not 6 per process.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(await browse(a, '198.51.100.7')).toBe(429);
    expect(await browse(a, '198.51.100.8')).toBe(200);
  });

  it('keeps answering when Redis goes away, counting per process, and shares again when it is back', async () => {
    await stopRedis();
    await until('both processes noticed', async () => (await redisUp(a)) === 0 && (await redisUp(b)) === 0);
    // Still served, never a 5xx; each process now counts alone (6 each).
    const aAlone: number[] = [];
    const bAlone: number[] = [];
    for (let i = 0; i < 7; i++) aAlone.push(await browse(a, '203.0.113.9'));
    for (let i = 0; i < 7; i++) bAlone.push(await browse(b, '203.0.113.9'));
    expect(aAlone).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(bAlone).toEqual([200, 200, 200, 200, 200, 200, 429]);
    const metrics = await a.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^matinee_redis_up 0$/m);

    await startRedis(); // a fresh, empty Redis on the same port
    await until(
      'both processes reconnected',
      async () => (await redisUp(a)) === 1 && (await redisUp(b)) === 1,
    );
    const shared: number[] = [];
    for (let i = 0; i < 4; i++) shared.push(await browse(a, '203.0.113.10'));
    for (let i = 0; i < 3; i++) shared.push(await browse(b, '203.0.113.10'));
    expect(shared).toEqual([200, 200, 200, 200, 200, 200, 429]);
  }, 60_000);
});
