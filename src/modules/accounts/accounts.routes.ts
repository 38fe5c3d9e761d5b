import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireUser } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import { AuthResponse, LoginBody, SignupBody, User } from './accounts.schemas.js';
import { AccountsService } from './accounts.service.js';

export const accountRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const accounts = new AccountsService(ctx);
  const authLimit = { rateLimit: { max: ctx.config.rateLimit.authPerMinute, timeWindow: 60_000 } };

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a customer account',
        security: [],
        body: SignupBody,
        response: { 201: AuthResponse, ...errors(400, 409, 429) },
      },
      config: authLimit,
    },
    async (req, reply) => reply.status(201).send(await accounts.signup(req.body)),
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in and get a bearer token',
        security: [],
        body: LoginBody,
        response: { 200: AuthResponse, ...errors(400, 401, 429) },
      },
      config: authLimit,
    },
    async (req) => accounts.login(req.body),
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        response: { 200: Type.Object({ user: User }), ...errors(401) },
      },
      preHandler: requireUser,
    },
    async (req) => ({ user: await accounts.me(currentUser(req).userId) }),
  );
  return Promise.resolve();
};
