import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const signup = (payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: payload as object });

describe('POST /auth/signup', () => {
  it('creates a customer and returns a working token', async () => {
    const res = await signup({
      email: 'Ana@Example.com',
      password: 'correct horse',
      name: 'Ana',
      phone: '+12125550123',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ token: string; user: Record<string, unknown> }>();
    expect(body.user).toMatchObject({
      email: 'ana@example.com',
      name: 'Ana',
      phone: '+12125550123',
      role: 'customer',
    });
    expect(body.user).not.toHaveProperty('password_hash');
    const me = await t.app.inject({
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: 'ana@example.com' } });
  });

  it('refuses a duplicate email whatever its case with 409', async () => {
    await signup({ email: 'dup@example.com', password: 'password-1', name: 'One' });
    const res = await signup({ email: 'DUP@example.com', password: 'password-2', name: 'Two' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'EMAIL_TAKEN' } });
  });

  it.each([
    [{ email: 'not-an-email', password: 'password-1', name: 'X' }, 'body.email'],
    [{ email: 'short@example.com', password: 'short', name: 'X' }, 'body.password'],
    [{ email: 'x@example.com', password: 'password-1' }, 'body.name'],
    [{ email: 'x@example.com', password: 'password-1', name: 'X', role: 'admin' }, 'body.role'],
    [{ email: 'x@example.com', password: 12345678, name: 'X' }, 'body.password'],
  ])('rejects %j with 400 naming %s', async (payload, field) => {
    const res = await signup(payload);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; fields: { field: string }[] } }>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.fields.map((f) => f.field)).toContain(field);
  });

  it('answers malformed JSON and huge bodies with 4xx, never 500', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'INVALID_JSON' } });
    const huge = await signup({ email: 'h@example.com', password: 'password-1', name: 'x'.repeat(200_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    // PostgreSQL refuses NUL bytes in text: still a 400, not a 500.
    const nul = await signup({ email: 'nul@example.com', password: 'password-1', name: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    expect(nul.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(text.body).not.toContain('at ');
  });
});

describe('POST /auth/login', () => {
  it('signs in with the right password, case-insensitively on email', async () => {
    await signup({ email: 'login@example.com', password: 'password-1', name: 'L' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'LOGIN@example.com', password: 'password-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { email: 'login@example.com' } });
  });

  it('gives the same 401 for a wrong password and an unknown email', async () => {
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'login@example.com', password: 'nope-nope' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
  });
});

describe('bearer tokens', () => {
  const me = (authorization?: string) =>
    t.app.inject({ url: '/api/v1/auth/me', headers: authorization ? { authorization } : {} });

  it('refuses a missing token', async () => {
    const res = await me();
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('refuses a tampered token', async () => {
    const { token } = (
      await signup({ email: 'tamper@example.com', password: 'password-1', name: 'T' })
    ).json<{
      token: string;
    }>();
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    payload.role = 'admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const res = await me(`Bearer ${forged}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'TOKEN_INVALID' } });
    expect((await me(`Bearer ${token}x`)).statusCode).toBe(401);
    expect((await me('Basic abc')).statusCode).toBe(401);
  });

  it('refuses a token signed with another secret', async () => {
    const other = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('00000000-0000-4000-8000-000000000000')
      .setIssuer('matinee')
      .setAudience('matinee-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    expect((await me(`Bearer ${other}`)).statusCode).toBe(401);
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const expired = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('00000000-0000-4000-8000-000000000000')
      .setIssuer('matinee')
      .setAudience('matinee-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(t.config.jwtSecret));
    const res = await me(`Bearer ${expired}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'TOKEN_EXPIRED' } });
  });
});
