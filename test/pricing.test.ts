import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taxCents } from '../src/modules/catalog/ticket-prices.js';
import { renderEmail } from '../src/modules/notifications/notifications.messages.js';
import { NotificationsRepository } from '../src/modules/notifications/notifications.repository.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtimeFixture, type ShowtimeFixture } from './helpers/catalog.js';
import { CARD, seatStatuses } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Prices before seats: ticket types per showtime, a booking fee and a sales tax per theater, a breakdown stored
 * by the hold itself and charged as stored.
 */
let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.app, t.ctx, 'admin');
}, 60_000);
afterAll(async () => {
  await t.close();
});

interface Breakdown {
  byType: { ticketType: string; count: number; subtotalCents: number }[];
  ticketsCents: number;
  bookingFeeCents: number;
  taxRatePpm: number;
  taxCents: number;
  totalCents: number;
}
interface BookingBody {
  id: string;
  status: string;
  totalCents: number;
  tickets: { seatId: string; tier: string; ticketType: string; priceCents: number }[];
  breakdown: Breakdown;
}

async function adminCall(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return t.app.inject({ method, url: `/api/v1/admin${url}`, headers: admin.auth, payload });
}

/** Row A standard (1200), row B premium (1800); the theater charges 150 per ticket and 10% tax. */
async function pricedShowtime(): Promise<ShowtimeFixture> {
  const st = await createShowtimeFixture(t.app, admin.token, {
    rows: 3,
    seatsPerRow: 4,
    premiumRows: [1],
    prices: { standard: 1200, premium: 1800 },
  });
  const fees = await adminCall('PATCH', `/theaters/${st.theaterId}`, {
    bookingFeeCents: 150,
    taxRatePpm: 100_000,
  });
  expect(fees.statusCode).toBe(200);
  expect(fees.json()).toMatchObject({ theater: { bookingFeeCents: 150, taxRatePpm: 100_000 } });
  const types = await adminCall('PATCH', `/showtimes/${st.showtimeId}`, {
    ticketTypes: { child: 315, senior: 200 },
  });
  expect(types.statusCode).toBe(200);
  return st;
}

async function hold(user: TestUser, payload: object) {
  return t.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: user.auth, payload });
}

describe('tax rounding', () => {
  it('is integer cents, half up, on the whole subtotal', () => {
    expect(taxCents(2985, 100_000)).toBe(299); // 298.5 -> 299 (half up, not to even)
    expect(taxCents(2984, 100_000)).toBe(298); // 298.4
    expect(taxCents(1000, 88_750)).toBe(89); // 88.75
    expect(taxCents(1400, 88_750)).toBe(124); // 124.25
    expect(taxCents(1000, 0)).toBe(0);
  });
});

