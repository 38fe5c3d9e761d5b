import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * The account page's API (profile, password, sign out everywhere) and "Add to calendar": the .ics of a booking,
 * parsed back with ical.js, whose times must be the theater's local clock.
 */
const PUBLIC_URL = 'https://tickets.example.test';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL, AUTH_CACHE_TTL_MS: '0' } });
});
afterAll(async () => {
  await t?.close();
});

const codeOf = (res: { json: <T>() => T }) => res.json<{ error: { code: string } }>().error.code;
const patchMe = (user: TestUser, payload: unknown) =>
  t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: user.auth, payload: payload as object });
const changePassword = (auth: { authorization: string }, payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: auth, payload: payload as object });
const login = (email: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

describe('profile', () => {
  it('changes the name and the phone, parsed as people type it and kept in E.164', async () => {
    const user = await createUser(t.app, t.ctx);
    const res = await patchMe(user, { name: '  Katherine Johnson ', phone: '(212) 555-0142' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ user: { name: 'Katherine Johnson', phone: '+12125550142' } });
    const gb = await patchMe(user, { phone: '020 7946 0018', phoneCountry: 'GB' });
    expect(gb.json()).toMatchObject({ user: { name: 'Katherine Johnson', phone: '+442079460018' } });
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: user.auth });
    expect(me.json()).toMatchObject({ user: { phone: '+442079460018' } });
    const removed = await patchMe(user, { phone: null });
    expect(removed.json()).toMatchObject({ user: { phone: null } });
  });

  it('refuses a bad phone with 400 INVALID_PHONE naming the field, and changes nothing', async () => {
    const user = await createUser(t.app, t.ctx, 'customer', { phone: '+12125550142' });
    const res = await patchMe(user, { name: 'Changed', phone: '555-0142' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'INVALID_PHONE', fields: [{ field: 'body.phone' }] },
    });
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: user.auth });
    const after = me.json<{ user: { phone: string; name: string } }>().user;
    expect(after.phone).toBe('+12125550142');
    expect(after.name).not.toBe('Changed');
  });

  it('refuses an empty name, unknown fields and a missing token', async () => {
    const user = await createUser(t.app, t.ctx);
    for (const body of [{ name: '' }, { name: '   ' }, { email: 'new@example.com' }]) {
      const res = await patchMe(user, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(codeOf(res)).toBe('VALIDATION_FAILED');
    }
    const anonymous = await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'X' } });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('password change', () => {
  it('needs the current password (400 WRONG_PASSWORD) and the sign-up rules for the new one', async () => {
    const user = await createUser(t.app, t.ctx);
    const wrong = await changePassword(user.auth, {
      currentPassword: 'not-it',
      newPassword: 'new-password-1',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({
      error: { code: 'WRONG_PASSWORD', fields: [{ field: 'body.currentPassword' }] },
    });
    const short = await changePassword(user.auth, { currentPassword: 'password-123', newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    expect(codeOf(short)).toBe('VALIDATION_FAILED');
    // Neither attempt changed anything or signed anyone out.
    expect((await login(user.email, 'password-123')).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: user.auth })).statusCode).toBe(200);
  });

  it('sets the new password, revokes every earlier token and answers a fresh one', async () => {
    const user = await createUser(t.app, t.ctx);
    const res = await changePassword(user.auth, {
      currentPassword: 'password-123',
      newPassword: 'new-password-1',
    });
    expect(res.statusCode, res.body).toBe(200);
    const fresh = { authorization: `Bearer ${res.json<{ token: string }>().token}` };
    const old = await t.app.inject({ url: '/api/v1/auth/me', headers: user.auth });
    expect(old.statusCode).toBe(401);
    expect(codeOf(old)).toBe('TOKEN_REVOKED');
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: fresh })).statusCode).toBe(200);
    expect((await login(user.email, 'password-123')).statusCode).toBe(401);
    expect((await login(user.email, 'new-password-1')).statusCode).toBe(200);
  });

  it('sign out everywhere revokes this session too', async () => {
    const user = await createUser(t.app, t.ctx);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: user.auth });
    expect(res.statusCode).toBe(204);
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: user.auth });
    expect(me.statusCode).toBe(401);
    expect(codeOf(me)).toBe('TOKEN_REVOKED');
  });
});

