import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Graceful overload (issue 13, item 4): a lagging event loop or a queue for database connections gets new
 * requests a quick 503 OVERLOADED with Retry-After, health checks and metrics still answer, and the service
 * serves again once the pressure is gone.
 */
let t: TestApp;
let user: TestUser;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '300',
      OVERLOAD_MAX_POOL_WAITING: '3',
      OVERLOAD_RETRY_AFTER_SECONDS: '7',
      NODE_ENV: 'development',
    },
  });
  user = await createUser(t.app, t.ctx);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const theaters = () => t.app.inject({ url: '/api/v1/theaters', headers: user.auth });

async function shedCount(reason: string): Promise<number> {
  const m = await t.ctx.metrics.shed.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** Polls `probe` until it answers `status` (bounded). */
async function until(status: number, probe: () => ReturnType<typeof theaters>, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await probe();
    if (res.statusCode === status || Date.now() > deadline) return res;
    await sleep(50);
  }
}

describe('load shedding', () => {
  it('answers 503 OVERLOADED with Retry-After while the event loop lags, and serves again after', async () => {
    // Served first (a test machine under load may lag on its own for a moment).
    expect((await until(200, theaters)).statusCode).toBe(200);
    let shed: Awaited<ReturnType<typeof theaters>> | undefined;
    let health: number | undefined;
    // Block the event loop 700 ms at a time (what a CPU-starved process feels like) until a request is shed.
    const deadline = Date.now() + 15_000;
    while (!shed && Date.now() < deadline) {
      const end = Date.now() + 700;
      while (Date.now() < end) {
        // busy
      }
      await sleep(1);
      const res = await theaters();
      if (res.statusCode === 503) {
        shed = res;
        health = (await t.app.inject({ url: '/api/v1/health/live' })).statusCode;
      }
    }
    expect(shed, 'no request was shed while the loop lagged').toBeDefined();
    expect(shed!.headers['retry-after']).toBe('7');
    expect(shed!.json()).toEqual({
      error: { code: 'OVERLOADED', message: expect.stringContaining('very busy') as string },
    });
    expect(health).toBe(200);
    expect(await shedCount('eventLoopDelay')).toBeGreaterThanOrEqual(1);
    expect((await until(200, theaters)).statusCode).toBe(200);
  }, 60_000);

  it('sheds while requests queue for database connections, and serves again once they are free', async () => {
    // Take every pooled connection, then queue 4 queries behind them: more than OVERLOAD_MAX_POOL_WAITING.
    const held: pg.PoolClient[] = [];
    const max = (t.ctx.pool as unknown as { options: { max: number } }).options.max;
    for (let i = 0; i < max; i++) held.push(await t.ctx.pool.connect());
    const queued = Array.from({ length: 4 }, () => t.ctx.pool.query('SELECT 1'));
    try {
      expect(t.ctx.pool.waitingCount).toBe(4);
      await sleep(300); // the queue is checked every 100 ms; a request let in before that would wait in it too
      const res = await theaters();
      expect(res.statusCode).toBe(503);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('OVERLOADED');
      expect(res.headers['retry-after']).toBe('7');
      expect((await t.app.inject({ url: '/api/v1/health/live' })).statusCode).toBe(200);
      const metrics = await t.app.inject({ url: '/metrics' });
      expect(metrics.body).toMatch(/matinee_db_pool_connections\{state="waiting"\} 4/);
      expect(metrics.body).toMatch(/matinee_requests_shed_total\{reason="healthCheck"\} [1-9]/);
    } finally {
      for (const c of held) c.release();
      await Promise.all(queued);
    }
    expect((await until(200, theaters)).statusCode).toBe(200);
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/matinee_db_pool_wait_seconds_count [1-9]/);
  });
});
