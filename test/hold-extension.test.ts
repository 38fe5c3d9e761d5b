import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, seatStatuses } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/** "Add 3 minutes": once per hold, never past its hard deadline, never for a hold that has ended. */
let t: TestApp;
let short: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    env: { HOLD_TTL_SECONDS: '420', HOLD_MAX_LIFETIME_SECONDS: '900', HOLD_EXTENSION_SECONDS: '180' },
  });
  // A hard deadline only 80 s after the hold's first end, and one with none to spare at all.
  short = await createTestApp({
    env: { HOLD_TTL_SECONDS: '420', HOLD_MAX_LIFETIME_SECONDS: '500', HOLD_EXTENSION_SECONDS: '180' },
  });
}, 60_000);
afterAll(async () => {
  await short.close();
  await t.close();
});

interface BookingBody {
  id: string;
  status: string;
  expiresAt: string;
  maxExpiresAt: string;
  extendedAt?: string | null;
  extensionSeconds?: number;
}

async function hold(app: TestApp, user: TestUser, seatIds?: string[]): Promise<BookingBody> {
  const st = await createShowtime(app.ctx.db, { rows: 2, seatsPerRow: 4 });
  const res = await app.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId: st.showtimeId, seatIds: seatIds ?? st.seatIds.slice(4, 6) },
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ booking: BookingBody }>().booking;
}

async function extend(app: TestApp, user: TestUser, bookingId: string) {
  const res = await app.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${bookingId}/extend`,
    headers: user.auth,
  });
  return {
    status: res.statusCode,
    body: res.json<{ booking?: BookingBody; error?: { code: string; message: string } }>(),
  };
}

async function storedEnd(app: TestApp, bookingId: string): Promise<{ expires: Date; extended: Date | null }> {
  const row = await app.ctx.db
    .selectFrom('bookings')
    .select(['expires_at', 'extended_at'])
    .where('id', '=', bookingId)
    .executeTakeFirstOrThrow();
  return { expires: row.expires_at, extended: row.extended_at };
}

describe('POST /bookings/:id/extend', () => {
  it('adds HOLD_EXTENSION_SECONDS once; the booking shows it; a second ask is 409', async () => {
    const user = await createUser(t.app, t.ctx);
    const booking = await hold(t, user);
    expect(booking.extendedAt).toBeNull();
    expect(booking.extensionSeconds).toBe(180);

    const first = await extend(t, user, booking.id);
    expect(first.status).toBe(200);
    const after = first.body.booking!;
    expect(new Date(after.expiresAt).getTime() - new Date(booking.expiresAt).getTime()).toBe(180_000);
    expect(after.extendedAt).toEqual(expect.any(String));
    expect(after.extensionSeconds).toBe(0);
    expect(after.status).toBe('pending');

    const again = await extend(t, user, booking.id);
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe('HOLD_ALREADY_EXTENDED');
    expect((await storedEnd(t, booking.id)).expires.toISOString()).toBe(after.expiresAt);

    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/bookings/${booking.id}`,
      headers: user.auth,
    });
    expect(read.json<{ booking: BookingBody }>().booking).toMatchObject({
      expiresAt: after.expiresAt,
      extendedAt: after.extendedAt,
      extensionSeconds: 0,
    });
  });

  it('never past the hard deadline: less time when it is near, 409 when the hold is already at it', async () => {
    const user = await createUser(short.app, short.ctx);
    const booking = await hold(short, user);
    expect(booking.extensionSeconds).toBe(80);
    const r = await extend(short, user, booking.id);
    expect(r.status).toBe(200);
    expect(r.body.booking!.expiresAt).toBe(booking.maxExpiresAt);

    const other = await hold(short, user);
    // The hold already ends at its deadline (a payment's grace can bring it there).
    await sql`UPDATE bookings SET expires_at = max_expires_at WHERE id = ${other.id}`.execute(short.ctx.db);
    const read = await short.app.inject({
      method: 'GET',
      url: `/api/v1/bookings/${other.id}`,
      headers: user.auth,
    });
    expect(read.json<{ booking: BookingBody }>().booking.extensionSeconds).toBe(0);
    const atMax = await extend(short, user, other.id);
    expect(atMax.status).toBe(409);
    expect(atMax.body.error!.code).toBe('HOLD_AT_MAXIMUM');
    expect((await storedEnd(short, other.id)).extended).toBeNull();
  });

  it('never revives a hold whose time has run out, even before the sweep has marked it', async () => {
    const user = await createUser(t.app, t.ctx);
    const booking = await hold(t, user);
    await sql`UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = ${booking.id}`.execute(
      t.ctx.db,
    );
    const before = await storedEnd(t, booking.id);
    const r = await extend(t, user, booking.id);
    expect(r.status).toBe(409);
    expect(r.body.error!.code).toBe('HOLD_ENDED');
    const afterwards = await storedEnd(t, booking.id);
    expect(afterwards.expires.getTime()).toBe(before.expires.getTime());
    expect(afterwards.extended).toBeNull();
    const { showtime_id: showtimeId } = await t.ctx.db
      .selectFrom('bookings')
      .select('showtime_id')
      .where('id', '=', booking.id)
      .executeTakeFirstOrThrow();
    expect([...(await seatStatuses(t.ctx.db, showtimeId)).values()].every((s) => s === 'available')).toBe(
      true,
    );

    // Marked expired by the sweep: the same answer.
    await new BookingsService(t.ctx).sweep();
    const swept = await extend(t, user, booking.id);
    expect(swept.status).toBe(409);
    expect(swept.body.error!.code).toBe('HOLD_ENDED');
  });

  it('not for a paid, a cancelled or somebody else’s booking', async () => {
    const user = await createUser(t.app, t.ctx);
    const paid = await hold(t, user);
    const pay = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${paid.id}/payment`,
      headers: user.auth,
      payload: { card: CARD.good },
    });
    expect(pay.statusCode).toBe(200);
    const r1 = await extend(t, user, paid.id);
    expect(r1.status).toBe(409);
    expect(r1.body.error!.code).toBe('ALREADY_PAID');

    const cancelled = await hold(t, user);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/bookings/${cancelled.id}`,
      headers: user.auth,
    });
    expect(del.statusCode).toBe(200);
    const r2 = await extend(t, user, cancelled.id);
    expect(r2.status).toBe(409);
    expect(r2.body.error!.code).toBe('BOOKING_NOT_PENDING');

    const mine = await hold(t, user);
    const stranger = await createUser(t.app, t.ctx);
    expect((await extend(t, stranger, mine.id)).status).toBe(404);
    expect((await extend(t, user, randomUUID())).status).toBe(404);
    expect((await extend(t, user, 'not-a-uuid')).status).toBe(400);
    expect((await storedEnd(t, mine.id)).extended).toBeNull();
  });

  it('20 simultaneous asks for the same hold: exactly one succeeds, and the hold gains one extension', async () => {
    const user = await createUser(t.app, t.ctx);
    const booking = await hold(t, user);
    const results = await Promise.all(Array.from({ length: 20 }, () => extend(t, user, booking.id)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error!.code)).toEqual(
      Array<string>(19).fill('HOLD_ALREADY_EXTENDED'),
    );
    const end = await storedEnd(t, booking.id);
    expect(end.expires.getTime() - new Date(booking.expiresAt).getTime()).toBe(180_000);
  });
});
