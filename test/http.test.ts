import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { readConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createPool } from '../src/db/database.js';
import { buildApp } from '../src/http/app.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser } from './helpers/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_AUTH_PER_MINUTE: '3' } });
});
afterAll(async () => t.close());

describe('edge behaviour', () => {
  it('health: live and ready answer without a token and are never rate limited', async () => {
    for (let i = 0; i < 8; i++) {
      expect((await t.app.inject({ url: '/api/v1/health/live' })).statusCode).toBe(200);
    }
    const ready = await t.app.inject({ url: '/api/v1/health/ready' });
    expect(ready.json()).toEqual({ status: 'ready', database: 'up' });
  });

  it('ready is 503 when the database does not answer', async () => {
    const config = readConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      JWT_SECRET: 'x'.repeat(40),
    });
    const pool = createPool(config.databaseUrl!, { max: 1 });
    const ctx = createContext(config, { logger: pino({ level: 'silent' }), pool });
    const app = await buildApp(ctx);
    const res = await app.inject({ url: '/api/v1/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', database: 'down' });
    await app.close();
    await pool.end();
  });

  it('rate limits /auth per IP at RATE_LIMIT_AUTH_PER_MINUTE with 429 and Retry-After', async () => {
    const attempt = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '198.51.100.7',
        payload: { email: 'nobody@example.com', password: 'whatever-1' },
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another address is not affected.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '198.51.100.8',
      payload: { email: 'nobody@example.com', password: 'whatever-1' },
    });
    expect(other.statusCode).toBe(401);
  });

  it('rate limits per user when authenticated, whatever the address', async () => {
    const u1 = await createUser(t.app, t.ctx, 'staff');
    const u2 = await createUser(t.app, t.ctx, 'staff');
    const me = (auth: { authorization: string }, ip: string) =>
      t.app.inject({ url: '/api/v1/auth/me', headers: auth, remoteAddress: ip });
    for (let i = 0; i < 5; i++) expect((await me(u1.auth, `203.0.113.${i}`)).statusCode).toBe(200);
    expect((await me(u1.auth, '203.0.113.99')).statusCode).toBe(429);
    expect((await me(u2.auth, '203.0.113.1')).statusCode).toBe(200);
  });

  it('unknown routes answer JSON 404, never HTML or a stack trace', async () => {
    const res = await t.app.inject({ url: '/api/v1/nope', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('serves an OpenAPI 3 document generated from the route schemas, and interactive docs', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, { operationId?: string }>>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const op of [
      'getMovieTheaters',
      'getMoviesListForTheater',
      'getSeatsForMovie',
      'holdTicket',
      'getTicketStatus',
      'completePaymentForTicket',
    ]) {
      expect(ops).toContain(op);
    }
    expect(doc.paths['/api/v1/auth/signup']).toBeDefined();
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('echoes a request id and hides internals on errors', async () => {
    const res = await t.app.inject({ url: '/api/v1/auth/me', headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
});
