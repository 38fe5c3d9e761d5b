import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import ICAL from 'ical.js';
import type { Attachment } from 'mailparser';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortTicketCode } from '../src/modules/checkin/ticket-codes.js';
import type { NotificationRow } from '../src/db/schema.js';
import { runNotificationDeadLetter } from '../src/jobs/deliver-notification.js';
import { QUEUES } from '../src/jobs/queue.js';
import { startWorkers, type Workers } from '../src/jobs/worker.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import {
  recordBookingEvent,
  type DeliverNotificationJob,
} from '../src/modules/notifications/notifications.outbox.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './helpers/app.js';
import { CARD, createShowtime } from './helpers/fixtures.js';
import {
  freePort,
  startSmsStub,
  startSmtpServer,
  waitFor,
  type SmsStub,
  type TestSmtpServer,
} from './helpers/notify.js';
import { createUser, type TestUser } from './helpers/users.js';

interface BookingBody {
  id: string;
  reference: string;
  status: string;
  totalCents: number;
  tickets: { id: string; row: string; number: number; tier: string }[];
}

const MOVIE = 'Amélie & the Night Train';
const THEATER = { name: 'Roxy Shibuya', address: '1-2-3 Dogenzaka', city: 'Tokyo', timeZone: 'Asia/Tokyo' };

/** A showtime tomorrow at a theater in Tokyo (UTC+9, no DST), so "local time" is checkable by hand. */
async function tokyoShowtime(t: TestApp, opts: { rows?: number; seatsPerRow?: number } = {}) {
  const st = await createShowtime(t.ctx.db, { rows: opts.rows ?? 3, seatsPerRow: opts.seatsPerRow ?? 10 });
  const ids = await t.ctx.db
    .selectFrom('showtimes as s')
    .innerJoin('auditoriums as a', 'a.id', 's.auditorium_id')
    .select(['a.theater_id', 's.movie_id', 's.starts_at'])
    .where('s.id', '=', st.showtimeId)
    .executeTakeFirstOrThrow();
  await t.ctx.db
    .updateTable('theaters')
    .set({ name: THEATER.name, address: THEATER.address, city: THEATER.city, time_zone: THEATER.timeZone })
    .where('id', '=', ids.theater_id)
    .execute();
  await t.ctx.db.updateTable('movies').set({ title: MOVIE }).where('id', '=', ids.movie_id).execute();
  return { ...st, startsAt: ids.starts_at };
}

async function hold(t: TestApp, user: TestUser, showtimeId: string, seatIds: string[]): Promise<BookingBody> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId, seatIds },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ booking: BookingBody }>().booking;
}

