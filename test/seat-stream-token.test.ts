import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../src/http/tokens.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Issue 8, item 5: the 24-hour bearer token never travels in a URL. The seat stream takes a short-lived token
 * issued for one user and one showtime, only on that route; credential query values never reach the logs.
 */
const logLines: string[] = [];
let t: TestApp;
let base: string;
let user: TestUser;
let a: ShowtimeFixture;
let b: ShowtimeFixture;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  t = await createTestApp({ overrides: { logger: pino({ level: 'info' }, sink) } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v1`;
  user = await createUser(t.app, t.ctx);
  a = await createShowtime(t.ctx.db);
  b = await createShowtime(t.ctx.db);
});
afterAll(async () => t?.close());

const streamUrl = (showtimeId: string) => `${base}/showtimes/${showtimeId}/seats/stream`;

async function streamToken(showtimeId: string, auth = user.auth): Promise<string> {
  const res = await fetch(`${streamUrl(showtimeId)}-token`, { method: 'POST', headers: auth });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; expiresAt: string };
  const ttl = new Date(body.expiresAt).getTime() - Date.now();
  expect(ttl).toBeGreaterThan(290_000);
  expect(ttl).toBeLessThanOrEqual(300_000);
  return body.token;
}

/** Opens a stream and reports its status (and error code), closing it at once if it was accepted. */
async function openStatus(url: string, headers: Record<string, string> = {}): Promise<[number, string?]> {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers, signal: ctrl.signal });
  if (res.ok) {
    ctrl.abort();
    return [res.status];
  }
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}

describe('seat stream tokens', () => {
  it('opens the stream of the showtime it was issued for', async () => {
    const token = await streamToken(a.showtimeId);
    expect(await openStatus(`${streamUrl(a.showtimeId)}?token=${token}`)).toEqual([200]);
  });

  it('is refused for another showtime, anywhere else, and as a bearer token', async () => {
    const token = await streamToken(a.showtimeId);
    expect(await openStatus(`${streamUrl(b.showtimeId)}?token=${token}`)).toEqual([401, 'TOKEN_INVALID']);
    const me = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    const meQuery = await fetch(`${base}/auth/me?token=${token}`);
    expect(meQuery.status).toBe(401);
  });

  it('is refused once expired', async () => {
    const past = new TokenService(t.config.jwtSecret!, 3600, () => new Date(Date.now() - 600_000), 300);
    const { token } = await past.issueStreamToken({
      userId: user.id,
      showtimeId: a.showtimeId,
      tokenVersion: 0,
    });
    expect(await openStatus(`${streamUrl(a.showtimeId)}?token=${token}`)).toEqual([401, 'TOKEN_EXPIRED']);
  });

  it('stops working when its user signs out everywhere', async () => {
    const other = await createUser(t.app, t.ctx);
    const token = await streamToken(a.showtimeId, other.auth);
    await fetch(`${base}/auth/logout-all`, { method: 'POST', headers: other.auth });
    expect(await openStatus(`${streamUrl(a.showtimeId)}?token=${token}`)).toEqual([401, 'TOKEN_REVOKED']);
  });

  it('is issued only to a signed-in user, for a showtime that exists', async () => {
    expect((await fetch(`${streamUrl(a.showtimeId)}-token`, { method: 'POST' })).status).toBe(401);
    const missing = await fetch(`${streamUrl('00000000-0000-4000-8000-000000000000')}-token`, {
      method: 'POST',
      headers: user.auth,
    });
    expect(missing.status).toBe(404);
  });
});

describe('bearer tokens in URLs', () => {
  it('are never accepted: not on the stream, not on a URL that merely contains "/stream"', async () => {
    expect(await openStatus(`${streamUrl(a.showtimeId)}?access_token=${user.token}`)).toEqual([
      401,
      'UNAUTHORIZED',
    ]);
    expect(await openStatus(`${streamUrl(a.showtimeId)}?token=${user.token}`)).toEqual([
      401,
      'TOKEN_INVALID',
    ]);
    const sneaky = await fetch(`${base}/auth/me?access_token=${user.token}&x=/stream`);
    expect(sneaky.status).toBe(401);
    // The Authorization header still works on the stream (for clients that can send it).
    expect(await openStatus(streamUrl(a.showtimeId), user.auth)).toEqual([200]);
  });

  it('credential query values never reach the log', async () => {
    const token = await streamToken(b.showtimeId);
    expect(await openStatus(`${streamUrl(b.showtimeId)}?token=${token}`)).toEqual([200]);
    await fetch(`${base}/auth/me?access_token=${user.token}&x=/stream`);
    await fetch(`${base}/theaters?lat=40&lng=-74&api_key=sekrit-value-123`);
    const log = logLines.join('');
    expect(log).toContain('[redacted]');
    expect(log).toContain('lat=40');
    for (const secret of [token, user.token, 'sekrit-value-123']) expect(log).not.toContain(secret);
  });
});
