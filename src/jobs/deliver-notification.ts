import type { AppContext } from '../context.js';
import type { NotificationRow } from '../db/schema.js';
import { shortTicketCode, signTicketCode } from '../modules/checkin/ticket-codes.js';
import { PermanentDeliveryError, describeDeliveryError } from '../modules/notifications/delivery-errors.js';
import { mailDomain } from '../modules/notifications/mailer.js';
import { resetLink, resetToken } from '../modules/accounts/password-reset.js';
import { invitationLink, invitationToken } from '../modules/people/invitation-token.js';
import {
  renderEmail,
  renderInvitationEmail,
  renderPasswordResetEmail,
  renderSms,
} from '../modules/notifications/notifications.messages.js';
import type { DeliverNotificationJob } from '../modules/notifications/notifications.outbox.js';
import { NotificationsRepository } from '../modules/notifications/notifications.repository.js';
import { JOB_EXPIRE_SECONDS } from './queue.js';

/**
 * A row left `sending` longer than this was abandoned by a dead attempt and may be taken again. It is a little
 * shorter than the job expiry, so the retry pg-boss makes of an expired job always finds the lease over.
 */
export const DELIVERY_LEASE_SECONDS = JOB_EXPIRE_SECONDS - 5;

export interface DeliveryAttempt {
  data: DeliverNotificationJob;
  /** pg-boss metadata: this run is the last one when retryCount has reached retryLimit. */
  retryCount: number;
  retryLimit: number;
}

export type DeliveryOutcome = 'sent' | 'skipped' | 'busy' | 'retrying' | 'failed';

const repo = new NotificationsRepository();

/**
 * Delivers one outbox row. Idempotent: a row already sent (or given up on) is skipped. The row is marked
 * `sending` before the provider is called and `sent` after; the only way to send twice is a crash (or a lost
 * database connection) after the provider accepted the message and before `sent` was written. The resend then
 * carries the same Message-ID (email) or idempotency key (SMS). See docs/notifications.md.
 */
export async function runDeliverNotification(
  ctx: AppContext,
  job: DeliveryAttempt,
): Promise<DeliveryOutcome> {
  const { notificationId } = job.data;
  const log = ctx.logger.child({ notificationId });
  const claim = await repo.claim(ctx.db, notificationId, DELIVERY_LEASE_SECONDS);
  switch (claim.kind) {
    case 'done':
      log.debug({ status: claim.status }, 'notification needs no delivery');
      return 'skipped';
    case 'busy':
      // Another attempt holds a fresh lease (a live worker that pg-boss gave up on): let it finish.
      throw new Error('notification is being sent by another attempt');
    case 'claimed':
      break;
  }
  const n = claim.row;
  if (claim.resend) {
    log.warn(
      { messageId: n.message_id, attempts: n.attempts },
      'previous delivery attempt was interrupted mid-send: sending again with the same Message-ID',
    );
  }
  const final = job.retryCount >= job.retryLimit;
  try {
    const providerId = await send(ctx, n);
    await repo.markSent(ctx.db, n.id, providerId);
    log.info({ channel: n.channel, event: n.event, providerId, attempts: n.attempts }, 'notification sent');
    return 'sent';
  } catch (err) {
    const reason = describeDeliveryError(err);
    const permanent = err instanceof PermanentDeliveryError;
    await repo.markAttemptFailed(ctx.db, n.id, reason, permanent || final);
    if (permanent || final) {
      log.error(
        { channel: n.channel, event: n.event, attempts: n.attempts, err: reason },
        permanent
          ? 'notification refused by the provider: marked failed'
          : 'notification failed its last attempt',
      );
      return 'failed';
    }
    log.warn(
      { channel: n.channel, attempts: n.attempts, retryCount: job.retryCount, err: reason },
      'notification delivery failed: will retry',
    );
    throw err;
  }
}

/** Renders one outbox row from the database as it is now and hands it to the mailer or the SMS provider. */
async function send(ctx: AppContext, n: NotificationRow): Promise<string> {
  if (n.event === 'account.password_reset') {
    const reset = n.password_reset_id ? await repo.passwordResetView(ctx.db, n.password_reset_id) : undefined;
    if (!reset) throw new PermanentDeliveryError('the password reset no longer exists');
    if (n.channel !== 'email') throw new PermanentDeliveryError('password resets are sent by email only');
    const message = renderPasswordResetEmail({
      to: n.recipient,
      messageId: n.message_id,
      name: reset.name,
      link: resetLink(ctx.config, resetToken(ctx.config, reset.id)),
      expiresAt: reset.expiresAt,
      now: n.created_at,
      accountUrl: `${ctx.config.publicUrl}/account`,
    });
    message.date = n.created_at;
    return (await ctx.mailer.send(message)).providerId;
  }
  if (n.event === 'account.invitation') {
    const inv = n.invitation_id ? await repo.invitationView(ctx.db, n.invitation_id) : undefined;
    if (!inv) throw new PermanentDeliveryError('the invitation no longer exists');
    // Withdrawn before it went out: a link that cannot work is not worth sending.
    if (!inv.open)
      throw new PermanentDeliveryError('the invitation was withdrawn or accepted before sending');
    const message = renderInvitationEmail({
      to: n.recipient,
      messageId: n.message_id,
      role: inv.role,
      theaters: inv.theaters,
      inviterName: inv.inviterName,
      link: invitationLink(ctx.config, invitationToken(ctx.config, inv.id)),
      expiresAt: inv.expiresAt,
    });
    message.date = n.created_at;
    return (await ctx.mailer.send(message)).providerId;
  }
  const view = n.booking_id ? await repo.bookingView(ctx.db, n.booking_id) : undefined;
  if (!view) throw new PermanentDeliveryError('the booking no longer exists');
  switch (n.channel) {
    case 'email': {
      const message = await renderEmail(n.event, view, {
        to: n.recipient,
        messageId: n.message_id,
        ticketCode: (ticketId) => signTicketCode(ctx.config, ticketId),
        shortCode: (ticketId) => shortTicketCode(ctx.config, ticketId),
        domain: mailDomain(ctx.config.mail.from),
        publicUrl: ctx.config.publicUrl,
      });
      message.date = n.created_at;
      return (await ctx.mailer.send(message)).providerId;
    }
    case 'sms': {
      if (!ctx.sms) throw new PermanentDeliveryError('SMS is not configured on this worker (SMS_API_URL)');
      return (
        await ctx.sms.send({ to: n.recipient, body: renderSms(n.event, view), reference: n.message_id })
      ).providerId;
    }
  }
}

/**
 * Dead letters: the delivery job failed for good without the handler recording it (its worker died on the
 * last attempt, or the database was unreachable then). The row becomes `failed`, visible to operators.
 */
export async function runNotificationDeadLetter(
  ctx: AppContext,
  data: DeliverNotificationJob,
): Promise<void> {
  const changed = await repo.markAbandoned(
    ctx.db,
    data.notificationId,
    'the delivery job ran out of retries (its last attempt crashed or timed out)',
  );
  if (changed)
    ctx.logger.error({ notificationId: data.notificationId }, 'notification abandoned: marked failed');
}
