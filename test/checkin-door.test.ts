import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortTicketCode } from '../src/modules/checkin/ticket-codes.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, setShowtimeStart } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/** Check-in in the theater's local time, by booking reference and by short code (issue 11). */
const LA = 'America/Los_Angeles';
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
let staff: TestUser;
let customer: TestUser;

beforeAll(async () => {
  // Tokens must outlive the clock moved days ahead.
  t = await createTestApp({
    env: { MAX_ACTIVE_HOLDS_PER_USER: '10', JWT_TTL_SECONDS: String(30 * 86_400) },
    overrides: { clock },
  });
  staff = await createUser(t.app, t.ctx, 'staff');
  customer = await createUser(t.app, t.ctx);
});
afterAll(async () => t?.close());

/** 9:10 PM in Los Angeles, `days` from now. */
function tenPastNineLA(days: number): Date {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: LA }).format(
    new Date(Date.now() + days * 86_400_000),
  );
  for (const offset of ['-07:00', '-08:00']) {
    const at = new Date(`${day}T21:10:00${offset}`);
    const shown = new Intl.DateTimeFormat('en-US', {
      timeZone: LA,
      hour: 'numeric',
      minute: '2-digit',
    }).format(at);
    if (shown === '9:10 PM') return at;
  }
  throw new Error('no 9:10 PM');
}
const dayInLA = (at: Date) =>
  new Intl.DateTimeFormat('en-US', { timeZone: LA, weekday: 'long', month: 'long', day: 'numeric' }).format(
    at,
  );

interface BookingBody {
  id: string;
  reference: string;
  tickets: { id: string; row: string; number: number; admittedAt: string | null }[];
}

/** A paid booking of `seats` seats at 9:10 PM Los Angeles time, three days from now, in a theater in LA. */
async function bookInLA(seats: number) {
  offsetMs = 0;
  const st = await createShowtime(t.ctx.db, {
    rows: 1,
    seatsPerRow: Math.max(seats, 2),
    startsInMinutes: 3 * 1440,
  });
  const startsAt = tenPastNineLA(3);
  await setShowtimeStart(t.ctx.db, st.showtimeId, startsAt);
  const aud = await t.ctx.db
    .selectFrom('auditoriums')
    .select('theater_id')
    .where('id', '=', st.auditoriumId)
    .executeTakeFirstOrThrow();
  await t.ctx.db.updateTable('theaters').set({ time_zone: LA }).where('id', '=', aud.theater_id).execute();
  const hold = await t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: customer.auth,
    payload: { showtimeId: st.showtimeId, seatIds: st.seatIds.slice(0, seats) },
  });
  expect(hold.statusCode, hold.body).toBe(201);
  const pay = await t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${hold.json<{ booking: BookingBody }>().booking.id}/payment`,
    headers: customer.auth,
    payload: { card: CARD.good },
  });
  expect(pay.statusCode, pay.body).toBe(200);
  return { booking: pay.json<{ booking: BookingBody }>().booking, startsAt };
}

const at = (startsAt: Date, minutesBefore: number) => {
  offsetMs = startsAt.getTime() - minutesBefore * 60_000 - Date.now();
};
const post = (user: TestUser, url: string, payload?: object) =>
  t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });
const lookUp = (user: TestUser, reference: string) =>
  t.app.inject({ url: `/api/v1/checkin/bookings/${encodeURIComponent(reference)}`, headers: user.auth });

describe("the door speaks the theater's local time", () => {
  it('says when doors open, which day a ticket is for and when it was used, in words, never ISO', async () => {
    const { booking, startsAt } = await bookInLA(1);
    const ticket = await t.app.inject({
      url: `/api/v1/tickets/${booking.tickets[0]!.id}`,
      headers: customer.auth,
    });
    const code = ticket.json<{ ticket: { code: string } }>().ticket.code;

    at(startsAt, 180); // 6:10 PM the same evening
    const early = await post(staff, '/checkin', { code });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({
      error: {
        code: 'WRONG_SHOWTIME',
        reason: 'too_early',
        timeZone: LA,
        message: 'Too early: doors open at 7:10 PM for the 9:10 PM showing',
        doorsOpenAt: new Date(startsAt.getTime() - 120 * 60_000).toISOString(),
      },
    });

    at(startsAt, 24 * 60); // 9:10 PM the day before
    const dayBefore = await post(staff, '/checkin', { code });
    expect(dayBefore.json()).toMatchObject({
      error: {
        code: 'WRONG_SHOWTIME',
        reason: 'another_day',
        message: `This ticket is for ${dayInLA(startsAt)} at 9:10 PM, not today (${dayInLA(new Date(startsAt.getTime() - 86_400_000))})`,
      },
    });

    at(startsAt, 60); // 8:10 PM
    const admitted = await post(staff, '/checkin', { code });
    expect(admitted.statusCode, admitted.body).toBe(200);
    expect(admitted.json()).toMatchObject({ ticket: { showtime: { timeZone: LA } } });

    at(startsAt, 30);
    const again = await post(staff, '/checkin', { code });
    expect(again.json()).toMatchObject({
      error: {
        code: 'ALREADY_CHECKED_IN',
        message: 'This ticket was already admitted at 8:10 PM',
        timeZone: LA,
      },
    });

    at(startsAt, -140); // 11:30 PM: the showing (100 minutes and 15 of cleaning) ended at 11:05 PM
    const other = await bookInLA(1);
    at(startsAt, -140);
    const ended = await post(staff, `/checkin/tickets/${other.booking.tickets[0]!.id}`);
    expect(ended.json()).toMatchObject({
      error: { code: 'WRONG_SHOWTIME', reason: 'ended', message: 'This showing ended at 11:05 PM' },
    });
    for (const res of [early, dayBefore, again, ended]) {
      expect(res.json<{ error: { message: string } }>().error.message).not.toMatch(/\d{4}-\d{2}-\d{2}|Z\b/);
    }

    // The owner sees the ticket as used.
    offsetMs = 0;
    const own = await t.app.inject({ url: `/api/v1/bookings/${booking.id}`, headers: customer.auth });
    expect(own.json<{ booking: BookingBody }>().booking.tickets[0]!.admittedAt).toBe(
      admitted.json<{ admittedAt: string }>().admittedAt,
    );
    const view = await t.app.inject({
      url: `/api/v1/tickets/${booking.tickets[0]!.id}`,
      headers: customer.auth,
    });
    expect(view.json<{ ticket: { admittedAt: string } }>().ticket.admittedAt).toBe(
      admitted.json<{ admittedAt: string }>().admittedAt,
    );
  });
});

describe('looking a booking up by its reference', () => {
  it('shows its showtime, the door and its tickets in local time, and admits them one by one', async () => {
    const { booking, startsAt } = await bookInLA(2);
    at(startsAt, 180);
    const spoken = booking.reference.toLowerCase().replace(/(.{4})/, '$1 ');
    const before = await lookUp(staff, spoken);
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toMatchObject({
      booking: {
        id: booking.id,
        reference: booking.reference,
        status: 'confirmed',
        showtime: { timeZone: LA, startsAt: startsAt.toISOString() },
        door: {
          open: false,
          reason: 'too_early',
          message: 'Too early: doors open at 7:10 PM for the 9:10 PM showing',
        },
        tickets: booking.tickets.map((tk) => ({
          id: tk.id,
          seat: { row: tk.row, number: tk.number },
          shortCode: shortTicketCode(t.config, tk.id),
          admittable: true,
          admittedAt: null,
        })),
      },
    });

    at(startsAt, 15);
    expect((await lookUp(staff, booking.reference)).json()).toMatchObject({
      booking: { door: { open: true, reason: null } },
    });
    for (const tk of booking.tickets) {
      const res = await post(staff, `/checkin/tickets/${tk.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ ticket: { id: tk.id, bookingReference: booking.reference } });
    }
    const after = (await lookUp(staff, booking.reference)).json<{
      booking: { tickets: { admittable: boolean; admittedAt: string | null }[] };
    }>();
    expect(after.booking.tickets.every((tk) => !tk.admittable && tk.admittedAt)).toBe(true);
    expect((await post(staff, `/checkin/tickets/${booking.tickets[0]!.id}`)).json()).toMatchObject({
      error: { code: 'ALREADY_CHECKED_IN', message: 'This ticket was already admitted at 8:55 PM' },
    });
  });

  it('is for staff only, and answers unknown references with 404 BOOKING_NOT_FOUND', async () => {
    const { booking } = await bookInLA(1);
    offsetMs = 0;
    const asCustomer = await lookUp(customer, booking.reference);
    expect(asCustomer.statusCode).toBe(403);
    const anonymous = await t.app.inject({ url: `/api/v1/checkin/bookings/${booking.reference}` });
    expect(anonymous.statusCode).toBe(401);
    expect((await post(customer, `/checkin/tickets/${booking.tickets[0]!.id}`)).statusCode).toBe(403);
    for (const ref of ['ZZZZZZZZ', 'nope', '1234567']) {
      const res = await lookUp(staff, ref);
      expect(res.statusCode, ref).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'BOOKING_NOT_FOUND' } });
    }
  });
});

