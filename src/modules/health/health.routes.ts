import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { pingDb } from '../../db/database.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      config: { rateLimit: false },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('up') }),
          503: Type.Object({ status: Type.Literal('unavailable'), database: Type.Literal('down') }),
        },
      },
      config: { rateLimit: false },
    },
    async (_req, reply) => {
      if (await pingDb(ctx.db)) return { status: 'ready' as const, database: 'up' as const };
      return reply.status(503).send({ status: 'unavailable' as const, database: 'down' as const });
    },
  );
  return Promise.resolve();
};
