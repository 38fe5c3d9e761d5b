import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Faults } from '../src/context.js';
import type { NotificationRow } from '../src/db/schema.js';
import { runDeliverNotification } from '../src/jobs/deliver-notification.js';
import { QUEUES } from '../src/jobs/queue.js';
import { runSweepHolds } from '../src/jobs/sweep-holds.js';
import { startWorkers, type Workers } from '../src/jobs/worker.js';
import {
  deliveryJobOptions,
  OUTBOX_SWEEP_AFTER_SECONDS,
  type DeliverNotificationJob,
} from '../src/modules/notifications/notifications.outbox.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { startSmtpServer, waitFor, type TestSmtpServer } from './helpers/notify.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * A card payment's happy path writes the booking's confirmation and its outbox rows in one statement and queues
 * the rows' delivery jobs after commit (BookingsService.confirmPaid). These prove: the confirmation and its rows
 * commit together; a job lost between the commit and the send is queued by the outbox sweep and the email
 * arrives; and two jobs for one row send one email.
 */
let t: TestApp;
let smtp: TestSmtpServer;
let workers: Workers | undefined;
let show: ShowtimeFixture;
let customer: TestUser;
const faults: Faults = {};
let nextSeat = 0;

async function hold(seats = 1): Promise<string> {
  const seatIds = show.seatIds.slice(nextSeat, nextSeat + seats);
  nextSeat += seats;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: customer.auth,
    payload: { showtimeId: show.showtimeId, seatIds },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ booking: { id: string } }>().booking.id;
}