describe('short codes', () => {
  it('admit the right ticket, typed loosely, and refuse a wrong one', async () => {
    const { booking, startsAt } = await bookInLA(2);
    const [first, second] = booking.tickets as [BookingBody['tickets'][0], BookingBody['tickets'][0]];
    const view = await t.app.inject({ url: `/api/v1/tickets/${second.id}`, headers: customer.auth });
    const short = view.json<{ ticket: { shortCode: string } }>().ticket.shortCode;
    expect(short).toBe(shortTicketCode(t.config, second.id));
    expect(short).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);

    at(startsAt, 30);
    // A wrong check part: the locator finds the ticket, the HMAC refuses it.
    const last = short.at(-1) === '0' ? '1' : '0';
    const wrong = await post(staff, '/checkin', { code: short.slice(0, -1) + last });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json()).toMatchObject({ error: { code: 'TICKET_NOT_FOUND' } });
    // Another ticket's locator with this ticket's check part.
    const otherShort = shortTicketCode(t.config, first.id);
    const swapped = await post(staff, '/checkin', { code: otherShort.slice(0, 5) + short.slice(5) });
    expect(swapped.statusCode).toBe(404);
    expect((await post(staff, '/checkin', { code: 'ABCDE-FGHJU' })).json()).toMatchObject({
      error: { code: 'INVALID_CODE' },
    });

    const typed = ` ${short.toLowerCase().replace('-', ' ')} `;
    const ok = await post(staff, '/checkin', { code: typed });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ ticket: { id: second.id, shortCode: short } });
    const lookup = (await lookUp(staff, booking.reference)).json<{
      booking: { tickets: { id: string; admittedAt: string | null }[] };
    }>();
    expect(lookup.booking.tickets.find((tk) => tk.id === first.id)?.admittedAt).toBeNull();
    expect(lookup.booking.tickets.find((tk) => tk.id === second.id)?.admittedAt).not.toBeNull();
    expect((await post(staff, '/checkin', { code: short })).json()).toMatchObject({
      error: { code: 'ALREADY_CHECKED_IN' },
    });
  });
});