async function bookAndPay(t: TestApp, user: TestUser, showtimeId: string, seatIds: string[]) {
  const held = await hold(t, user, showtimeId, seatIds);
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${held.id}/payment`,
    headers: user.auth,
    payload: { card: CARD.good },
  });
  expect(res.statusCode, res.body).toBe(200);
  const { booking } = res.json<{ booking: BookingBody }>();
  expect(booking.status).toBe('confirmed');
  return booking;
}

async function rowsOf(t: TestApp, bookingId: string): Promise<NotificationRow[]> {
  return t.ctx.db
    .selectFrom('notifications')
    .selectAll()
    .where('booking_id', '=', bookingId)
    .orderBy('channel')
    .orderBy('event')
    .execute();
}

async function waitSent(
  t: TestApp,
  bookingId: string,
  event: string,
  channels: string[],
  timeoutMs = 20_000,
) {
  return waitFor(
    `${event} via ${channels.join('+')} to be sent`,
    async () => {
      const rows = (await rowsOf(t, bookingId)).filter((r) => r.event === event);
      return rows.length === channels.length && rows.every((r) => r.status === 'sent') ? rows : undefined;
    },
    timeoutMs,
  );
}

// jsqr is a CommonJS bundle whose typings claim an ES default export: require it as what it is.
type DecodeQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = createRequire(import.meta.url)('jsqr') as DecodeQr;

function decodeQr(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data;
}

async function ticketCode(t: TestApp, user: TestUser, ticketId: string): Promise<string | undefined> {
  const res = await t.app.inject({ url: `/api/v1/tickets/${ticketId}`, headers: user.auth });
  expect(res.statusCode).toBe(200);
  return res.json<{ ticket: { code?: string } }>().ticket.code;
}

/** "7:05 PM" for a UTC instant shown in UTC+9, worked out by hand rather than with Intl. */
function tokyoClock(at: Date): string {
  const local = new Date(at.getTime() + 9 * 3600_000);
  const h = local.getUTCHours();
  const m = String(local.getUTCMinutes()).padStart(2, '0');
  return `${h % 12 === 0 ? 12 : h % 12}:${m} ${h < 12 ? 'AM' : 'PM'}`;
}

const isPng = (a: Attachment) => a.contentType === 'image/png';
const isCalendar = (a: Attachment) => a.contentType.startsWith('text/calendar');

describe('notifications through a real SMTP server and an SMS provider stub', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let sms: SmsStub;
  let workers: Workers;
  let admin: TestUser;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    sms = await startSmsStub();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Matinee Tickets <tickets@matinee.test>',
        SMS_API_URL: sms.url,
        SMS_API_TOKEN: 'sms-test-token',
        SMS_FROM: 'Matinee',
        NOTIFICATION_RETRY_DELAY_SECONDS: '1',
        NOTIFICATION_RETRY_LIMIT: '5',
        MAX_ACTIVE_HOLDS_PER_USER: '5',
      },
    });
    workers = await startWorkers(t.ctx, { sweepIntervalMs: 60_000 });
    admin = await createUser(t.app, t.ctx, 'admin');
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
    await smtp?.close();
    await sms?.close();
  });

  let customer: TestUser;
  let confirmed: BookingBody;
  const phone = '+12125550142'; // a valid number: sign-up checks numbers with libphonenumber-js

  it('a confirmed booking yields exactly one email with its details and one QR code per ticket', async () => {
    customer = await createUser(t.app, t.ctx, 'customer', { phone, name: 'Ada Lovelace' });
    const st = await tokyoShowtime(t);
    // B1 is one of the theater's own "Recliner" seats (on premium, no surcharge): the messages name the type.
    const { theater_id } = await t.ctx.db
      .selectFrom('auditoriums')
      .select('theater_id')
      .where('id', '=', st.auditoriumId)
      .executeTakeFirstOrThrow();
    const recliner = await t.ctx.db
      .insertInto('seat_types')
      .values({ theater_id, name: 'Recliner', colour: '#8a2be2', base_tier: 'premium' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .updateTable('seats')
      .set({ seat_type_id: recliner.id })
      .where('id', '=', st.seatIds[10]!)
      .execute();
    // A1 accessible (12.00), B1 Recliner (premium, 20.00), C1 standard (15.00)
    confirmed = await bookAndPay(t, customer, st.showtimeId, [
      st.seatIds[0]!,
      st.seatIds[10]!,
      st.seatIds[20]!,
    ]);
    const rows = await waitSent(t, confirmed.id, 'booking.confirmed', ['email', 'sms']);
    await sleep(1500); // room for a duplicate to show up, if there were one

    const mails = smtp.received.filter((m) => m.to.includes(customer.email));
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.acknowledged).toBe(true);
    const email = rows.find((r) => r.channel === 'email')!;
    expect(email.attempts).toBe(1);
    expect(email.message_id).toMatch(/^<[0-9a-f-]{36}@matinee\.test>$/);
    const p = mail!.parsed;
    expect(p.messageId).toBe(email.message_id);
    expect(mail!.from).toBe('tickets@matinee.test');
    expect(p.subject).toContain(MOVIE);
    expect(p.subject).toContain(confirmed.reference);

    const local = tokyoClock(st.startsAt);
    const text = p.text ?? '';
    const html = typeof p.html === 'string' ? p.html : '';
    for (const expected of [
      MOVIE,
      THEATER.name,
      THEATER.address,
      THEATER.city,
      confirmed.reference,
      '$47.00',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toContain(`${local} GMT+9`);
    expect(text).toMatch(/Row A, seat 1 \(Accessible, Adult\)/);
    expect(text).toMatch(/Row B, seat 1 \(Recliner, Adult\)/);
    expect(text).not.toContain('Premium');
    expect(text).toMatch(/Row C, seat 1 \(Standard, Adult\)/);
    // The price breakdown as stored by the hold: this theater has no booking fee and no tax.
    expect(text).toContain('  3 Adult: $47.00\n  Booking fee: $0.00\n  Tax (0%): $0.00\nTotal paid: $47.00');
    expect(html).toContain('Amélie &amp; the Night Train');
    expect(html).toContain(THEATER.address);
    expect(html).toContain(`${local} GMT+9`);
    expect(html).toContain('$47.00');
    expect(html).toContain('Recliner &middot; Adult &middot; $20.00');
    expect(html).toContain('Standard &middot; Adult &middot; $15.00');

    // One inline QR image per ticket, each referenced by the HTML and each encoding that ticket's code.
    const images = p.attachments.filter(isPng);
    expect(images).toHaveLength(3);
    const codes = await Promise.all(confirmed.tickets.map((tk) => ticketCode(t, customer, tk.id)));
    expect(codes.every((c) => c?.startsWith('MT1.'))).toBe(true);
    for (const img of images) {
      expect(img.cid).toBeTruthy();
      expect(img.contentDisposition).toBe('inline');
      expect(html).toContain(`cid:${img.cid}`);
    }
    expect(images.map((img) => decodeQr(img.content)).sort()).toEqual([...codes].sort());
    // Beside each QR, the short code people can read out at the door.
    for (const tk of confirmed.tickets) {
      const short = shortTicketCode(t.config, tk.id);
      expect(html).toContain(`Ticket code <strong>${short}</strong>`);
      expect(text).toContain(short);
    }

    const ics = p.attachments.find(isCalendar);
    expect(ics).toBeDefined();
    const cal = ics!.content.toString('utf8');
    expect(cal).toContain('METHOD:PUBLISH');
    expect(cal).toContain(`UID:booking-${confirmed.id}@matinee.test`);
    // On the theater's clock: Tokyo is UTC+9 all year, so the local start is worked out by hand.
    const tokyo = new Date(st.startsAt.getTime() + 9 * 3600_000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, '');
    expect(cal).toContain(`DTSTART;TZID=Asia/Tokyo:${tokyo}`);
    expect(cal).toContain('BEGIN:VTIMEZONE');

    // The receipt: the card that paid, and a link back to the booking (PUBLIC_URL, by default localhost).
    const link = `http://localhost:3000/bookings/${confirmed.id}`;
    expect(text).toContain('Paid with: Visa ending in 4242');
    expect(html).toContain('Visa ending in 4242');
    expect(text).toContain(`Your booking: ${link}`);
    expect(html).toContain(`href="${link}"`);
    const vevent = new ICAL.Component(ICAL.parse(cal) as unknown[]).getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstPropertyValue('url')).toBe(link);
  });

  it('sends one SMS with the booking reference through the provider API', () => {
    const to = sms.requests.filter((r) => r.body.to === phone);
    expect(to).toHaveLength(1);
    expect(to[0]!.authorization).toBe('Bearer sms-test-token');
    expect(to[0]!.body.from).toBe('Matinee');
    expect(to[0]!.body.body).toContain(confirmed.reference);
    expect(to[0]!.body.body).toContain('confirmed');
    // The seats in order, grouped by type: the Recliner named once.
    expect(to[0]!.body.body).toContain('Seats A1, C1; B1 (Recliner).');
    expect(to[0]!.idempotencyKey).toMatch(/^<[0-9a-f-]{36}@matinee\.test>$/);
  });

  it('records provider ids, and recording the same event again adds nothing', async () => {
    const before = await rowsOf(t, confirmed.id);
    expect(before.find((r) => r.channel === 'sms')!.provider_id).toMatch(/^SM\d+$/);
    expect(before.find((r) => r.channel === 'email')!.provider_id).toMatch(/^250/);
    await t.ctx.db
      .transaction()
      .execute((trx) => recordBookingEvent(trx, t.ctx, confirmed.id, 'booking.confirmed'));
    await sleep(1500);
    expect(await rowsOf(t, confirmed.id)).toEqual(before);
    expect(smtp.received.filter((m) => m.to.includes(customer.email))).toHaveLength(1);
  });

  it('a refund sends one refund email (no codes, a calendar cancellation) and one SMS', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${confirmed.id}/refund`,
      headers: customer.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    await waitSent(t, confirmed.id, 'booking.refunded', ['email', 'sms']);
    await sleep(1000);
    const mails = smtp.received.filter((m) => m.to.includes(customer.email));
    expect(mails).toHaveLength(2);
    const refund = mails[1]!.parsed;
    expect(refund.subject).toMatch(/^Refund confirmed/);
    expect(refund.subject).toContain(confirmed.reference);
    expect(refund.text).toContain('$47.00');
    expect(refund.text).toContain('goes back to your Visa ending in 4242');
    expect(refund.text).toContain(`http://localhost:3000/bookings/${confirmed.id}`);
    expect(refund.attachments.filter(isPng)).toHaveLength(0);
    expect(refund.attachments.find(isCalendar)!.content.toString()).toContain('METHOD:CANCEL');
    const texts = sms.requests.filter((r) => r.body.to === phone).map((r) => r.body.body);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain(confirmed.reference);
    expect(texts[1]).toContain('refunded');
    // The ticket code is no longer handed out.
    expect(await ticketCode(t, customer, confirmed.tickets[0]!.id)).toBeUndefined();
  });

  it('an expired hold sends one expiry email (and no SMS to a customer without a phone)', async () => {
    const noPhone = await createUser(t.app, t.ctx);
    const st = await tokyoShowtime(t, { rows: 1, seatsPerRow: 4 });
    const held = await hold(t, noPhone, st.showtimeId, [st.seatIds[0]!]);
    await sql`UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = ${held.id}`.execute(
      t.ctx.db,
    );
    expect(await new BookingsService(t.ctx).expireHold(held.id)).toBe('expired');
    const rows = await waitSent(t, held.id, 'booking.expired', ['email']);
    expect(rows).toHaveLength(1);
    await sleep(500);
    const mails = smtp.received.filter((m) => m.to.includes(noPhone.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.parsed.subject).toContain('were released');
    expect(mails[0]!.parsed.text).toContain('You have not been charged.');
    expect(mails[0]!.parsed.text).toContain(`http://localhost:3000/bookings/${held.id}`);
    expect(mails[0]!.parsed.attachments).toHaveLength(0);
  });

  it('a refused SMS is kept as failed for operators, who can list it and send it again', async () => {
    const badPhone = '+12125550199'; // valid, but the (fake) provider refuses it
    let refuse = true;
    const normal = sms.respond;
    sms.respond = (to) =>
      to === badPhone && refuse ? { status: 400, body: { error: 'unroutable number' } } : normal(to);
    const user = await createUser(t.app, t.ctx, 'customer', { phone: badPhone });
    const st = await tokyoShowtime(t, { rows: 1, seatsPerRow: 4 });
    const booking = await bookAndPay(t, user, st.showtimeId, [st.seatIds[1]!]);
    const failed = await waitFor('the SMS to fail', async () => {
      const row = (await rowsOf(t, booking.id)).find((r) => r.channel === 'sms');
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.attempts).toBe(1); // a 4xx is final: no retries
    expect(failed.last_error).toContain('400');

    const asCustomer = await t.app.inject({
      url: '/api/v1/admin/notifications?status=failed',
      headers: user.auth,
    });
    expect(asCustomer.statusCode).toBe(403);
    const list = await t.app.inject({
      url: '/api/v1/admin/notifications?status=failed',
      headers: admin.auth,
    });
    expect(list.statusCode, list.body).toBe(200);
    const listed = list.json<{ notifications: { id: string; status: string; channel: string }[] }>();
    expect(listed.notifications.every((n) => n.status === 'failed')).toBe(true);
    expect(listed.notifications.find((n) => n.id === failed.id)).toMatchObject({
      channel: 'sms',
      bookingReference: booking.reference,
      recipient: badPhone,
      attempts: 1,
    });

    refuse = false;
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/notifications/${failed.id}/retry`,
      headers: admin.auth,
    });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ notification: { id: failed.id, status: 'pending' } });
    await waitSent(t, booking.id, 'booking.confirmed', ['email', 'sms']);
    const requests = sms.requests.filter((r) => r.body.to === badPhone);
    expect(requests).toHaveLength(2); // the refused one and the accepted one
    expect(requests[0]!.idempotencyKey).toBe(requests[1]!.idempotencyKey);

    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/notifications/${failed.id}/retry`,
      headers: admin.auth,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'NOTIFICATION_NOT_FAILED', status: 'sent' } });
    const unknown = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/notifications/00000000-0000-4000-8000-000000000000/retry`,
      headers: admin.auth,
    });
    expect(unknown.statusCode).toBe(404);
    sms.respond = normal;
  });
});

describe('SMTP down when the booking is confirmed', () => {
  let t: TestApp;
  let workers: Workers;
  let smtp: TestSmtpServer | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    t = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        NOTIFICATION_RETRY_DELAY_SECONDS: '1',
        NOTIFICATION_RETRY_LIMIT: '8',
      },
      overrides: { sms: null },
    });
    workers = await startWorkers(t.ctx, { sweepIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
    await smtp?.close();
  });

  it('retries with backoff and delivers exactly once after the server comes back', async () => {
    const user = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const booking = await bookAndPay(t, user, st.showtimeId, [st.seatIds[0]!, st.seatIds[1]!]);
    const confirmedAt = Date.now();
    const failing = await waitFor('two failed attempts', async () => {
      const [row] = await rowsOf(t, booking.id);
      return row && row.attempts >= 2 && row.status === 'pending' ? row : undefined;
    });
    expect(failing.last_error).toMatch(/ECONNECTION|ECONNREFUSED/);

    smtp = await startSmtpServer({ port });
    const upAt = Date.now();
    const [row] = await waitSent(t, booking.id, 'booking.confirmed', ['email'], 40_000);
    const arrivedAt = Date.now();
    await sleep(3000);
    const mails = smtp.received.filter((m) => m.to.includes(user.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.parsed.messageId).toBe(row!.message_id);
    expect(row!.attempts).toBeGreaterThanOrEqual(3);
    console.info(
      `[smtp down/up] ${row!.attempts} attempts; server back ${upAt - confirmedAt} ms after payment; ` +
        `delivered ${arrivedAt - upAt} ms after it came back`,
    );
  }, 60_000);
});

describe('SMTP down for longer than the retries last', () => {
  let t: TestApp;
  let workers: Workers;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
        NOTIFICATION_RETRY_DELAY_SECONDS: '1',
        NOTIFICATION_RETRY_LIMIT: '2',
      },
      overrides: { sms: null },
    });
    workers = await startWorkers(t.ctx, { sweepIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
  });

  it('marks the notification failed after the last attempt, and stops there', async () => {
    const user = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 2 });
    const booking = await bookAndPay(t, user, st.showtimeId, [st.seatIds[0]!]);
    const failed = await waitFor('the notification to fail', async () => {
      const [row] = await rowsOf(t, booking.id);
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.attempts).toBe(3); // the first attempt and two retries (1-2 s, then 2-4 s later)
    expect(failed.last_error).toMatch(/ECONNECTION|ECONNREFUSED/);
    await sleep(3000);
    const [after] = await rowsOf(t, booking.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 3 });
  }, 30_000);
});

describe('no SMTP_URL: the development mail folder', () => {
  let t: TestApp;
  let workers: Workers;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-mail-'));
    t = await createTestApp({ env: { DATA_DIR: dataDir }, overrides: { sms: null } });
    workers = await startWorkers(t.ctx, { sweepIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes each email as an .eml file with a preview, listed at /dev/mail', async () => {
    const user = await createUser(t.app, t.ctx);
    const st = await tokyoShowtime(t, { rows: 1, seatsPerRow: 4 });
    const booking = await bookAndPay(t, user, st.showtimeId, [st.seatIds[0]!, st.seatIds[1]!]);
    const [row] = await waitSent(t, booking.id, 'booking.confirmed', ['email']);
    expect(row!.provider_id).toMatch(/^file:.*\.eml$/);
    const files = await readdir(path.join(dataDir, 'mail'));
    const eml = files.filter((f) => f.endsWith('.eml'));
    expect(eml).toHaveLength(1);
    expect(files).toContain(eml[0]!.replace(/\.eml$/, '.html'));

    const list = await t.app.inject({ url: '/dev/mail' });
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toMatch(/text\/html/);
    expect(list.body).toContain(booking.reference);
    expect(list.body).toContain('Amélie &amp; the Night Train'); // the encoded Subject header, decoded
    const preview = await t.app.inject({ url: `/dev/mail/${eml[0]!.replace(/\.eml$/, '.html')}` });
    expect(preview.statusCode).toBe(200);
    expect(preview.body.match(/src="data:image\/png;base64,/g)).toHaveLength(2);
    const raw = await t.app.inject({ url: `/dev/mail/${eml[0]}` });
    expect(raw.statusCode).toBe(200);
    expect(raw.body).toContain(`Message-ID: ${row!.message_id}`);
    expect((await t.app.inject({ url: '/dev/mail/..%2F..%2Fjwt-secret' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/mail/nothing.eml' })).statusCode).toBe(404);
    // Only the machine itself may read the development mailbox.
    expect((await t.app.inject({ url: '/dev/mail', remoteAddress: '192.0.2.10' })).statusCode).toBe(404);
  });
});

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
}

/**
 * `node --import tsx src/main/worker.ts`, not `node_modules/.bin/tsx ...`: the tsx CLI runs the script in a
 * child process of its own, so a SIGKILL sent to it would kill the launcher and leave the worker running.
 */
function startWorkerProcess(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/worker.ts'], {
    cwd: process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
  return { child, output };
}

describe('a worker killed with SIGKILL in the middle of sending', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer({ stallFirst: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-worker-'));
    // No in-process workers: only the spawned worker processes deliver.
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, NOTIFICATION_RETRY_DELAY_SECONDS: '1' },
      overrides: { sms: null },
    });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t?.close();
    await smtp?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is delivered by the next worker under the same Message-ID', async () => {
    const user = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 4 });
    const booking = await bookAndPay(t, user, st.showtimeId, [st.seatIds[2]!, st.seatIds[3]!]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: t.config.databaseUrl,
      JWT_SECRET: t.config.jwtSecret,
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      SMTP_URL: smtp.url,
      SMS_API_URL: '',
      DATA_DIR: dataDir,
      WORKER_IN_PROCESS: 'true',
    };

    const first = startWorkerProcess(env);
    children.push(first.child);
    await waitFor(
      'the first worker to hand the message to SMTP',
      () => smtp.received.length >= 1,
      60_000,
      50,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- worker output ---\n${first.output.join('')}`);
    });
    const [sending] = await rowsOf(t, booking.id);
    expect(sending).toMatchObject({ status: 'sending', attempts: 1 });
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = startWorkerProcess(env);
    children.push(second.child);
    const [row] = await waitSent(t, booking.id, 'booking.confirmed', ['email'], 200_000).catch(
      (err: unknown) => {
        throw new Error(`${String(err)}\n--- second worker output ---\n${second.output.join('')}`);
      },
    );
    const deliveredMs = Date.now() - killedAt;
    await sleep(2000);

    // What reached the server: the first copy in full but never acknowledged (the worker died waiting for
    // the 250), and the second, acknowledged. A server that had queued the first copy anyway would deliver it
    // twice: that is the at-least-once window, and both copies carry the one Message-ID so mail clients and
    // the customer can tell it is the same message.
    const copies = smtp.received.filter((m) => m.to.includes(user.email));
    const acknowledged = copies.filter((m) => m.acknowledged);
    expect(acknowledged).toHaveLength(1);
    expect(copies.length).toBeLessThanOrEqual(2);
    expect(new Set(copies.map((m) => m.parsed.messageId))).toEqual(new Set([row!.message_id]));
    expect(row!.attempts).toBe(2);
    console.info(
      `[sigkill] delivered ${deliveredMs} ms after the kill; ${copies.length} copies reached the server, ` +
        `${acknowledged.length} acknowledged, 1 distinct Message-ID`,
    );

    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  }, 240_000);

  it('a job that dies on its last attempt is dead-lettered and its row marked failed for operators', async () => {
    const user = await createUser(t.app, t.ctx);
    const st = await createShowtime(t.ctx.db, { rows: 1, seatsPerRow: 2 });
    const booking = await bookAndPay(t, user, st.showtimeId, [st.seatIds[0]!]);
    const [row] = await rowsOf(t, booking.id);
    const { boss } = t.ctx.jobs;
    // Play the worker that claims the row and then dies, once per attempt, until pg-boss gives up. Expiry of
    // a dead worker's job and fail() go through the same pg-boss statement, dead letter included.
    let attempts = 0;
    // A payment queues the row's job right after it commits, without the answer waiting for it: wait for it.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [job] = await boss.fetch<DeliverNotificationJob>(QUEUES.deliverNotification, {
        ignoreStartAfter: true,
        includeMetadata: true,
      });
      if (!job && attempts === 0 && Date.now() < deadline) {
        await sleep(50);
        continue;
      }
      if (!job) break;
      expect(job.data.notificationId).toBe(row!.id);
      attempts++;
      await t.ctx.db
        .updateTable('notifications')
        .set({ status: 'sending' })
        .where('id', '=', row!.id)
        .execute();
      await boss.fail(QUEUES.deliverNotification, job.id, { message: 'worker died' });
    }
    expect(attempts).toBe(t.config.notifications.retryLimit + 1);
    const [dead] = await boss.fetch<DeliverNotificationJob>(QUEUES.notificationFailed);
    expect(dead?.data).toEqual({ notificationId: row!.id });
    await runNotificationDeadLetter(t.ctx, dead!.data);
    const [failed] = await rowsOf(t, booking.id);
    expect(failed).toMatchObject({
      status: 'failed',
      last_error: expect.stringContaining('ran out of retries') as string,
    });
    const admin = await createUser(t.app, t.ctx, 'admin');
    const list = await t.app.inject({
      url: '/api/v1/admin/notifications?status=failed',
      headers: admin.auth,
    });
    expect(list.json<{ notifications: { id: string }[] }>().notifications.map((n) => n.id)).toContain(
      row!.id,
    );
  });
});
