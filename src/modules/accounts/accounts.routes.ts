import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireUser } from '../../http/auth.js';
import { byClientIp, extraLimit } from '../../http/rate-limit.js';
import { errors } from '../../http/schemas.js';
import { AuthResponse, LoginBody, SignupBody, User } from './accounts.schemas.js';
import { AccountsService } from './accounts.service.js';

export const accountRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const accounts = new AccountsService(ctx);
  const limits = ctx.config.rateLimit;
  // Per client address whatever token is sent: a valid token must not buy more password guesses or sign-ups.
  const authLimit = {
    rateLimit: { max: limits.authPerMinute, timeWindow: 60_000, keyGenerator: byClientIp },
  };
  const signupsPerIp = extraLimit(app, {
    max: limits.signupsPerHour,
    timeWindowMs: 3_600_000,
    key: byClientIp,
  });
  // Per target account from all addresses together, so guesses spread over many IPs are limited too.
  const loginsPerAccount = extraLimit(app, {
    max: limits.loginPerAccountPerMinute,
    timeWindowMs: 60_000,
    key: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      return typeof email === 'string' ? `login:${email.trim().toLowerCase()}` : undefined;
    },
  });

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
      preHandler: signupsPerIp,
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
      preHandler: loginsPerAccount,
    },
    async (req) => accounts.login(req.body),
  );

  app.post(
    '/auth/logout-all',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere',
        description:
          'Every token issued to this user so far stops working, on every API process, within ' +
          'AUTH_CACHE_TTL_MS (15 s by default). Sign in again for a new one.',
        response: { 204: Type.Null({ description: 'Signed out' }), ...errors(401, 429) },
      },
      onRequest: requireUser,
    },
    async (req, reply) => {
      await accounts.logoutEverywhere(currentUser(req).userId);
      return reply.status(204).send(null);
    },
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
