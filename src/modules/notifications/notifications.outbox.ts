import type PgBoss from 'pg-boss';
import type { Transaction } from 'kysely';
import type { Config } from '../../config.js';
import type { AppContext } from '../../context.js';
import type { BookingNotificationEvent, Database } from '../../db/schema.js';
import { JOB_EXPIRE_SECONDS, QUEUES } from '../../jobs/queue.js';
import { mailDomain } from './mailer.js';
import { NotificationsRepository } from './notifications.repository.js';

export type BookingEvent = BookingNotificationEvent;

export interface DeliverNotificationJob {
  notificationId: string;
}

const repo = new NotificationsRepository();

/**
 * Retries of one delivery, per job (so they do not depend on how the queue was first created):
 * retry n+1 waits retryDelay * 2^n * (1 + U[0,1)) seconds — pg-boss's backoff already draws the jitter
 * (see failJobs in node_modules/pg-boss/src/plans.js). Defaults (30 s, 9 retries): 30-60 s, 1-2 min, 2-4 min,
 * ... 128-256 min; ten attempts over 4.3 to 8.5 hours. After the last one the row is `failed` (by the handler,
 * or by the dead-letter job when the last attempt died with its worker).
 */
export function deliveryJobOptions(config: Pick<Config, 'notifications'>): PgBoss.SendOptions {
  return {
    retryLimit: config.notifications.retryLimit,
    retryDelay: config.notifications.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: JOB_EXPIRE_SECONDS,
    deadLetter: QUEUES.notificationFailed,
  };
}

/**
 * Called inside the transaction that confirms, refunds or expires a booking, so the notification (its outbox
 * rows and their delivery jobs) exists if and only if that change committed. (A card payment's happy path writes
 * its rows in its confirming statement instead and queues their jobs after commit: sendDeliveryJobsAfterCommit.) Recording the same event twice
 * adds nothing: one message per (booking, event, channel).
 */
export async function recordBookingEvent(
  trx: Transaction<Database>,
  ctx: AppContext,
  bookingId: string,
  event: BookingEvent,
): Promise<void> {
  const inserted = await repo.insertForEvent(trx, {
    bookingId,
    event,
    mailDomain: mailDomain(ctx.config.mail.from),
    smsEnabled: ctx.sms !== undefined,
  });
  for (const { id } of inserted) {
    await ctx.jobs.sendInTransaction<DeliverNotificationJob>(
      trx,
      QUEUES.deliverNotification,
      { notificationId: id },
      deliveryJobOptions(ctx.config),
    );
  }
}

/**
 * Queues the delivery jobs of outbox rows that already committed (BookingsService.confirmPaid writes a card
 * payment's booking.confirmed rows in its confirming statement and calls this after commit), in one round trip on
 * pg-boss's own connections. Not awaited by the request: a failure is logged and nothing else. A job lost here (the
 * send failed, the process died between the commit and the send) is queued by the outbox sweep (sweepOutbox)
 * once the row has waited OUTBOX_SWEEP_AFTER_SECONDS.
 */
export function sendDeliveryJobsAfterCommit(ctx: AppContext, notificationIds: string[]): Promise<void> {
  if (notificationIds.length === 0) return Promise.resolve();
  return (async () => {
    await ctx.faults.beforeOutboxSend?.(notificationIds);
    await ctx.jobs.sendMany<DeliverNotificationJob>(
      QUEUES.deliverNotification,
      notificationIds.map((notificationId) => ({ notificationId })),
      deliveryJobOptions(ctx.config),
    );
  })().catch((err: unknown) => {
    ctx.logger.warn(
      { err, notificationIds },
      'could not queue notification delivery after commit: the outbox sweep will queue it',
    );
  });
}

/**
 * A row still pending and never attempted this long after it was written has lost its delivery job (see
 * sendDeliveryJobsAfterCommit). A healthy queue starts a job within seconds (workers poll every second); the
 * bound only decides how late such an email is.
 */
export const OUTBOX_SWEEP_AFTER_SECONDS = 60;
const OUTBOX_SWEEP_BATCH = 100;
const OUTBOX_SWEEP_MAX_BATCHES = 10;

/**
 * The outbox sweep (run with the hold sweep, every SWEEP_INTERVAL_SECONDS): queues a delivery job for every row
 * `pending`, never attempted, older than OUTBOX_SWEEP_AFTER_SECONDS and not swept before, in batches of
 * OUTBOX_SWEEP_BATCH; each batch's rows are marked swept in the transaction that queues their jobs, so each row
 * gets at most one job from the sweep and a sweep that dies queues nothing and marks nothing.
 *
 * The row may still have its first job (a backlog longer than the bound, or a row written with its job in the
 * transaction): the second job is harmless, because delivery is idempotent per row (runDeliverNotification):
 * whichever job claims the row first sends it under a lease; a job that finds it `sent` or `failed` skips it, and
 * one that finds it `sending` under a live lease fails and is retried later by pg-boss, then skips it. One email,
 * however many jobs (test/outbox-after-commit.test.ts). Returns how many jobs it queued.
 */
export async function sweepOutbox(
  ctx: AppContext,
  olderThanSeconds = OUTBOX_SWEEP_AFTER_SECONDS,
): Promise<number> {
  // The usual answer is "nothing": one autocommit read then, not an empty transaction every few seconds.
  if (!(await repo.anyUnqueued(ctx.db, olderThanSeconds))) return 0;
  let queued = 0;
  for (let batch = 0; batch < OUTBOX_SWEEP_MAX_BATCHES; batch++) {
    const taken = await ctx.db.transaction().execute(async (trx) => {
      const rows = await repo.takeUnqueued(trx, olderThanSeconds, OUTBOX_SWEEP_BATCH);
      await ctx.jobs.sendMany<DeliverNotificationJob>(
        QUEUES.deliverNotification,
        rows.map((r) => ({ notificationId: r.id })),
        deliveryJobOptions(ctx.config),
        trx,
      );
      return rows.length;
    });
    queued += taken;
    if (taken < OUTBOX_SWEEP_BATCH) break;
  }
  return queued;
}

/**
 * Called inside the transaction that records a password reset request: the email (with its link) is sent by the
 * worker if and only if the request committed, through the same outbox and retries as booking emails.
 */
export async function recordPasswordReset(
  trx: Transaction<Database>,
  ctx: AppContext,
  passwordResetId: string,
): Promise<void> {
  const inserted = await repo.insertForPasswordReset(trx, {
    passwordResetId,
    mailDomain: mailDomain(ctx.config.mail.from),
  });
  for (const { id } of inserted) {
    await ctx.jobs.sendInTransaction<DeliverNotificationJob>(
      trx,
      QUEUES.deliverNotification,
      { notificationId: id },
      deliveryJobOptions(ctx.config),
    );
  }
}

/** Called inside the transaction that creates an invitation: its email is sent if and only if it committed. */
export async function recordInvitation(
  trx: Transaction<Database>,
  ctx: AppContext,
  invitationId: string,
): Promise<void> {
  const inserted = await repo.insertForInvitation(trx, {
    invitationId,
    mailDomain: mailDomain(ctx.config.mail.from),
  });
  for (const { id } of inserted) {
    await ctx.jobs.sendInTransaction<DeliverNotificationJob>(
      trx,
      QUEUES.deliverNotification,
      { notificationId: id },
      deliveryJobOptions(ctx.config),
    );
  }
}
