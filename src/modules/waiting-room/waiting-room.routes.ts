import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { authenticateStreamToken, currentUser, requireRole, requireUser } from '../../http/auth.js';
import { DomainError, UnauthorizedError } from '../../http/errors.js';
import { isCredentialParam } from '../../http/redact.js';
import { errors, PUBLIC_ROUTE } from '../../http/schemas.js';
import { auditActor } from '../audit/audit-actor.js';
import { SeatStreamQuery } from '../seat-events/seat-events.schemas.js';
import { QueueStreams } from './queue-stream.js';
import { NotInQueueError } from './waiting-room.errors.js';
import {
  AdminWaitingRoomResponse,
  PublicWaitingRoom,
  QueueStatus,
  WaitingRoomParams,
  WaitingRoomSettingsBody,
} from './waiting-room.schemas.js';
import { waitingRoomOf } from './waiting-room.service.js';

const NoContent = Type.Null({ description: 'Done' });
/** Queue streams one account may keep open per process (tabs); a bot opening hundreds gets 429. */
const STREAMS_PER_USER = 5;

/**
 * The virtual waiting room of high-demand showtimes, under /api/v1: customers join, watch and leave the queue;
 * admins (under /admin) mark a showtime high-demand. This process also runs the admission tick
 * (WAITING_ROOM_TICK_MS), which one process at a time actually carries out.
 */
