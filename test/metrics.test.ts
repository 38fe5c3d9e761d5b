import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime } from './helpers/fixtures.js';
import { createUser } from './helpers/users.js';

let t: TestApp;
let guarded: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  guarded = await createTestApp({ env: { METRICS_TOKEN: 'scrape-token-0123456789' } });
});
afterAll(async () => {
  await guarded.close();
  await t.close();
});

describe('GET /metrics', () => {
  it('counts requests by route pattern and status, and payments by outcome', async () => {
    const user = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 3 });
    const held = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: user.auth,
      payload: { showtimeId: st.showtimeId, seatIds: [st.seatIds[0]] },
    });
    const id = held.json<{ booking: { id: string } }>().booking.id;
    const pay = (card: object) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/bookings/${id}/payment`,
        headers: user.auth,
        payload: { card },
      });
    expect((await pay(CARD.declined)).statusCode).toBe(402);
    expect((await pay(CARD.good)).statusCode).toBe(200);

    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(
      /matinee_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/bookings",status="201"\} 1/,
    );
    expect(text).toMatch(/route="\/api\/v1\/bookings\/:bookingId\/payment",status="402"\} 1/);
    expect(text).not.toContain(id); // route patterns, never raw ids
    expect(text).toMatch(/matinee_payment_attempts_total\{outcome="declined"\} 1/);
    expect(text).toMatch(/matinee_payment_attempts_total\{outcome="succeeded"\} 1/);
  });

  it('answers only the machine itself, or a scraper with METRICS_TOKEN', async () => {
    expect((await t.app.inject({ url: '/metrics', remoteAddress: '192.0.2.1' })).statusCode).toBe(404);
    expect((await guarded.app.inject({ url: '/metrics' })).statusCode).toBe(404);
    const ok = await guarded.app.inject({
      url: '/metrics',
      remoteAddress: '192.0.2.1',
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(ok.statusCode).toBe(200);
  });
});