function pay(bookingId: string, idempotencyKey?: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${bookingId}/payment`,
    headers: { ...customer.auth, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    payload: { card: CARD.good },
  });
}

async function rowsOf(bookingId: string): Promise<NotificationRow[]> {
  return t.ctx.db.selectFrom('notifications').selectAll().where('booking_id', '=', bookingId).execute();
}

/** The delivery jobs queued for one outbox row, in any state. */
async function jobsOf(notificationId: string): Promise<{ state: string }[]> {
  const r = await sql<{ state: string }>`
    SELECT state FROM pgboss.job
     WHERE name = ${QUEUES.deliverNotification} AND data->>'notificationId' = ${notificationId}`.execute(
    t.ctx.db,
  );
  return r.rows;
}

function mailsWith(messageId: string) {
  return smtp.received.filter((m) => m.parsed.messageId === messageId);
}

/** The row once its delivery recorded it sent (the SMTP server has the message a moment before that). */
async function sentRow(bookingId: string): Promise<NotificationRow> {
  return waitFor('the row to be marked sent', async () => {
    const [row] = await rowsOf(bookingId);
    return row?.status === 'sent' ? row : undefined;
  });
}

/** Pays with the after-commit send failing (the process "dies" between the commit and the send). */
async function payLosingTheJob(bookingId: string): Promise<NotificationRow> {
  const lost: string[][] = [];
  faults.beforeOutboxSend = (ids) => {
    lost.push(ids);
    throw new Error('simulated crash between the commit and the job send');
  };
  try {
    const res = await pay(bookingId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ booking: { status: string } }>().booking.status).toBe('confirmed');
    const [row] = await rowsOf(bookingId);
    await waitFor('the after-commit send to be attempted', () => lost.length > 0);
    expect(lost).toEqual([[row!.id]]);
    return row!;
  } finally {
    delete faults.beforeOutboxSend;
  }
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Matinee Tickets <tickets@matinee.test>',
      NOTIFICATION_RETRY_DELAY_SECONDS: '1',
      NOTIFICATION_RETRY_LIMIT: '5',
      MAX_ACTIVE_HOLDS_PER_USER: '20',
      MAX_SEATS_PER_SHOWTIME_PER_USER: '50',
    },
    overrides: { faults },
  });
  customer = await createUser(t.app, t.ctx);
  show = await createShowtime(t.ctx.db, { rows: 3, seatsPerRow: 10 });
}, 60_000);

afterAll(async () => {
  await workers?.stop();
  await t?.close();
  await smtp?.close();
});

describe('a card payment confirms with its outbox rows in one statement', () => {
  it('a confirmation whose outbox rows cannot be written is not committed either', async () => {
    const bookingId = await hold(2);
    // The outbox INSERT fails for this booking only: the confirmation must fail with it.
    await sql
      .raw(
        `CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.booking_id = '${bookingId}' THEN RAISE EXCEPTION 'outbox refused (test)'; END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER refuse_outbox BEFORE INSERT ON notifications
           FOR EACH ROW EXECUTE FUNCTION refuse_outbox();`,
      )
      .execute(t.ctx.db);
    try {
      const res = await pay(bookingId);
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      await sql
        .raw(`DROP TRIGGER refuse_outbox ON notifications; DROP FUNCTION refuse_outbox();`)
        .execute(t.ctx.db);
    }
    const booking = await t.ctx.db
      .selectFrom('bookings')
      .select(['status', 'confirmed_at'])
      .where('id', '=', bookingId)
      .executeTakeFirstOrThrow();
    expect(booking).toEqual({ status: 'pending', confirmed_at: null });
    const payments = await t.ctx.db
      .selectFrom('payments')
      .select('status')
      .where('booking_id', '=', bookingId)
      .execute();
    expect(payments.map((p) => p.status)).not.toContain('succeeded');
    const seats = await t.ctx.db
      .selectFrom('seat_inventory')
      .select('status')
      .where('booking_id', '=', bookingId)
      .execute();
    expect(seats.map((s) => s.status)).toEqual(['held', 'held']);
    expect(await rowsOf(bookingId)).toEqual([]);
  });

  it('a confirmed booking has its outbox rows the moment the answer is sent, with or without a key', async () => {
    // The send is held back, so the rows seen are the confirming statement's, not a job's doing.
    faults.beforeOutboxSend = () => new Promise(() => undefined);
    try {
      for (const key of [undefined, 'outbox-idem-1']) {
        const bookingId = await hold();
        const res = await pay(bookingId, key);
        expect(res.statusCode, res.body).toBe(200);
        const { booking } = res.json<{ booking: { status: string } }>();
        expect(booking.status).toBe('confirmed');
        const rows = await rowsOf(bookingId);
        expect(rows.map((r) => [r.event, r.channel, r.status, r.attempts, r.recipient])).toEqual([
          ['booking.confirmed', 'email', 'pending', 0, customer.email],
        ]);
        expect(rows[0]!.message_id).toBe(`<${rows[0]!.id}@matinee.test>`);
        if (key) {
          // The stored answer committed with the confirmation: the replay is the same answer.
          const again = await pay(bookingId, key);
          expect(again.statusCode).toBe(200);
          expect(again.json()).toEqual(res.json());
        }
      }
    } finally {
      delete faults.beforeOutboxSend;
    }
  });
});

describe('delivery jobs queued after commit', () => {
  it('are queued right after the commit, and the email arrives without the sweep', async () => {
    workers ??= await startWorkers(t.ctx, { sweepIntervalMs: 3_600_000 });
    const bookingId = await hold();
    const res = await pay(bookingId);
    expect(res.statusCode, res.body).toBe(200);
    const [row] = await rowsOf(bookingId);
    const sent = await waitFor('the confirmation email', () => mailsWith(row!.message_id)[0]);
    expect(sent.to).toEqual([customer.email]);
    const after = await sentRow(bookingId);
    expect(after.swept_at).toBeNull(); // the after-commit send did it, not the sweep
  });

  it('a job lost between the commit and the send is queued by the sweep, and the email arrives', async () => {
    workers ??= await startWorkers(t.ctx, { sweepIntervalMs: 3_600_000 });
    const bookingId = await hold();
    const row = await payLosingTheJob(bookingId);
    await sleep(1500); // workers poll every second: nothing to deliver, nothing delivered
    expect(await jobsOf(row.id)).toEqual([]);
    expect((await rowsOf(bookingId))[0]!.status).toBe('pending');
    expect(mailsWith(row.message_id)).toEqual([]);

    // Younger than the bound: the sweep leaves it (its job may still be on its way).
    await runSweepHolds(t.ctx);
    expect(await jobsOf(row.id)).toEqual([]);

    await sql`UPDATE notifications SET created_at = now() - make_interval(secs => ${OUTBOX_SWEEP_AFTER_SECONDS + 5})
               WHERE id = ${row.id}`.execute(t.ctx.db);
    await runSweepHolds(t.ctx);
    expect(await jobsOf(row.id)).toHaveLength(1);
    const mail = await waitFor('the swept confirmation email', () => mailsWith(row.message_id)[0]);
    expect(mail.to).toEqual([customer.email]);
    const after = await sentRow(bookingId);
    expect(after.swept_at).not.toBeNull();

    // Swept once: later sweeps queue nothing more for it.
    await runSweepHolds(t.ctx);
    expect(await jobsOf(row.id)).toHaveLength(1);
    expect(mailsWith(row.message_id)).toHaveLength(1);
  });

  it('a row swept while its first job still waits gets one email from its two jobs', async () => {
    workers ??= await startWorkers(t.ctx, { sweepIntervalMs: 3_600_000 });
    const bookingId = await hold();
    const row = await payLosingTheJob(bookingId);
    // Two jobs for the same row at once (its own job, late, and the sweep's), plus a third run by hand.
    await t.ctx.jobs.sendMany<DeliverNotificationJob>(
      QUEUES.deliverNotification,
      [{ notificationId: row.id }, { notificationId: row.id }],
      deliveryJobOptions(t.config),
    );
    await waitFor('the email', () => mailsWith(row.message_id)[0]);
    // Both jobs finish (one sends; the other skips the sent row, maybe after a retry while it was being sent).
    await waitFor(
      'both jobs to complete',
      async () => {
        const jobs = await jobsOf(row.id);
        return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
      },
      30_000,
    );
    const again = await runDeliverNotification(t.ctx, {
      data: { notificationId: row.id },
      retryCount: 0,
      retryLimit: 5,
    });
    expect(again).toBe('skipped');
    await sleep(500);
    expect(mailsWith(row.message_id)).toHaveLength(1);
    const after = await sentRow(bookingId);
    expect(after.attempts).toBe(1);
  });
});
