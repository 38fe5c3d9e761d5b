import { ConflictError, NotFoundError } from '../../http/errors.js';

export class NotificationNotFoundError extends NotFoundError {
  override name = 'NotificationNotFoundError';
  constructor() {
    super('Notification', 'NOTIFICATION_NOT_FOUND');
  }
}

export class NotificationNotFailedError extends ConflictError {
  override name = 'NotificationNotFailedError';
  constructor(status: string) {
    super('NOTIFICATION_NOT_FAILED', `Only a failed notification can be retried; this one is ${status}`, {
      status,
    });
  }
}
