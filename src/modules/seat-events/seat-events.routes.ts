import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { authenticateStreamToken, currentUser, requireUser } from '../../http/auth.js';
import { DomainError, NotFoundError, UnauthorizedError } from '../../http/errors.js';
import { isCredentialParam } from '../../http/redact.js';
import { errors, PUBLIC_ROUTE } from '../../http/schemas.js';
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
  // Streams opened without a credential, by client IP: each holds a connection and a feed subscription.
  const anonymousByIp = new Map<string, number>();
  const releaseAnonymous = (ip: string) => {
    const left = (anonymousByIp.get(ip) ?? 1) - 1;
    if (left > 0) anonymousByIp.set(ip, left);
    else anonymousByIp.delete(ip);
  };

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
        security: PUBLIC_ROUTE,
        summary: 'Live seat changes of a showtime (server-sent events)',
        description:
          'text/event-stream. `event: snapshot` with every seat first, as {showtimeId, version, seats:[{id,status}]} ' +
          '(and again after a reconnect of the server to its database), then `event: seats` with the seats whose ' +
          'status changed, as {showtimeId, prevVersion, version, seats}: at most one per SEAT_STREAM_PUSH_MS ' +
          '(250 ms), with every change since the last. A client whose version is not the ' +
          "event's prevVersion missed a change and refetches the seat map. A comment line is sent every 15 s. " +
          'Open to anyone: without a credential it is an anonymous stream, and one client IP may keep ' +
          'SEAT_STREAMS_PER_IP of those open at once (429 TOO_MANY_STREAMS beyond). A signed-in client sends ' +
          'its bearer token in the Authorization header or, for EventSource, a stream token from ' +
          'POST .../seats/stream-token in the token query parameter; a credential that is not valid is ' +
          'refused (401), never ignored, and no other credential is accepted in the URL.',
        params: SeatStreamParams,
        querystring: SeatStreamQuery,
        response: {
          200: {
            description: 'An event stream; each event carries this JSON as its data',
            content: { 'text/event-stream': { schema: SeatStreamEvent } },
          },
          ...errors(400, 401, 404, 429, 503),
        },
      },
      // Before validation, so a client with a credential that is not valid learns nothing but 401.
      onRequest: async (req) => {
        const query = req.query as Record<string, unknown>;
        // A stream token is the only credential a URL may carry: anything else that looks like one is refused
        // rather than ignored, so a client that put its bearer token there finds out (and it is never logged).
        if (Object.keys(query).some((name) => name !== 'token' && isCredentialParam(name))) {
          throw new UnauthorizedError(
            'Credentials are never accepted in a URL: send Authorization: Bearer <token>, a stream token as ' +
              '?token=, or nothing to watch anonymously',
          );
        }
        const { token } = query;
        await authenticateStreamToken(
          req,
          typeof token === 'string' ? token : undefined,
          req.params.showtimeId,
          ctx,
        );
        if (req.auth.kind === 'rejected') currentUser(req); // throws the 401 that says why
      },
    },
    async (req, reply) => {
      const { showtimeId } = req.params;
      const anonymous = req.auth.kind !== 'user';
      const ip = req.ip;
      if (anonymous) {
        const openFromIp = anonymousByIp.get(ip) ?? 0;
        if (openFromIp >= ctx.config.seatStreamsPerIp) {
          throw new DomainError(
            429,
            'TOO_MANY_STREAMS',
            `At most ${ctx.config.seatStreamsPerIp} live seat maps may be open from one address without ` +
              'signing in: close one, or sign in',
            {},
            { 'retry-after': '30' },
          );
        }
        // Counted before the first await, so parallel opens cannot all pass the check.
        anonymousByIp.set(ip, openFromIp + 1);
      }
      let counted = anonymous;
      const release = () => {
        if (counted) releaseAnonymous(ip);
        counted = false;
      };
      const stream = new SeatStream({
        res: reply.raw,
        heartbeatMs: opts.heartbeatMs ?? 15_000,
        logger: req.log,
      });
      let unsubscribe: (() => void) | undefined;
      try {
        unsubscribe = await ctx.seatFeed.subscribe(showtimeId, stream);
      } catch (err) {
        release();
        req.log.warn({ err }, 'seat stream unavailable');
        throw new DomainError(
          503,
          'STREAM_UNAVAILABLE',
          'Live seat updates are unavailable; poll the seat map',
        );
      }
      if (!unsubscribe) {
        release();
        throw new NotFoundError('Showtime');
      }

      reply.hijack();
      open.add(stream);
      stream.onEnd(() => {
        unsubscribe();
        open.delete(stream);
        release();
      });
      reply.raw.on('close', () => stream.end());
      stream.start({ 'x-request-id': req.id, 'x-content-type-options': 'nosniff' });
      return reply;
    },
  );
  return Promise.resolve();
};
