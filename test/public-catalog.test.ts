import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { SseClient } from './helpers/sse.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Browsing without an account: every catalog read (and the live seat map) answers without a token, limited
 * per client IP for anonymous callers; holding seats and everything personal still needs a token.
 */
let t: TestApp;
let limited: TestApp;
let user: TestUser;
let fx: ShowtimeFixture;
let theaterId: string;
let movieId: string;

const ANONYMOUS_LIMIT = 8;

beforeAll(async () => {
  t = await createTestApp();
  limited = await createTestApp({
    env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(ANONYMOUS_LIMIT), RATE_LIMIT_PER_MINUTE: '1000' },
  });
  user = await createUser(t.app, t.ctx);
  fx = await createShowtime(t.ctx.db, { rows: 3, seatsPerRow: 8 });
  const row = await t.ctx.db
    .selectFrom('showtimes as s')
    .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
    .select(['a.theater_id', 's.movie_id'])
    .where('s.id', '=', fx.showtimeId)
    .executeTakeFirstOrThrow();
  theaterId = row.theater_id;
  movieId = row.movie_id;
});
afterAll(async () => {
  await limited?.close();
  await t?.close();
});

const anonymous = (url: string, headers: Record<string, string> = {}, app = t) =>
  app.app.inject({ method: 'GET', url: `/api/v1${url}`, headers });

describe('public catalog routes', () => {
  it('each answers 200 without a token', async () => {
    const urls = [
      '/theaters?lat=40.7&lng=-74',
      '/theaters',
      `/theaters/${theaterId}`,
      `/theaters/${theaterId}/movies`,
      `/movies?q=${encodeURIComponent('Fixture Movie')}`,
      `/movies/${movieId}`,
      `/movies/${movieId}/showtimes?lat=40.7&lng=-74`,
      '/places?q=10001',
      `/showtimes/${fx.showtimeId}`,
      `/showtimes/${fx.showtimeId}/seats`,
      `/showtimes/${fx.showtimeId}/best-seats?count=2`,
    ];
    for (const url of urls) {
      const res = await anonymous(url);
      expect(res.statusCode, url).toBe(200);
    }
    const theaters = (await anonymous('/theaters?lat=40.7&lng=-74')).json<{ theaters: { id: string }[] }>();
    expect(theaters.theaters.map((th) => th.id)).toContain(theaterId);
    const showtime = (await anonymous(`/showtimes/${fx.showtimeId}`)).json<{
      showtime: { movie: { id: string } };
    }>();
    expect(showtime.showtime.movie.id).toBe(movieId);
    const best = (await anonymous(`/showtimes/${fx.showtimeId}/best-seats?count=2`)).json<{
      proposal: { seatIds: string[] } | null;
    }>();
    expect(best.proposal?.seatIds).toHaveLength(2);
  });

  it('serves seat maps with their ETag, 304 and gzip to anonymous callers', async () => {
    const url = `/showtimes/${fx.showtimeId}/seats`;
    const first = await anonymous(url);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"/);
    expect(first.json<{ seats: unknown[] }>().seats).toHaveLength(24);
    expect((await anonymous(url, { 'if-none-match': etag })).statusCode).toBe(304);
    const zipped = await anonymous(url, { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(zipped.rawPayload).toString()) as { seats: unknown[] };
    expect(body.seats).toHaveLength(24);
    expect((await anonymous(url, { 'if-none-match': zipped.headers.etag as string })).statusCode).toBe(304);
  });

  it("names the local date of a theater's next showtime (the late-night listing's next day)", async () => {
    const listing = (await anonymous(`/theaters/${theaterId}/movies`)).json<{
      theater: { timeZone: string };
      date: string;
      nextShowtimeDate: string | null;
      movies: unknown[];
    }>();
    const { starts_at } = await t.ctx.db
      .selectFrom('showtimes')
      .select('starts_at')
      .where('id', '=', fx.showtimeId)
      .executeTakeFirstOrThrow();
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: listing.theater.timeZone }).format(starts_at);
    expect(listing.nextShowtimeDate).toBe(local);
    // Tomorrow's showtime: today has none left, and the listing says which day has.
    expect(listing.nextShowtimeDate! > listing.date).toBe(true);
    expect(listing.movies).toEqual([]);
    const empty = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 1, startsInMinutes: -300 });
    const emptyTheater = await t.ctx.db
      .selectFrom('auditoriums')
      .select('theater_id')
      .where('id', '=', empty.auditoriumId)
      .executeTakeFirstOrThrow();
    const none = (await anonymous(`/theaters/${emptyTheater.theater_id}/movies`)).json<{
      nextShowtimeDate: string | null;
    }>();
    expect(none.nextShowtimeDate).toBeNull(); // only a showtime that has started
  });

  it('ignores a token that is no longer valid instead of refusing the read', async () => {
    const res = await anonymous(`/showtimes/${fx.showtimeId}`, { authorization: 'Bearer not-a-real-token' });
    expect(res.statusCode).toBe(200);
  });

  it('still answers 400 and 404 for bad ids', async () => {
    expect((await anonymous('/showtimes/not-a-uuid/seats')).statusCode).toBe(400);
    const missing = await anonymous('/theaters/00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'THEATER_NOT_FOUND' } });
  });

  it('are documented without a required token and without 401', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { security?: object[]; responses: Record<string, unknown> }>>;
    }>();
    for (const path of [
      '/api/v1/theaters',
      '/api/v1/theaters/{theaterId}',
      '/api/v1/theaters/{theaterId}/movies',
      '/api/v1/movies',
      '/api/v1/movies/{movieId}',
      '/api/v1/movies/{movieId}/showtimes',
      '/api/v1/places',
      '/api/v1/showtimes/{showtimeId}',
      '/api/v1/showtimes/{showtimeId}/seats',
      '/api/v1/showtimes/{showtimeId}/best-seats',
    ]) {
      const op = doc.paths[path]?.get;
      expect(op, path).toBeDefined();
      expect(op!.security, path).toContainEqual({});
      expect(Object.keys(op!.responses), path).not.toContain('401');
    }
    expect(doc.paths['/api/v1/bookings']?.post?.security).toBeUndefined(); // the global bearerAuth
  });
});

