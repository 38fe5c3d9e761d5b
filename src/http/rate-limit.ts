import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from './errors.js';

export class RateLimitedError extends DomainError {
  override name = 'RateLimitedError';
  constructor(retryAfterSeconds: number) {
    super(
      429,
      'RATE_LIMITED',
      `Too many requests; retry in ${retryAfterSeconds} s`,
      {},
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** The rate-limit key of the client's address (see TRUST_PROXY), whatever token the request carries. */
export const byClientIp = (req: FastifyRequest): string => `ip:${req.ip}`;

/**
 * An additional limit on a route, as a preHandler (so it can key on the parsed body). @fastify/rate-limit runs
 * one limit per request; this one counts on its own store, so a route can be limited per IP and per account.
 */
export function extraLimit(
  app: FastifyInstance,
  opts: { max: number; timeWindowMs: number; key: (req: FastifyRequest) => string | undefined },
): (req: FastifyRequest) => Promise<void> {
  const limiter = app.createRateLimit({
    max: opts.max,
    timeWindow: opts.timeWindowMs,
    // The key is computed below; requests without one are not counted.
    keyGenerator: (req) => opts.key(req) ?? '',
  });
  return async (req) => {
    if (opts.key(req) === undefined) return;
    const result = await limiter(req);
    if (!result.isAllowed && result.isExceeded) throw new RateLimitedError(result.ttlInSeconds);
  };
}