describe('ticket types and prices per showtime', () => {
  it('shows the offered types with their prices per tier, the fee and tax, and "from" on listings', async () => {
    const st = await pricedShowtime();
    const user = await createUser(t.app, t.ctx);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/showtimes/${st.showtimeId}`,
      headers: user.auth,
    });
    expect(res.statusCode).toBe(200);
    const showtime = res.json<{
      showtime: { ticketTypes: unknown[]; bookingFeeCents: number; taxRatePpm: number };
    }>().showtime;
    expect(showtime.ticketTypes).toEqual([
      { type: 'adult', discountCents: 0, prices: { standard: 1200, premium: 1800, accessible: 1200 } },
      { type: 'child', discountCents: 315, prices: { standard: 885, premium: 1485, accessible: 885 } },
      { type: 'senior', discountCents: 200, prices: { standard: 1000, premium: 1600, accessible: 1000 } },
    ]);
    expect(showtime.bookingFeeCents).toBe(150);
    expect(showtime.taxRatePpm).toBe(100_000);

    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(
      new Date(st.startsAt),
    );
    const listing = await t.app.inject({
      method: 'GET',
      url: `/api/v1/theaters/${st.theaterId}/movies?date=${date}`,
      headers: user.auth,
    });
    expect(listing.statusCode).toBe(200);
    const listed = listing.json<{ movies: { showtimes: { id: string; fromCents: number }[] }[] }>();
    expect(listed.movies[0]!.showtimes[0]).toMatchObject({ id: st.showtimeId, fromCents: 885 });

    const admin1 = await adminCall('GET', `/showtimes/${st.showtimeId}`);
    expect(
      admin1.json<{ showtime: { ticketTypes: { type: string }[] } }>().showtime.ticketTypes,
    ).toHaveLength(3);
  });

  it('prices each seat by its tier and type, adds the fee per ticket and the tax half up, and stores it', async () => {
    const st = await pricedShowtime();
    const user = await createUser(t.app, t.ctx);
    // A2 (standard) comes first in seat order: adult; B2 (premium): child.
    const seats = [st.seatIds[5]!, st.seatIds[1]!];
    const res = await hold(user, {
      showtimeId: st.showtimeId,
      seatIds: seats,
      ticketTypes: { adult: 1, child: 1 },
    });
    expect(res.statusCode).toBe(201);
    const booking = res.json<{ booking: BookingBody }>().booking;
    expect(booking.tickets.map((x) => [x.seatId, x.tier, x.ticketType, x.priceCents])).toEqual([
      [st.seatIds[1], 'standard', 'adult', 1200],
      [st.seatIds[5], 'premium', 'child', 1485],
    ]);
    // 2685 tickets + 300 fee = 2985; 10% = 298.5 -> 299; total 3284.
    expect(booking.breakdown).toEqual({
      byType: [
        { ticketType: 'adult', count: 1, subtotalCents: 1200 },
        { ticketType: 'child', count: 1, subtotalCents: 1485 },
      ],
      ticketsCents: 2685,
      bookingFeeCents: 300,
      taxRatePpm: 100_000,
      taxCents: 299,
      totalCents: 3284,
    });
    expect(booking.totalCents).toBe(3284);
    const row = await t.ctx.db
      .selectFrom('bookings')
      .select(['total_cents', 'booking_fee_cents', 'tax_cents', 'tax_rate_ppm'])
      .where('id', '=', booking.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ total_cents: 3284, booking_fee_cents: 300, tax_cents: 299, tax_rate_ppm: 100_000 });
  });

  it('without ticket types every ticket is adult, as before', async () => {
    const st = await pricedShowtime();
    const user = await createUser(t.app, t.ctx);
    const res = await hold(user, { showtimeId: st.showtimeId, seatIds: [st.seatIds[2]!] });
    expect(res.statusCode).toBe(201);
    const booking = res.json<{ booking: BookingBody }>().booking;
    expect(booking.tickets[0]).toMatchObject({ ticketType: 'adult', priceCents: 1200 });
    // 1200 + 150 = 1350; 10% = 135.
    expect(booking.breakdown).toMatchObject({ ticketsCents: 1200, bookingFeeCents: 150, taxCents: 135 });
    expect(booking.totalCents).toBe(1485);
  });

  it('best available takes ticket types too', async () => {
    const st = await pricedShowtime();
    const user = await createUser(t.app, t.ctx);
    const res = await hold(user, {
      showtimeId: st.showtimeId,
      count: 2,
      tier: 'standard',
      ticketTypes: { senior: 2 },
    });
    expect(res.statusCode).toBe(201);
    const booking = res.json<{ booking: BookingBody }>().booking;
    expect(booking.tickets.map((x) => [x.ticketType, x.priceCents])).toEqual([
      ['senior', 1000],
      ['senior', 1000],
    ]);
    expect(booking.totalCents).toBe(2000 + 300 + 230);
  });
});

describe('the stored breakdown', () => {
  it('does not change when the operator changes prices, and payment charges exactly the stored total', async () => {
    const st = await pricedShowtime();
    const user = await createUser(t.app, t.ctx);
    const held = await hold(user, {
      showtimeId: st.showtimeId,
      seatIds: [st.seatIds[1]!, st.seatIds[5]!],
      ticketTypes: { adult: 1, child: 1 },
    });
    expect(held.statusCode).toBe(201);
    const before = held.json<{ booking: BookingBody }>().booking;

    expect(
      (await adminCall('PATCH', `/theaters/${st.theaterId}`, { bookingFeeCents: 999, taxRatePpm: 250_000 }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await adminCall('PATCH', `/showtimes/${st.showtimeId}`, {
          prices: { standard: 5000, premium: 7000 },
          ticketTypes: { child: null },
        })
      ).statusCode,
    ).toBe(200);

    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/bookings/${before.id}`,
      headers: user.auth,
    });
    const after = read.json<{ booking: BookingBody }>().booking;
    expect(after.breakdown).toEqual(before.breakdown);
    expect(after.tickets).toEqual(before.tickets);

    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${before.id}/payment`,
      headers: user.auth,
      payload: { card: CARD.good },
    });
    expect(paid.statusCode).toBe(200);
    const body = paid.json<{ booking: BookingBody; payment: { amountCents: number } }>();
    expect(body.payment.amountCents).toBe(3284);
    expect(body.booking.status).toBe('confirmed');
    expect(body.booking.breakdown).toEqual(before.breakdown);
    expect(body.booking.tickets.map((x) => x.ticketType)).toEqual(['adult', 'child']);
    const charged = await sql<{ amount_cents: number }>`
      SELECT c.amount_cents FROM sim_gateway.charges c
        JOIN payments p ON p.charge_id = c.id WHERE p.booking_id = ${before.id}`.execute(t.ctx.db);
    expect(charged.rows).toEqual([{ amount_cents: 3284 }]);

    // My bookings shows the same breakdown.
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/bookings', headers: user.auth });
    expect(list.json<{ bookings: BookingBody[] }>().bookings[0]!.breakdown).toEqual(before.breakdown);

    // The confirmation email says the same amounts.
    const view = await new NotificationsRepository().bookingView(t.ctx.db, before.id);
    const mail = await renderEmail('booking.confirmed', view!, {
      messageId: '<x@test>',
      to: 'x@example.com',
      ticketCode: (id) => id,
      domain: 'test',
      publicUrl: 'http://localhost:3000',
    });
    expect(mail.text).toContain(
      '  1 Adult: $12.00\n  1 Child: $14.85\n  Booking fee: $3.00\n  Tax (10%): $2.99',
    );
    expect(mail.text).toContain('Total paid: $32.84');
    expect(mail.html).toContain('Tax (10%)');

    // New holds take the new prices: child is no longer offered, the fee and tax are the new ones.
    const other = await createUser(t.app, t.ctx);
    const adult = await hold(other, { showtimeId: st.showtimeId, seatIds: [st.seatIds[2]!] });
    expect(adult.json<{ booking: BookingBody }>().booking.breakdown).toMatchObject({
      ticketsCents: 5000,
      bookingFeeCents: 999,
      taxCents: 1500, // 25% of 5999 = 1499.75
      totalCents: 7499,
    });
  });
});

describe('bad input is a coded 400', () => {
  it('refuses unknown types, counts that do not match the seats and types the showtime does not offer', async () => {
    const st = await pricedShowtime();
    const user = await createUser(t.app, t.ctx);
    const seats = [st.seatIds[1]!, st.seatIds[2]!];

    const unknown = await hold(user, { showtimeId: st.showtimeId, seatIds: seats, ticketTypes: { kid: 2 } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });

    const tooFew = await hold(user, { showtimeId: st.showtimeId, seatIds: seats, ticketTypes: { adult: 1 } });
    expect(tooFew.statusCode).toBe(400);
    expect(tooFew.json()).toMatchObject({ error: { code: 'TICKET_COUNT_MISMATCH', tickets: 1, seats: 2 } });

    const tooMany = await hold(user, {
      showtimeId: st.showtimeId,
      seatIds: seats,
      ticketTypes: { adult: 2, child: 1 },
    });
    expect(tooMany.json()).toMatchObject({ error: { code: 'TICKET_COUNT_MISMATCH' } });

    const negative = await hold(user, {
      showtimeId: st.showtimeId,
      seatIds: seats,
      ticketTypes: { adult: -1, child: 3 },
    });
    expect(negative.statusCode).toBe(400);

    const best = await hold(user, { showtimeId: st.showtimeId, count: 2, ticketTypes: { adult: 3 } });
    expect(best.statusCode).toBe(400);
    expect(best.json()).toMatchObject({ error: { code: 'TICKET_COUNT_MISMATCH' } });

    const student = await hold(user, {
      showtimeId: st.showtimeId,
      seatIds: seats,
      ticketTypes: { adult: 1, student: 1 },
    });
    expect(student.statusCode).toBe(400);
    expect(student.json()).toMatchObject({
      error: { code: 'TICKET_TYPE_NOT_OFFERED', ticketTypes: ['student'] },
    });
    // Nothing was held by any of these.
    const statuses = await seatStatuses(t.ctx.db, st.showtimeId);
    expect(seats.map((id) => statuses.get(id))).toEqual(['available', 'available']);
  });

  it('refuses negative prices, fees and discounts, and out-of-range tax, in the admin API', async () => {
    const st = await pricedShowtime();
    const cases: [string, string, object][] = [
      ['PATCH', `/theaters/${st.theaterId}`, { bookingFeeCents: -1 }],
      ['PATCH', `/theaters/${st.theaterId}`, { taxRatePpm: 1_000_001 }],
      ['PATCH', `/theaters/${st.theaterId}`, { taxRatePpm: 1.5 }],
      ['PATCH', `/showtimes/${st.showtimeId}`, { ticketTypes: { child: -100 } }],
      ['PATCH', `/showtimes/${st.showtimeId}`, { ticketTypes: { adult: 100 } }],
      ['PATCH', `/showtimes/${st.showtimeId}`, { prices: { standard: -1200 } }],
      [
        'POST',
        '/showtimes',
        {
          auditoriumId: st.auditoriumId,
          movieId: st.movieId,
          startsAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
          prices: { standard: 1200 },
          ticketTypes: { senior: -5 },
        },
      ],
    ];
    for (const [method, url, payload] of cases) {
      const res = await adminCall(method as 'PATCH', url, payload);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    // Unchanged by the refusals.
    const theater = await adminCall('GET', `/theaters/${st.theaterId}`);
    expect(theater.json()).toMatchObject({ theater: { bookingFeeCents: 150, taxRatePpm: 100_000 } });
  });
});
