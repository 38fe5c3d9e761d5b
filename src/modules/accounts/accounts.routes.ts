import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireUser } from '../../http/auth.js';
import { byClientIp, extraLimit } from '../../http/rate-limit.js';
import { errors } from '../../http/schemas.js';
import {
  AuthResponse,
  LoginBody,
  PasswordChangeBody,
  PasswordResetBody,
  PasswordResetRequestBody,
  PasswordResetRequested,
  ProfileBody,
  SignupBody,
  User,
} from './accounts.schemas.js';
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

  const resetsPerIp = extraLimit(app, {
    max: limits.passwordResetsPerIpPerHour,
    timeWindowMs: 3_600_000,
    key: (req) => `reset-ip:${req.ip}`,
  });
  // Per target email whether or not it has an account, so the limit itself reveals nothing.
  const resetsPerEmail = extraLimit(app, {
    max: limits.passwordResetsPerEmailPerHour,
    timeWindowMs: 3_600_000,
    key: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      return typeof email === 'string' ? `reset:${email.trim().toLowerCase()}` : undefined;
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

  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags: ['auth'],
        operationId: 'requestPasswordReset',
        summary: 'Forgot password: email a reset link',
        description:
          'Always 202 with the same message, whether or not an account has this email. For an account, the ' +
          'email (through the notification outbox) carries a link that works once, for PASSWORD_RESET_TTL_MINUTES ' +
          '(30), and only until a newer one is asked for. Limited per email and per client IP (429 RATE_LIMITED).',
        security: [],
        body: PasswordResetRequestBody,
        response: { 202: PasswordResetRequested, ...errors(400, 429) },
      },
      config: authLimit,
      preHandler: [resetsPerIp, resetsPerEmail],
    },
    async (req, reply) => reply.status(202).send(await accounts.requestPasswordReset(req.body.email)),
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      schema: {
        tags: ['auth'],
        operationId: 'resetPassword',
        summary: 'Choose a new password with the token of a reset link',
        description:
          'Sets the password and signs the account out everywhere (every token issued before is revoked). ' +
          '400 RESET_TOKEN_INVALID for a token that was never issued; 410 RESET_TOKEN_USED, ' +
          'RESET_TOKEN_EXPIRED or RESET_TOKEN_SUPERSEDED (a newer link was sent) otherwise.',
        security: [],
        body: PasswordResetBody,
        response: {
          204: Type.Null({ description: 'Password changed; sign in with it' }),
          ...errors(400, 410, 429),
        },
      },
      config: authLimit,
    },
    async (req, reply) => {
      await accounts.resetPassword(req.body);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        operationId: 'updateProfile',
        summary: 'Change your name or phone number',
        description:
          'Only the fields sent change. phone is parsed as at sign-up (400 INVALID_PHONE); null or "" removes it.',
        body: ProfileBody,
        response: { 200: Type.Object({ user: User }), ...errors(400, 401, 429) },
      },
      onRequest: requireUser,
    },
    async (req) => ({ user: await accounts.updateProfile(currentUser(req).userId, req.body) }),
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        operationId: 'changePassword',
        summary: 'Change your password (the current one is required)',
        description:
          'Signs the account out everywhere, this token included; the answer carries a new token. ' +
          '400 WRONG_PASSWORD when currentPassword is not right.',
        body: PasswordChangeBody,
        response: { 200: AuthResponse, ...errors(400, 401, 429) },
      },
      // Per client IP like sign-in: a stolen token must not buy unlimited guesses of the current password.
      config: authLimit,
      onRequest: requireUser,
    },
    async (req) => accounts.changePassword(currentUser(req).userId, req.body),
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