describe('Add to calendar: GET /bookings/:id/calendar.ics', () => {
  const THEATER = { name: 'Castro, Theatre', address: '429 Castro St', city: 'San Francisco' };
  const ZONE = 'America/Los_Angeles';
  let customer: TestUser;
  let bookingId: string;
  let reference: string;
  let startsAt: Date;

  beforeAll(async () => {
    customer = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 2, seatsPerRow: 4 });
    const ids = await t.ctx.db
      .selectFrom('showtimes as s')
      .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
      .select(['a.theater_id', 's.movie_id', 's.starts_at'])
      .where('s.id', '=', st.showtimeId)
      .executeTakeFirstOrThrow();
    startsAt = ids.starts_at;
    await t.ctx.db
      .updateTable('theaters')
      .set({ ...THEATER, time_zone: ZONE })
      .where('id', '=', ids.theater_id)
      .execute();
    await t.ctx.db
      .updateTable('movies')
      .set({ title: 'Vertigo; Restored', runtime_minutes: 128 })
      .where('id', '=', ids.movie_id)
      .execute();
    const held = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: customer.auth,
      payload: { showtimeId: st.showtimeId, seatIds: [st.seatIds[2]!] },
    });
    expect(held.statusCode, held.body).toBe(201);
    ({ id: bookingId, reference } = held.json<{ booking: { id: string; reference: string } }>().booking);
    const early = await t.app.inject({
      url: `/api/v1/bookings/${bookingId}/calendar.ics`,
      headers: customer.auth,
    });
    expect(early.statusCode).toBe(409);
    expect(codeOf(early)).toBe('BOOKING_NOT_CONFIRMED');
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${bookingId}/payment`,
      headers: customer.auth,
      payload: { card: CARD.good },
    });
    expect(paid.statusCode, paid.body).toBe(200);
  });

  it('is an iCalendar file whose start and end are on the theater clock, with the place and a link', async () => {
    const res = await t.app.inject({
      url: `/api/v1/bookings/${bookingId}/calendar.ics`,
      headers: customer.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="matinee-${reference}.ics"`);

    const calendar = new ICAL.Component(ICAL.parse(res.body) as unknown[]);
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    const vtimezone = calendar.getFirstSubcomponent('vtimezone')!;
    expect(vtimezone.getFirstPropertyValue('tzid')).toBe(ZONE);
    ICAL.TimezoneService.register(vtimezone);
    const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);

    // The wall clock in Los Angeles, worked out by Intl, is what the file says, in that zone.
    const local = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: ZONE,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      })
        .formatToParts(startsAt)
        .map((p) => [p.type, Number(p.value)]),
    );
    expect(event.component.getFirstProperty('dtstart')!.getParameter('tzid')).toBe(ZONE);
    expect(event.startDate.zone?.tzid).toBe(ZONE);
    expect({
      year: event.startDate.year,
      month: event.startDate.month,
      day: event.startDate.day,
      hour: event.startDate.hour,
      minute: event.startDate.minute,
    }).toEqual({
      year: local.year,
      month: local.month,
      day: local.day,
      hour: local.hour,
      minute: local.minute,
    });
    // And, read through its VTIMEZONE, the same instant as the showtime; the end is the runtime later.
    expect(event.startDate.toJSDate().getTime()).toBe(Math.floor(startsAt.getTime() / 1000) * 1000);
    expect(event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime()).toBe(128 * 60_000);

    expect(event.summary).toBe('Vertigo; Restored (Matinee)');
    expect(event.location).toBe(`${THEATER.name}, ${THEATER.address}, ${THEATER.city}`);
    expect(event.uid).toBe(`booking-${bookingId}@matinee.local`);
    const url = `${PUBLIC_URL}/bookings/${bookingId}`;
    expect(event.component.getFirstPropertyValue('url')).toBe(url);
    expect(event.description).toContain(reference);
    expect(event.description).toContain(url);
  });

  it("is someone else's booking: 404, like one that does not exist", async () => {
    const other = await createUser(t.app, t.ctx);
    const res = await t.app.inject({
      url: `/api/v1/bookings/${bookingId}/calendar.ics`,
      headers: other.auth,
    });
    expect(res.statusCode).toBe(404);
    const anonymous = await t.app.inject({ url: `/api/v1/bookings/${bookingId}/calendar.ics` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('the booking shows the card that paid: brand and last four digits', async () => {
    const res = await t.app.inject({ url: `/api/v1/bookings/${bookingId}`, headers: customer.auth });
    expect(res.json()).toMatchObject({
      booking: { payments: [{ status: 'succeeded', brand: 'visa', last4: '4242' }] },
    });
  });
});
