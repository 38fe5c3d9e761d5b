import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/auth.js';
import { auditActor } from '../audit/audit-actor.js';
import { errors } from '../../http/schemas.js';
import { RoleChangeBody, User, UserParams } from './accounts.schemas.js';
import { AccountsService } from './accounts.service.js';

/** Admin management of accounts, under /api/v1/admin. */
export const usersAdminRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const accounts = new AccountsService(ctx);
  app.addHook('onRequest', requireRole('admin'));

  app.patch(
    '/users/:userId',
    {
      schema: {
        operationId: 'adminChangeUserRole',
        tags: ['admin'],
        summary: "Change a user's role (signs the user out everywhere)",
        description:
          'The change applies to every later request of that user within AUTH_CACHE_TTL_MS, on every API ' +
          'process; the tokens the user holds stop working and they sign in again.',
        params: UserParams,
        body: RoleChangeBody,
        response: { 200: Type.Object({ user: User }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ({
      user: await accounts.changeRole(auditActor(req), req.params.userId, req.body.role),
    }),
  );
  return Promise.resolve();
};
