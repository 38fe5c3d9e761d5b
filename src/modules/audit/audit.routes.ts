import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import { AuditListResponse, AuditQuery } from './audit.schemas.js';
import { AuditService } from './audit.service.js';

/** The audit log, under /api/v1/admin. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const audit = new AuditService(ctx);
  app.addHook('onRequest', requireRole('admin'));

  app.get(
    '/audit-log',
    {
      schema: {
        operationId: 'adminListAuditLog',
        tags: ['admin'],
        summary: 'Operator actions, newest first',
        description:
          'Every change an operator makes through the admin API (who, when, what, before and after), written ' +
          'in the same transaction as the change. Filter by theater, subject, actor or action; page with ' +
          'nextCursor.',
        querystring: AuditQuery,
        response: { 200: AuditListResponse, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => audit.list(req.query),
  );
  return Promise.resolve();
};
