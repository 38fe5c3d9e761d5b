import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createDb, createPool, isDatabaseUnavailable } from '../src/db/database.js';
import { buildApp } from '../src/http/app.js';
import { errorHandler } from '../src/http/error-handler.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';

/** Issue 8, item 14 (headers, error shapes) and the error-handler part of item 2 (database errors). */
let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  user = await createUser(t.app, t.ctx);
});
afterAll(async () => t.close());

type ErrorBody = { error: { code: string; message: string } };

describe('headers', () => {
  it('API answers are never cached and never sniffed, errors included', async () => {
    const responses = [
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: 'password-123' },
      }),
      await t.app.inject({ url: '/api/v1/auth/me', headers: user.auth }),
      await t.app.inject({ url: '/api/v1/bookings', headers: user.auth }),
      await t.app.inject({ url: '/api/v1/bookings' }),
      await t.app.inject({ url: '/api/v1/nope' }),
    ];
    for (const res of responses) {
      expect(res.headers['cache-control'], res.body).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    const page = await t.app.inject({ url: '/openapi.json' });
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('/docs has a content security policy and cannot be framed', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      if (url !== '/docs/static/swagger-ui-bundle.js') expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });
});

describe('framework errors answer in our error shape', () => {
  it('a badly encoded URL is a 400 BAD_URL', async () => {
    const res = await t.app.inject({ url: '/api/v1/showtimes/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    const { error } = res.json<ErrorBody>();
    expect(error.code).toBe('BAD_URL');
    expect(error.message).toBeTruthy();
    expect(res.json()).not.toHaveProperty('statusCode');
  });

  it('oversized headers are a 431 HEADERS_TOO_LARGE', async () => {
    const app = await buildApp(t.ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
        });
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', (err) => (data ? resolve(data) : reject(err)));
      });
      expect(raw).toMatch(/^HTTP\/1\.1 431 /);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as ErrorBody;
      expect(body.error.code).toBe('HEADERS_TOO_LARGE');
    } finally {
      await app.close();
    }
  });
});

describe('database errors', () => {
  it('a unique, exclusion or foreign-key violation that reaches the handler is a 409 CONFLICT', async () => {
    // Routes that let a constraint fire: the design bug the handler must still answer with a coded 4xx.
    const app = Fastify();
    app.setErrorHandler(errorHandler);
    app.post('/duplicate', async () => {
      await sql`INSERT INTO users (email, name, password_hash) VALUES (${user.email}, 'x', 'x')`.execute(
        t.ctx.db,
      );
    });
    app.post('/dangling', async () => {
      await sql`INSERT INTO auditoriums (theater_id, name)
                VALUES ('00000000-0000-4000-8000-000000000000', 'x')`.execute(t.ctx.db);
    });
    for (const url of ['/duplicate', '/dangling']) {
      const res = await app.inject({ method: 'POST', url });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json<ErrorBody>().error.code).toBe('CONFLICT');
      expect(res.body).not.toMatch(/users_email|violates|constraint/i);
    }
    await app.close();
  });

  it('an unreachable database is a 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    const config = readConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      JWT_SECRET: 'x'.repeat(40),
    });
    const pool = createPool(config.databaseUrl!, { max: 1 });
    const ctx = createContext(config, { logger: pino({ level: 'silent' }), pool });
    const app = await buildApp(ctx);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'a@example.com', password: 'password-123' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json<ErrorBody>().error.code).toBe('DATABASE_UNAVAILABLE');
    // With a token, the user check fails the same way (not a 500).
    const token = await ctx.tokens.issue({ userId: user.id, role: 'customer' });
    const authed = await app.inject({
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(authed.statusCode).toBe(503);
    await app.close();
    await ctx.close();
  });

  it('a connection the server terminates mid-query is a 503 DATABASE_UNAVAILABLE', async () => {
    const pool = createPool(t.config.databaseUrl!, { max: 1 });
    const db = createDb(pool);
    const app = Fastify();
    app.setErrorHandler(errorHandler);
    app.get('/slow', async () => {
      await sql`SELECT pg_sleep(5) /* terminate-me */`.execute(db);
    });
    const pending = app.inject({ url: '/slow' });
    const admin = new pg.Client({ connectionString: t.config.databaseUrl });
    await admin.connect();
    await expect
      .poll(async () => {
        const r = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE query LIKE '%terminate-me%' AND pid <> pg_backend_pid()`,
        );
        return r.rowCount;
      })
      .toBe(1);
    await admin.end();
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(res.json<ErrorBody>().error.code).toBe('DATABASE_UNAVAILABLE');
    await app.close();
    await pool.end();
  });

  it('isDatabaseUnavailable knows the codes and messages of a lost database, and nothing else', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300', 'ECONNREFUSED', 'ECONNRESET'])
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated',
      'timeout exceeded when trying to connect',
    ])
      expect(isDatabaseUnavailable(new Error(message)), message).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { errno: 'ECONNRESET' }))).toBe(true);
    for (const code of ['23505', '22P02', '40001', '55P03'])
      expect(isDatabaseUnavailable(coded(code)), code).toBe(false);
    expect(isDatabaseUnavailable(new Error('Connection terminated but not really'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
