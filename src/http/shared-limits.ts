import { createRequire } from 'node:module';
import type { FastifyRateLimitOptions, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

// The plugin's own stores (CommonJS files without type declarations).
const require = createRequire(import.meta.url);

/**
 * Redis where it belongs (issue 13): the rate-limit counters shared by every API process. Optional
 * (REDIS_URL); when Redis is unreachable each process counts on its own (the limits still hold per process)
 * and says so in its log and in matinee_redis_up; when Redis answers again the shared counters take over.
 */
export class SharedRedis {
  readonly client: Redis;
  private up = false;
  private everUp = false;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.client = new Redis(url, {
      // Fail fast while disconnected (the caller falls back) instead of queueing commands until Redis returns.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A Redis that stops answering must not hold requests: past this, the command fails and we fall back.
      commandTimeout: 250,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(100 * times, 2_000),
      lazyConnect: false,
    });
    metrics.redisUp.set(0);
    this.client.on('ready', () => this.mark(true));
    this.client.on('close', () => this.mark(false));
    this.client.on('end', () => this.mark(false));
    // Reconnection is automatic; errors are reported through the state changes above.
    this.client.on('error', () => undefined);
  }

  get isUp(): boolean {
    return this.up && this.client.status === 'ready';
  }

  /** A command failed while we thought Redis was up (a timeout, a dropped connection). */
  failed(err: unknown): void {
    this.metrics.redisFallbacks.inc();
    if (this.up) this.logger.warn({ err }, 'redis command failed; rate limits counted per process meanwhile');
  }

  private mark(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.metrics.redisUp.set(up ? 1 : 0);
    if (up) {
      this.logger.info(
        this.everUp
          ? 'redis is back: rate limits are shared again'
          : 'redis connected: rate limits are shared',
      );
      this.everUp = true;
    } else {
      this.logger.warn('redis unavailable: rate limits are counted per process until it returns');
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
    return Promise.resolve();
  }
}

type IncrCallback = (err: Error | null, result: { current: number; ttl: number } | null) => void;
interface Store {
  incr(key: string, cb: IncrCallback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): Store;
}

/**
 * A @fastify/rate-limit store: Redis's (the plugin's own RedisStore, atomic in a Lua script) while Redis is up,
 * the plugin's in-memory LocalStore otherwise.
 */
export function fallbackStore(redis: SharedRedis): FastifyRateLimitStoreCtor {
  const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    client: Redis,
    prefix?: string,
  ) => Store;
  const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
  ) => Store;
  class Fallback implements Store {
    constructor(
      private readonly shared: Store,
      private readonly local: Store,
    ) {}
    incr(key: string, cb: IncrCallback, timeWindow: number, max: number): void {
      if (!redis.isUp) return this.local.incr(key, cb, timeWindow, max);
      this.shared.incr(
        key,
        (err, result) => {
          if (!err) return cb(null, result);
          redis.failed(err);
          this.local.incr(key, cb, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }
    child(routeOptions: unknown): Store {
      return new Fallback(this.shared.child(routeOptions), this.local.child(routeOptions));
    }
  }
  class Root extends Fallback {
    constructor(
      params: FastifyRateLimitOptions & { continueExceeding?: boolean; exponentialBackoff?: boolean },
    ) {
      const continueExceeding = params.continueExceeding ?? false;
      const exponentialBackoff = params.exponentialBackoff ?? false;
      super(
        new RedisStore(continueExceeding, exponentialBackoff, redis.client, 'matinee-rl:'),
        new LocalStore(continueExceeding, exponentialBackoff),
      );
    }
  }
  return Root as unknown as FastifyRateLimitStoreCtor;
}
