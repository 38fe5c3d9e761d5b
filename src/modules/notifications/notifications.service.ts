import type { AppContext } from '../../context.js';
import type { NotificationRow } from '../../db/schema.js';
import { ValidationError } from '../../http/errors.js';
import { QUEUES } from '../../jobs/queue.js';
import { NotificationNotFailedError, NotificationNotFoundError } from './notifications.errors.js';
import { deliveryJobOptions, type DeliverNotificationJob } from './notifications.outbox.js';
import { NotificationsRepository } from './notifications.repository.js';
import type { Notification, NotificationListQuery } from './notifications.schemas.js';

function toNotification(n: NotificationRow & { reference: string | null }): Notification {
  return {
    id: n.id,
    bookingId: n.booking_id,
    bookingReference: n.reference,
    passwordResetId: n.password_reset_id,
    invitationId: n.invitation_id,
    event: n.event,
    channel: n.channel,
    recipient: n.recipient,
    status: n.status,
    attempts: n.attempts,
    lastError: n.last_error,
    messageId: n.message_id,
    providerId: n.provider_id,
    sentAt: n.sent_at ? n.sent_at.toISOString() : null,
    createdAt: n.created_at.toISOString(),
    updatedAt: n.updated_at.toISOString(),
  };
}

/** The operators' side of the outbox: see what was sent or given up on, and send a failed one again. */
export class NotificationsService {
  private readonly repo = new NotificationsRepository();

  constructor(private readonly ctx: AppContext) {}

  async list(
    q: NotificationListQuery,
  ): Promise<{ notifications: Notification[]; nextCursor: string | null }> {
    let after: { createdAt: Date; id: string } | undefined;
    if (q.cursor) {
      const [ts, id] = Buffer.from(q.cursor, 'base64url').toString('utf8').split('|');
      const createdAt = new Date(ts ?? '');
      if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
        throw new ValidationError('The cursor is not valid', { fields: [{ field: 'querystring.cursor' }] });
      }
      after = { createdAt, id };
    }
    const rows = await this.repo.list(this.ctx.db, {
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.bookingId ? { bookingId: q.bookingId } : {}),
      ...(after ? { after } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > q.limit && last
        ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url')
        : null;
    return { notifications: page.map(toNotification), nextCursor };
  }

  /** A failed notification goes back to pending with a fresh delivery job (and a fresh retry schedule). */
  async retry(id: string): Promise<Notification> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const reopened = await this.repo.reopenFailed(trx, id);
      if (!reopened) {
        const current = await this.repo.find(trx, id);
        if (!current) throw new NotificationNotFoundError();
        throw new NotificationNotFailedError(current.status);
      }
      await this.ctx.jobs.sendInTransaction<DeliverNotificationJob>(
        trx,
        QUEUES.deliverNotification,
        { notificationId: id },
        deliveryJobOptions(this.ctx.config),
      );
    });
    this.ctx.logger.info({ notificationId: id }, 'notification retry requested by an operator');
    const row = await this.repo.find(this.ctx.db, id);
    return toNotification(row!);
  }
}
