import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import {
  NotificationList,
  NotificationListQuery,
  NotificationParams,
  NotificationResponse,
} from './notifications.schemas.js';
import { NotificationsService } from './notifications.service.js';

/** Mounted under /api/v1/admin: the outbox as operators see it. */
export const notificationAdminRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const notifications = new NotificationsService(ctx);
  app.addHook('onRequest', requireRole('admin'));

  app.get(
    '/notifications',
    {
      schema: {
        operationId: 'adminListNotifications',
        tags: ['admin'],
        summary: 'Notifications (email/SMS) newest first; ?status=failed for the ones given up on',
        querystring: NotificationListQuery,
        response: { 200: NotificationList, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => notifications.list(req.query),
  );

  app.post(
    '/notifications/:notificationId/retry',
    {
      schema: {
        operationId: 'adminRetryNotification',
        tags: ['admin'],
        summary: 'Send a failed notification again (same Message-ID, fresh retry schedule)',
        params: NotificationParams,
        response: { 200: NotificationResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ({ notification: await notifications.retry(req.params.notificationId) }),
  );
  return Promise.resolve();
};
