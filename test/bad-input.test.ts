import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Hostile and malformed input across the API: every answer is a clear 4xx with an error code, never a 500
 * and never a stack trace. (Each row here was once tried by hand; two of them found 500s.)
 */
let t: TestApp;
let admin: TestUser;
let st: ShowtimeFixture;
let theaterId: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.app, t.ctx, 'admin');
  st = await createShowtime(t.ctx.db);
  theaterId = (await t.ctx.db.selectFrom('theaters').select('id').limit(1).executeTakeFirstOrThrow()).id;
});
afterAll(async () => t.close());

const NIL = '00000000-0000-4000-8000-000000000000';

describe('bad input never yields a 500', () => {
  const cases = (): [string, string, unknown?][] => [
    ['GET', '/api/v1/theaters?lat=abc&lng=1'],
    ['GET', '/api/v1/theaters?lat=1e308&lng=1'],
    ['GET', '/api/v1/theaters?lat=NaN&lng=1'],
    ['GET', '/api/v1/theaters?lat=1&lng=1&radiusKm=1e9'],
    ['GET', '/api/v1/theaters?lat=1&lng=1&limit=-1'],
    ['GET', `/api/v1/theaters/${theaterId}/movies?date=2026-02-30`],
    ['GET', `/api/v1/theaters/${theaterId}/movies?date=99999-01-01`],
    ['GET', '/api/v1/theaters/not-a-uuid'],
    ['GET', `/api/v1/showtimes/${NIL}/seats`],
    ['GET', `/api/v1/bookings?cursor=${'A'.repeat(150)}`],
    ['GET', '/api/v1/bookings?cursor=MjAyNi0xMS0yOVQxMjowMDowMC4wMDBafDEyMw'],
    ['POST', '/api/v1/bookings', { showtimeId: st.showtimeId, seatIds: null }],
    ['POST', '/api/v1/bookings', []],
    ['POST', '/api/v1/bookings', { showtimeId: st.showtimeId, seatIds: [st.showtimeId] }],
    ['POST', '/api/v1/bookings', { showtimeId: st.showtimeId, seatIds: [st.seatIds[0]], extra: true }],
    [
      'POST',
      '/api/v1/admin/showtimes',
      { auditoriumId: NIL, movieId: NIL, startsAt: 'yesterday', prices: { standard: 1 } },
    ],
    [
      'POST',
      '/api/v1/admin/showtimes',
      { auditoriumId: NIL, movieId: NIL, startsAt: '9999-12-31T23:59:59Z', prices: { standard: 1e12 } },
    ],
    ['POST', '/api/v1/admin/movies', { title: 'x', runtimeMinutes: 1.5 }],
    ['POST', '/api/v1/admin/movies', { title: 'x', runtimeMinutes: 90, posterUrl: 'javascript:alert(1)' }],
    ['POST', '/api/v1/admin/movies', { title: 'nul\u0000byte', runtimeMinutes: 90 }],
    [
      'POST',
      '/api/v1/admin/theaters',
      { name: 'x', address: 'y', city: 'z', lat: 0, lng: 0, timeZone: 'Mars/Olympus' },
    ],
    ['POST', '/api/v1/admin/theaters', { name: '\u0000', address: 'y', city: 'z', lat: 0, lng: 0 }],
    ['PATCH', `/api/v1/admin/showtimes/${st.showtimeId}`, {}],
    ['PATCH', `/api/v1/admin/showtimes/${st.showtimeId}`, { startsAt: '2020-01-01T00:00:00Z' }],
    [
      'POST',
      `/api/v1/bookings/${NIL}/payment`,
      { card: { number: '4242424242424242', expMonth: 13, expYear: 2030, cvc: '1' } },
    ],
    [
      'POST',
      `/api/v1/bookings/${NIL}/payment`,
      { card: { number: '4242424242424242', expMonth: 1, expYear: 2030, cvc: '123' } },
    ],
    ['POST', '/api/v1/checkin', { code: `MT1.${'x'.repeat(5000)}` }],
    ['POST', '/api/v1/checkin', { code: 'MT1..' }],
    ['POST', '/api/v1/checkin', {}],
    ['POST', '/api/v1/auth/signup', { email: 'b@b.io', password: 'password1', name: '\u0000bad' }],
    ['POST', '/api/v1/auth/login', { email: 'a@a.io', password: 'x'.repeat(100_000) }],
    ['GET', '/api/v1/admin/notifications?status=weird'],
    ['DELETE', `/api/v1/bookings/${NIL}`],
    ['GET', `/api/v1/tickets/${NIL}`],
    ['GET', '/api/v1/showtimes/%E0%A4%A'],
    ['GET', '/api/v1/theaters/%'],
  ];

  it('answers every malformed request with a 4xx and an error code', async () => {
    for (const [method, url, body] of cases()) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers: admin.auth,
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      expect(res.statusCode, `${method} ${url} -> ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${method} ${url} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
      const parsed = res.json<{ error: { code: string; message: string } }>();
      expect(parsed.error.code).toMatch(/^[A-Z_]+$/);
      expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/);
    }
  });
});
