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
 * rows and their delivery jobs) exists if and only if that change committed. Recording the same event twice
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
