import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';

export const adminRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) =>
  Promise.resolve();
