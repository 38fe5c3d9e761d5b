import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireRole } from '../../http/auth.js';
import { byClientIp } from '../../http/rate-limit.js';
import { errors, PUBLIC_ROUTE } from '../../http/schemas.js';
import { auditActor } from '../audit/audit-actor.js';
import {
  AcceptInvitationBody,
  AcceptInvitationResponse,
  AccessChangeBody,
  Invitation,
  InvitationList,
  InvitationParams,
  InvitationPreview,
  InvitationTokenBody,
  InviteBody,
  PeopleList,
  Person,
  PersonParams,
  WebConfig,
} from './people.schemas.js';
import { PeopleService } from './people.service.js';

const ACCESS_NOTE =
  'A role change signs the account out everywhere (within AUTH_CACHE_TTL_MS on other API processes); a change of ' +
  'theaters applies to the next check-in or sale. Audited.';

/** Staff and admins, and their invitations, under /api/v1/admin. */
export const peopleAdminRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const people = new PeopleService(ctx);
  app.addHook('onRequest', requireRole('admin'));

  app.get(
    '/people',
    {
      schema: {
        operationId: 'adminListPeople',
        tags: ['admin'],
        summary: 'Staff and admins, with the theaters staff work at',
        response: { 200: PeopleList, ...errors(401, 403, 429) },
      },
    },
    async () => ({ people: await people.listPeople() }),
  );

  app.patch(
    '/people/:userId',
    {
      schema: {
        operationId: 'adminChangeAccess',
        tags: ['admin'],
        summary: "Change an account's role and theaters (role customer revokes access)",
        description: `Staff need theaterIds (at least one); admins and customers take none. ${ACCESS_NOTE} 409 OWN_ROLE for your own account; 400 UNKNOWN_THEATER, THEATERS_REQUIRED, THEATERS_NOT_ALLOWED.`,
        params: PersonParams,
        body: AccessChangeBody,
        response: {
          200: Type.Object({
            person: Type.Union([Person, Type.Null()], { description: 'null: now a customer' }),
          }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req) => ({ person: await people.changeAccess(auditActor(req), req.params.userId, req.body) }),
  );

  app.delete(
    '/people/:userId',
    {
      schema: {
        operationId: 'adminRevokeAccess',
        tags: ['admin'],
        summary: 'Revoke operator access: the account becomes a customer and is signed out',
        description: ACCESS_NOTE,
        params: PersonParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await people.changeAccess(auditActor(req), req.params.userId, { role: 'customer' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/invitations',
    {
      schema: {
        operationId: 'adminListInvitations',
        tags: ['admin'],
        summary:
          'Invitations: open ones (pending or expired) and those closed in the last 30 days, newest first',
        response: { 200: InvitationList, ...errors(401, 403, 429) },
      },
    },
    async () => ({ invitations: await people.listInvitations() }),
  );

  app.post(
    '/invitations',
    {
      schema: {
        operationId: 'adminInvite',
        tags: ['admin'],
        summary: 'Invite an email as staff (of some theaters) or admin',
        description:
          'Emails a single-use link (valid INVITATION_TTL_HOURS) through the notifications outbox. A newer ' +
          'invitation of the same email withdraws the older. 409 ALREADY_OPERATOR when the email is staff or admin ' +
          'already; 400 UNKNOWN_THEATER, THEATERS_REQUIRED, THEATERS_NOT_ALLOWED. Audited.',
        body: InviteBody,
        response: { 201: Type.Object({ invitation: Invitation }), ...errors(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ invitation: await people.invite(auditActor(req), req.body) }),
  );

  app.delete(
    '/invitations/:invitationId',
    {
      schema: {
        operationId: 'adminRevokeInvitation',
        tags: ['admin'],
        summary: 'Withdraw an invitation: its link stops working',
        description: '409 INVITATION_CLOSED when it was accepted or withdrawn already. Audited.',
        params: InvitationParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await people.revokeInvitation(auditActor(req), req.params.invitationId);
      return reply.status(204).send(null);
    },
  );
  return Promise.resolve();
};

/** The invitee's side, under /api/v1: anyone holding the link. */
export const invitationRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const people = new PeopleService(ctx);
  // Per client address whatever token is sent, like sign-in: tokens are not to be guessed.
  const perIp = {
    rateLimit: { max: ctx.config.rateLimit.authPerMinute, timeWindow: 60_000, keyGenerator: byClientIp },
  };
  const TOKEN_ERRORS =
    '400 INVITATION_INVALID (unknown token); 410 INVITATION_USED, INVITATION_REVOKED, INVITATION_EXPIRED.';

  app.post(
    '/invitations/preview',
    {
      schema: {
        operationId: 'previewInvitation',
        tags: ['auth'],
        summary: 'What an invitation link offers, and whether its email has an account',
        description: `The token travels in the body, never the URL. ${TOKEN_ERRORS}`,
        security: PUBLIC_ROUTE,
        body: InvitationTokenBody,
        response: { 200: InvitationPreview, ...errors(400, 410, 429) },
      },
      config: perIp,
    },
    async (req) => people.previewInvitation(req.body.token),
  );

  app.post(
    '/invitations/accept',
    {
      schema: {
        operationId: 'acceptInvitation',
        tags: ['auth'],
        summary: 'Accept an invitation: create the account, or upgrade the signed-in account of that email',
        description:
          'Signed out: name and password create the account (409 ACCOUNT_EXISTS when the email has one: sign in ' +
          'and accept again). Signed in: the account must have the invited email (403 INVITATION_EMAIL_MISMATCH); ' +
          `it gets the role (never a lower one) and theaters. Answers a fresh token. ${TOKEN_ERRORS}`,
        security: PUBLIC_ROUTE,
        body: AcceptInvitationBody,
        response: { 200: AcceptInvitationResponse, ...errors(400, 401, 403, 409, 410, 429) },
      },
      config: perIp,
    },
    async (req) => {
      // A stale token is refused (401) rather than silently treated as signed out.
      const callerId = req.auth.kind === 'anonymous' ? undefined : currentUser(req).userId;
      return people.acceptInvitation(callerId, req.body);
    },
  );

  app.get(
    '/web-config',
    {
      schema: {
        operationId: 'getWebConfig',
        tags: ['catalog'],
        summary: "The web app's deployment settings (map tiles)",
        security: PUBLIC_ROUTE,
        response: { 200: WebConfig, ...errors(429) },
      },
    },
    () => ({
      map: ctx.config.map
        ? { tileUrl: ctx.config.map.tileUrl, attribution: ctx.config.map.attribution ?? null }
        : null,
    }),
  );
  return Promise.resolve();
};
