import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../context.js';
import { DomainError } from './errors.js';

export class OverloadedError extends DomainError {
  override name = 'OverloadedError';
  constructor(retryAfterSeconds: number) {
    super(
      503,
      'OVERLOADED',
      'Matinee is very busy right now. Please try again in a few seconds.',
      {},
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** Still answered under pressure: load balancers' health checks and the metrics scrape that shows the pressure. */
function exempt(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/v1/health/') || req.url === '/metrics';
}

/**
 * Graceful overload (issue 13): when the event loop lags (OVERLOAD_MAX_EVENT_LOOP_DELAY_MS, mean over
 * one-second windows) or too many requests wait for a database connection (OVERLOAD_MAX_POOL_WAITING, checked every
 * 100 ms), new requests get a quick 503 OVERLOADED with Retry-After instead of queueing until they time out.
 * Requests already admitted finish. Counted in matinee_requests_shed_total.
 */
export const overloadPlugin = fp(
  async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
    const { maxEventLoopDelayMs, maxPoolWaiting, retryAfterSeconds } = ctx.config.overload;
    await app.register(underPressure, {
      maxEventLoopDelay: maxEventLoopDelayMs,
      // One-second windows: under-pressure counts a window without a single sample as an infinite delay, and a
      // busy process on a shared machine can miss 100 ms windows without being overloaded (the hold benchmark
      // shed 30% of its requests that way).
      sampleInterval: 1000,
      ...(maxPoolWaiting > 0
        ? {
            healthCheck: async () =>
              Promise.resolve(ctx.pool.waitingCount + ctx.poolGate.waiting <= maxPoolWaiting),
            healthCheckInterval: 100,
          }
        : {}),
      // A rejection goes to the error handler (our error shape, the headers it carries); undefined lets it through.
      pressureHandler: async (req, _reply, type) => {
        if (exempt(req)) return;
        ctx.metrics.shed.inc({ reason: type });
        throw new OverloadedError(retryAfterSeconds);
      },
    });
  },
  { name: 'matinee-overload' },
);