export const waitingRoomRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = waitingRoomOf(ctx);
  const streams = new QueueStreams(service, app.log);
  const streamsByUser = new Map<string, number>();
  let stopTicker: (() => void) | undefined;
  app.addHook('onReady', async () => {
    if (ctx.config.waitingRoomTickMs > 0) stopTicker = service.startTicker(ctx.config.waitingRoomTickMs);
    return Promise.resolve();
  });
  app.addHook('preClose', async () => {
    stopTicker?.();
    streams.closeAll();
    return Promise.resolve();
  });

  // ---- operators ----
  const admin = requireRole('admin');
  app.put(
    '/admin/showtimes/:showtimeId/waiting-room',
    {
      schema: {
        operationId: 'adminSetWaitingRoom',
        tags: ['admin'],
        summary: 'Mark a showtime high-demand: a waiting room with an on-sale time, a rate and/or a cap',
        description:
          'Creates or changes the waiting room (audited as showtime.waiting_room_set). Holds on the showtime then ' +
          'need an admission token from the queue; the box office is not affected. The on-sale time cannot move ' +
          'once the queue has opened (409 WAITING_ROOM_OPEN).',
        params: WaitingRoomParams,
        body: WaitingRoomSettingsBody,
        response: { 200: AdminWaitingRoomResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
      onRequest: admin,
    },
    async (req) => ({
      waitingRoom: await service.configure(auditActor(req), req.params.showtimeId, req.body),
    }),
  );

  app.get(
    '/admin/showtimes/:showtimeId/waiting-room',
    {
      schema: {
        operationId: 'adminGetWaitingRoom',
        tags: ['admin'],
        summary: "A showtime's waiting room: settings and the queue now",
        params: WaitingRoomParams,
        response: { 200: AdminWaitingRoomResponse, ...errors(400, 401, 403, 404, 429) },
      },
      onRequest: admin,
    },
    async (req) => ({ waitingRoom: await service.adminView(req.params.showtimeId) }),
  );

  app.delete(
    '/admin/showtimes/:showtimeId/waiting-room',
    {
      schema: {
        operationId: 'adminRemoveWaitingRoom',
        tags: ['admin'],
        summary: 'Back to normal sale: remove the waiting room and its queue',
        params: WaitingRoomParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 429) },
      },
      onRequest: admin,
    },
    async (req, reply) => {
      await service.remove(auditActor(req), req.params.showtimeId);
      return reply.status(204).send(null);
    },
  );

  // ---- customers ----
  app.get(
    '/showtimes/:showtimeId/waiting-room',
    {
      schema: {
        operationId: 'getWaitingRoom',
        tags: ['waiting room'],
        security: PUBLIC_ROUTE,
        summary: 'Whether this showtime sells through a waiting room, and when it opens',
        params: WaitingRoomParams,
        response: { 200: PublicWaitingRoom, ...errors(400, 429) },
      },
    },
    async (req) => service.publicView(req.params.showtimeId),
  );

  app.post(
    '/showtimes/:showtimeId/queue',
    {
      schema: {
        operationId: 'joinQueue',
        tags: ['waiting room'],
        summary: 'Take a place in the queue (or get the one this account already has)',
        description:
          'One place per account: a second tab, a reload or a parallel request answers the same place. ' +
          'Before the on-sale time the place is in the pre-queue, drawn at random at the opening.',
        params: WaitingRoomParams,
        response: { 200: QueueStatus, ...errors(400, 401, 404, 409, 429) },
      },
      onRequest: requireUser,
    },
    async (req) => service.join(currentUser(req).userId, req.params.showtimeId),
  );

  app.get(
    '/showtimes/:showtimeId/queue',
    {
      schema: {
        operationId: 'getQueueStatus',
        tags: ['waiting room'],
        summary: 'My place: position, people ahead, estimated wait; the admission token once admitted',
        params: WaitingRoomParams,
        response: { 200: QueueStatus, ...errors(400, 401, 404, 429) },
      },
      onRequest: requireUser,
    },
    async (req) => service.status(currentUser(req).userId, req.params.showtimeId),
  );

  app.delete(
    '/showtimes/:showtimeId/queue',
    {
      schema: {
        operationId: 'leaveQueue',
        tags: ['waiting room'],
        summary: 'Leave the queue; an admitted place goes to the next in line',
        params: WaitingRoomParams,
        response: { 204: NoContent, ...errors(400, 401, 404, 429) },
      },
      onRequest: requireUser,
    },
    async (req, reply) => {
      await service.leave(currentUser(req).userId, req.params.showtimeId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/showtimes/:showtimeId/queue/stream',
    {
      schema: {
        tags: ['waiting room'],
        summary: 'My place, live (server-sent events)',
        description:
          'text/event-stream of `event: status` with the same JSON as GET .../queue, sent when it changes ' +
          '(at most once a second). EventSource sends the seat stream token of this showtime ' +
          '(POST .../seats/stream-token) as ?token=; other clients may send Authorization. Join first.',
        params: WaitingRoomParams,
        querystring: SeatStreamQuery,
        response: {
          200: {
            description: 'An event stream; each status event carries this JSON as its data',
            content: { 'text/event-stream': { schema: QueueStatus } },
          },
          ...errors(400, 401, 404, 429),
        },
      },
      onRequest: async (req) => {
        const query = req.query as Record<string, unknown>;
        if (Object.keys(query).some((name) => name !== 'token' && isCredentialParam(name))) {
          throw new UnauthorizedError(
            'Credentials are never accepted in a URL but a stream token as ?token=',
          );
        }
        const { token } = query;
        await authenticateStreamToken(
          req,
          typeof token === 'string' ? token : undefined,
          req.params.showtimeId,
          ctx,
        );
        currentUser(req); // a user is required: 401 otherwise
      },
    },
    async (req, reply) => {
      const { userId } = currentUser(req);
      const { showtimeId } = req.params;
      const entry = await service.findEntry(userId, showtimeId);
      if (!entry) throw new NotInQueueError();
      const open = streamsByUser.get(userId) ?? 0;
      if (open >= STREAMS_PER_USER) {
        throw new DomainError(
          429,
          'TOO_MANY_STREAMS',
          `At most ${STREAMS_PER_USER} queue streams per account; close a tab`,
          {},
          { 'retry-after': '10' },
        );
      }
      streamsByUser.set(userId, open + 1);
      reply.hijack();
      reply.raw.on('close', () => {
        const left = (streamsByUser.get(userId) ?? 1) - 1;
        if (left > 0) streamsByUser.set(userId, left);
        else streamsByUser.delete(userId);
      });
      await streams.watch(showtimeId, entry, reply.raw, {
        'x-request-id': req.id,
        'x-content-type-options': 'nosniff',
      });
      return reply;
    },
  );
  return Promise.resolve();
};
