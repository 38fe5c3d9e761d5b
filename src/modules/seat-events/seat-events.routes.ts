import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { authenticateStreamToken, currentUser, requireUser } from '../../http/auth.js';
import { DomainError, NotFoundError } from '../../http/errors.js';
import { errors } from '../../http/schemas.js';
import { SeatEventsRepository } from './seat-events.repository.js';
import {
  SeatStreamEvent,
  SeatStreamParams,
  SeatStreamQuery,
  StreamTokenResponse,
} from './seat-events.schemas.js';
import { SeatStream } from './seat-stream.js';

export interface SeatEventRoutesOptions {
  ctx: AppContext;
  heartbeatMs?: number;
}

/**
 * `GET /showtimes/:showtimeId/seats/stream`: server-sent events for a live seat map. First a `snapshot` of
 * every seat, then `seats` events with the changed ones, fed by the process's SeatFeed (committed changes from
 * any API process, announced after commit), and a comment line every 15 s so proxies keep the connection open.
 */
export const seatEventRoutes: FastifyPluginAsyncTypebox<SeatEventRoutesOptions> = async (app, opts) => {
  const { ctx } = opts;
  const repository = new SeatEventsRepository(ctx.db);
  const open = new Set<SeatStream>();

  // Open streams would keep server.close() waiting forever: end them first (the context closes the feed).
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
    return Promise.resolve();
  });

  app.post(
    '/showtimes/:showtimeId/seats/stream-token',
    {
      schema: {
        operationId: 'createSeatStreamToken',
        tags: ['catalog'],
        summary: "A short-lived token for this showtime's seat stream",
        description:
          'For EventSource, which cannot send headers: open GET .../seats/stream?token=<token> before it ' +
          'expires (STREAM_TOKEN_TTL_SECONDS, 5 minutes by default). It works only for this showtime and only ' +
          'on the stream; fetch a fresh one to reconnect.',
        params: SeatStreamParams,
        response: { 200: StreamTokenResponse, ...errors(400, 401, 404, 429) },
      },
      onRequest: requireUser,
    },
    async (req) => {
      const { showtimeId } = req.params;
      if (!(await repository.showtimeExists(showtimeId))) throw new NotFoundError('Showtime');
      const user = currentUser(req);
      const issued = await ctx.tokens.issueStreamToken({
        userId: user.userId,
        showtimeId,
        tokenVersion: user.tokenVersion,
      });
      return { token: issued.token, expiresAt: issued.expiresAt.toISOString() };
    },
  );

  app.get(
    '/showtimes/:showtimeId/seats/stream',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Live seat changes of a showtime (server-sent events)',
        description:
          'text/event-stream. `event: snapshot` with every seat first, as {showtimeId, version, seats:[{id,status}]} ' +
          '(and again after a reconnect of the server to its database), then `event: seats` with the seats whose ' +
          'status changed, as {showtimeId, prevVersion, version, seats}. A client whose version is not the ' +
          "event's prevVersion missed a change and refetches the seat map. A comment line is sent every 15 s. " +
          'Takes the bearer token in the ' +
          'Authorization header or, for EventSource, a stream token from POST .../seats/stream-token in the ' +
          'token query parameter.',
        params: SeatStreamParams,
        querystring: SeatStreamQuery,
        response: {
          200: {
            description: 'An event stream; each event carries this JSON as its data',
            content: { 'text/event-stream': { schema: SeatStreamEvent } },
          },
          ...errors(400, 401, 404, 503),
        },
      },
      // Before validation, so a client without a valid credential learns nothing but 401.
      onRequest: [
        async (req) => {
          const { token } = req.query as { token?: unknown };
          await authenticateStreamToken(
            req,
            typeof token === 'string' ? token : undefined,
            req.params.showtimeId,
            ctx,
          );
        },
        requireUser,
      ],
    },
    async (req, reply) => {
      const { showtimeId } = req.params;
      const stream = new SeatStream({
        res: reply.raw,
        heartbeatMs: opts.heartbeatMs ?? 15_000,
        logger: req.log,
      });
      let unsubscribe: (() => void) | undefined;
      try {
        unsubscribe = await ctx.seatFeed.subscribe(showtimeId, stream);
      } catch (err) {
        req.log.warn({ err }, 'seat stream unavailable');
        throw new DomainError(
          503,
          'STREAM_UNAVAILABLE',
          'Live seat updates are unavailable; poll the seat map',
        );
      }
      if (!unsubscribe) throw new NotFoundError('Showtime');

      reply.hijack();
      open.add(stream);
      stream.onEnd(() => {
        unsubscribe();
        open.delete(stream);
      });
      reply.raw.on('close', () => stream.end());
      stream.start({ 'x-request-id': req.id, 'x-content-type-options': 'nosniff' });
      return reply;
    },
  );
  return Promise.resolve();
};