describe('what still needs an account', () => {
  it('holds, bookings, tickets and stream tokens answer 401 without a token', async () => {
    const hold = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { 'idempotency-key': 'anon-hold-1' },
      payload: { showtimeId: fx.showtimeId, seatIds: [fx.seatIds[0]] },
    });
    expect(hold.statusCode).toBe(401);
    expect(hold.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const best = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { 'idempotency-key': 'anon-hold-2' },
      payload: { showtimeId: fx.showtimeId, count: 2 },
    });
    expect(best.statusCode).toBe(401);
    expect((await anonymous('/bookings')).statusCode).toBe(401);
    expect((await anonymous('/bookings/00000000-0000-4000-8000-000000000000')).statusCode).toBe(401);
    expect((await anonymous('/tickets/00000000-0000-4000-8000-000000000000')).statusCode).toBe(401);
    const streamToken = await t.app.inject({
      method: 'POST',
      url: `/api/v1/showtimes/${fx.showtimeId}/seats/stream-token`,
    });
    expect(streamToken.statusCode).toBe(401);
    // With a token the hold goes ahead.
    const held = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...user.auth, 'idempotency-key': 'user-hold-1' },
      payload: { showtimeId: fx.showtimeId, seatIds: [fx.seatIds[0]] },
    });
    expect(held.statusCode).toBe(201);
  });
});

