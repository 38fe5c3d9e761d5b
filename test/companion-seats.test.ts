import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  CARD,
  createShowtime,
  seatStatuses,
  setShowtimeStart,
  type ShowtimeFixture,
} from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Companion seats (docs/api.md): kept for a wheelchair user's companion, held with the wheelchair space beside
 * them, on their own only once that space is sold (or held by the same customer), or close to the showtime.
 * The fixture's row A: A1 a wheelchair space, A2 its companion seat, A3.. standard.
 */
let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await createTestApp({ env: { COMPANION_SEAT_RELEASE_MINUTES: '30' } });
  alice = await createUser(t.app, t.ctx);
  bob = await createUser(t.app, t.ctx);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function fixture(): Promise<{ fx: ShowtimeFixture; wheelchair: string; companion: string }> {
  const fx = await createShowtime(t.ctx.db, { rows: 2, seatsPerRow: 6 });
  const [wheelchair, companion] = [fx.seatIds[0]!, fx.seatIds[1]!];
  await t.ctx.db.updateTable('seats').set({ tier: 'companion' }).where('id', '=', companion).execute();
  return { fx, wheelchair, companion };
}

function hold(user: TestUser, showtimeId: string, seatIds: string[]) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId, seatIds },
  });
}

async function pay(user: TestUser, bookingId: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${bookingId}/payment`,
    headers: user.auth,
    payload: { card: CARD.good },
  });
  expect(res.statusCode, res.body).toBe(200);
}

describe('companion seats', () => {
  it('are shown as companion seats at the standard price', async () => {
    const { fx, companion } = await fixture();
    const res = await t.app.inject({ url: `/api/v1/showtimes/${fx.showtimeId}/seats`, headers: alice.auth });
    const seat = res
      .json<{ seats: { id: string; tier: string; priceCents: number }[] }>()
      .seats.find((s) => s.id === companion);
    expect(seat).toMatchObject({ tier: 'companion', priceCents: fx.prices.standard });
  });

  it('are refused on their own while their wheelchair space is unsold, and nothing is held', async () => {
    const { fx, companion } = await fixture();
    const res = await hold(alice, fx.showtimeId, [companion, fx.seatIds[2]!]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'COMPANION_SEAT_RESERVED', seatIds: [companion] } });
    const statuses = await seatStatuses(t.ctx.db, fx.showtimeId);
    expect(statuses.get(companion)).toBe('available');
    expect(statuses.get(fx.seatIds[2]!)).toBe('available');
  });

  it('are held together with their wheelchair space, priced by tier', async () => {
    const { fx, wheelchair, companion } = await fixture();
    const res = await hold(alice, fx.showtimeId, [companion, wheelchair]);
    expect(res.statusCode, res.body).toBe(201);
    const tickets = res.json<{
      booking: { tickets: { seatId: string; tier: string; priceCents: number }[] };
    }>().booking.tickets;
    expect(tickets.find((x) => x.seatId === wheelchair)).toMatchObject({
      tier: 'accessible',
      priceCents: fx.prices.accessible,
    });
    expect(tickets.find((x) => x.seatId === companion)).toMatchObject({
      tier: 'companion',
      priceCents: fx.prices.standard,
    });
  });

  it('go to anyone once their wheelchair space is sold without them', async () => {
    const { fx, wheelchair, companion } = await fixture();
    const held = await hold(alice, fx.showtimeId, [wheelchair]);
    expect(held.statusCode).toBe(201);
    // Held, not yet sold: still kept for the companion.
    expect((await hold(bob, fx.showtimeId, [companion])).statusCode).toBe(409);
    await pay(alice, held.json<{ booking: { id: string } }>().booking.id);
    const res = await hold(bob, fx.showtimeId, [companion]);
    expect(res.statusCode, res.body).toBe(201);
  });

  it('may be added by the customer who holds the wheelchair space, in a second hold', async () => {
    const { fx, wheelchair, companion } = await fixture();
    const carol = await createUser(t.app, t.ctx);
    expect((await hold(carol, fx.showtimeId, [wheelchair])).statusCode).toBe(201);
    expect((await hold(bob, fx.showtimeId, [companion])).statusCode).toBe(409);
    const res = await hold(carol, fx.showtimeId, [companion]);
    expect(res.statusCode, res.body).toBe(201);
  });

  it('go to anyone from COMPANION_SEAT_RELEASE_MINUTES before the showtime', async () => {
    const { fx, companion } = await fixture();
    await setShowtimeStart(t.ctx.db, fx.showtimeId, new Date(Date.now() + 31 * 60_000));
    expect((await hold(bob, fx.showtimeId, [companion])).statusCode).toBe(409);
    await setShowtimeStart(t.ctx.db, fx.showtimeId, new Date(Date.now() + 29 * 60_000));
    const res = await hold(bob, fx.showtimeId, [companion]);
    expect(res.statusCode, res.body).toBe(201);
  });

  it('are accepted by the admin layout API as a tier', async () => {
    const admin = await createUser(t.app, t.ctx, 'admin');
    const theater = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/theaters',
      headers: admin.auth,
      payload: { name: 'Companion Cinema', address: '1 Main St', city: 'Boston', lat: 42.36, lng: -71.06 },
    });
    expect(theater.statusCode, theater.body).toBe(201);
    const theaterId = theater.json<{ theater: { id: string } }>().theater.id;
    const aud = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/theaters/${theaterId}/auditoriums`,
      headers: admin.auth,
      payload: {
        name: 'Screen 1',
        rows: [
          {
            label: 'A',
            seats: [
              { number: 1, tier: 'accessible' },
              { number: 2, tier: 'companion' },
              null,
              { number: 3, tier: 'standard' },
            ],
          },
        ],
      },
    });
    expect(aud.statusCode, aud.body).toBe(201);
    expect(aud.body).toContain('"companion"');
  });
});
