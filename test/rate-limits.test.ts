import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/**
 * Issue 8, item 12: auth routes are limited per client address whatever token is sent, login also per target
 * account, sign-up per address per hour; behind a proxy only the address our proxy hop added counts.
 */
let t: TestApp;
let proxied: TestApp;
let customerToken: string;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      RATE_LIMIT_AUTH_PER_MINUTE: '30',
      RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: '10',
      RATE_LIMIT_SIGNUPS_PER_HOUR: '3',
    },
  });
  proxied = await createTestApp({ env: { TRUST_PROXY: '1', RATE_LIMIT_AUTH_PER_MINUTE: '10' } });
  const signup = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    remoteAddress: '192.0.2.200',
    payload: { email: 'token-holder@example.com', password: 'password-123', name: 'Holder' },
  });
  customerToken = signup.json<{ token: string }>().token;
});
afterAll(async () => {
  await proxied?.close();
  await t?.close();
});

const randomEmail = () => `guess-${randomBytes(4).toString('hex')}@example.com`;

function login(app: TestApp, email: string, opts: { ip: string; headers?: Record<string, string> }) {
  return app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: opts.ip,
    headers: opts.headers ?? {},
    payload: { email, password: 'wrong-password' },
  });
}

describe('login', () => {
  it('a valid token in Authorization does not lift the per-IP limit', async () => {
    const ip = '198.51.100.10';
    for (let i = 0; i < 30; i++) expect((await login(t, randomEmail(), { ip })).statusCode).toBe(401);
    const withToken = { authorization: `Bearer ${customerToken}` };
    for (let i = 0; i < 12; i++) {
      const res = await login(t, randomEmail(), { ip, headers: withToken });
      expect(res.statusCode).toBe(429);
      expect(res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    }
    // 30 password checks (scrypt) in a row: seconds on a quiet machine, far more while the suite shares it.
  }, 120_000);

  it('limits guesses at one account spread over many addresses', async () => {
    const victim = 'Victim@Example.com';
    for (let i = 0; i < 10; i++) {
      expect(
        (await login(t, i % 2 ? victim : victim.toLowerCase(), { ip: `203.0.113.${i}` })).statusCode,
      ).toBe(401);
    }
    const limited = await login(t, victim, { ip: '203.0.113.100' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another account from the same address is not affected.
    expect((await login(t, randomEmail(), { ip: '203.0.113.100' })).statusCode).toBe(401);
  });
});

describe('sign-up', () => {
  it('is limited per IP even when each request carries the previous new account\u2019s token', async () => {
    const ip = '198.51.100.20';
    let token = customerToken;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        remoteAddress: ip,
        headers: { authorization: `Bearer ${token}` },
        payload: { email: randomEmail(), password: 'password-123', name: `Chain ${i}` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 201) token = res.json<{ token: string }>().token;
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
    // Another address still signs up.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      remoteAddress: '198.51.100.21',
      payload: { email: randomEmail(), password: 'password-123', name: 'Other' },
    });
    expect(other.statusCode).toBe(201);
  });
});

describe('behind a proxy (TRUST_PROXY=1)', () => {
  it('keys on the address the proxy appended, not on what the client prepended', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const res = await login(proxied, randomEmail(), {
        ip: '10.0.0.2', // the proxy
        headers: { 'x-forwarded-for': `192.0.2.${i}, 1.2.3.${i}, 198.51.100.30` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    // A different client behind the same proxy has its own budget.
    const other = await login(proxied, randomEmail(), {
      ip: '10.0.0.2',
      headers: { 'x-forwarded-for': '198.51.100.30, 198.51.100.31' },
    });
    expect(other.statusCode).toBe(401);
  });

  it('reads TRUST_PROXY as a hop count (true = 1, false = 0)', () => {
    const hops = (v: string) => readConfig({ NODE_ENV: 'test', TRUST_PROXY: v }).trustProxyHops;
    expect(hops('true')).toBe(1);
    expect(hops('false')).toBe(0);
    expect(hops('2')).toBe(2);
    expect(readConfig({ NODE_ENV: 'test' }).trustProxyHops).toBe(0);
    expect(() => hops('yes')).toThrow(/TRUST_PROXY/);
  });
});
