import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';

export const catalogRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) =>
  Promise.resolve();