describe('the anonymous rate limit (RATE_LIMIT_ANONYMOUS_PER_MINUTE)', () => {
  it('gives an IP 429 RATE_LIMITED with Retry-After past the limit; other IPs and signed-in callers go on', async () => {
    const ip = '198.51.100.40';
    const browse = (remoteAddress: string, headers: Record<string, string> = {}) =>
      limited.app.inject({ method: 'GET', url: '/api/v1/theaters', remoteAddress, headers });
    for (let i = 0; i < ANONYMOUS_LIMIT; i++) expect((await browse(ip)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await browse(ip);
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    }
    // A token that is not valid does not buy a fresh budget.
    expect((await browse(ip, { authorization: 'Bearer forged' })).statusCode).toBe(429);
    // Another address has its own budget.
    expect((await browse('198.51.100.41')).statusCode).toBe(200);
    // A signed-in caller from the same address is counted per user, under RATE_LIMIT_PER_MINUTE.
    const member = await createUser(limited.app, limited.ctx);
    for (let i = 0; i < ANONYMOUS_LIMIT + 5; i++)
      expect((await browse(ip, member.auth)).statusCode).toBe(200);
  });

  it('is read from the environment with a default for a person browsing', async () => {
    const { readConfig } = await import('../src/config.js');
    expect(readConfig({ NODE_ENV: 'test' }).rateLimit.anonymousPerMinute).toBe(120);
    expect(readConfig({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '30' }).rateLimit.anonymousPerMinute).toBe(30);
    expect(() => readConfig({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' })).toThrow(
      /RATE_LIMIT_ANONYMOUS_PER_MINUTE/,
    );
  });
});

describe('the live seat map without an account', () => {
  let live: TestApp;
  let base: string;
  const clients: SseClient[] = [];
  beforeAll(async () => {
    live = await createTestApp({ env: { SEAT_STREAMS_PER_IP: '2' } });
    await live.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(live.app.server.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await live?.close();
  });

  async function open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    clients.push(c);
    await c.open(url, headers);
    return c;
  }

  it('streams a snapshot and then changes, with no credential at all', async () => {
    const f = await createShowtime(live.ctx.db, { rows: 2, seatsPerRow: 4 });
    const member = await createUser(live.app, live.ctx);
    const c = await open(`${base}/showtimes/${f.showtimeId}/seats/stream`);
    expect(c.status).toBe(200);
    expect(c.contentType).toContain('text/event-stream');
    const snapshot = JSON.parse((await c.next('snapshot')).data) as { seats: unknown[] };
    expect(snapshot.seats).toHaveLength(8);
    const res = await fetch(`${base}/bookings`, {
      method: 'POST',
      headers: { ...member.auth, 'content-type': 'application/json', 'idempotency-key': 'live-anon-1' },
      body: JSON.stringify({ showtimeId: f.showtimeId, seatIds: [f.seatIds[2]] }),
    });
    expect(res.status).toBe(201);
    const change = JSON.parse((await c.next('seats', 5_000)).data) as {
      seats: { id: string; status: string }[];
    };
    expect(change.seats).toEqual([{ id: f.seatIds[2], status: 'held' }]);
    c.close();
  });

  it('bounds the open anonymous streams per IP (429 TOO_MANY_STREAMS); signed-in streams are not counted', async () => {
    const f = await createShowtime(live.ctx.db, { rows: 1, seatsPerRow: 4 });
    const member = await createUser(live.app, live.ctx);
    const url = `${base}/showtimes/${f.showtimeId}/seats/stream`;
    // Earlier streams of this file have closed: wait until the server has let go of them.
    await expect
      .poll(
        async () => {
          const probe = await fetch(`${base}/showtimes/${f.showtimeId}/seats/stream`, {
            signal: AbortSignal.timeout(2_000),
          }).catch(() => null);
          void probe?.body?.cancel();
          return probe?.status;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // the probe's close reaches the server
    const one = await open(url);
    const two = await open(url);
    expect([one.status, two.status]).toEqual([200, 200]);
    const third = await fetch(url);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('30');
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_STREAMS');
    // A signed-in viewer (Authorization header, or a stream token in the URL) is not refused.
    const withHeader = await open(url, member.auth);
    expect(withHeader.status).toBe(200);
    const tokenRes = await fetch(`${url}-token`, { method: 'POST', headers: member.auth });
    const { token } = (await tokenRes.json()) as { token: string };
    const withToken = await open(`${url}?token=${token}`);
    expect(withToken.status).toBe(200);
    // A closed anonymous stream frees its place.
    one.close();
    await expect
      .poll(
        async () => {
          const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
          void res?.body?.cancel();
          return res?.status;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toBe(200);
  });

  it('refuses a credential that is not valid instead of treating it as anonymous', async () => {
    const f = await createShowtime(live.ctx.db, { rows: 1, seatsPerRow: 2 });
    const bad = await fetch(`${base}/showtimes/${f.showtimeId}/seats/stream?token=forged`);
    expect(bad.status).toBe(401);
    const header = await fetch(`${base}/showtimes/${f.showtimeId}/seats/stream`, {
      headers: { authorization: 'Bearer forged' },
    });
    expect(header.status).toBe(401);
  });
});
