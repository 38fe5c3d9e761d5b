import pino, { type Logger } from 'pino';
import type pg from 'pg';
import type { Config } from './config.js';
import { createDb, createPool, type Db } from './db/database.js';
import { PoolGate } from './db/pool-gate.js';
import { TokenService } from './http/tokens.js';
import { serializeRequest } from './http/redact.js';
import { UserSessions } from './modules/accounts/sessions.js';
import { JobQueue } from './jobs/queue.js';
import { Metrics } from './http/metrics.js';
import { SharedRedis } from './http/shared-limits.js';
import { createMailer, type Mailer } from './modules/notifications/mailer.js';
import { createSmsProvider, type SmsProvider } from './modules/notifications/sms.js';
import type { PaymentGateway } from './modules/payments/payment-gateway.js';
import { SimulatedGateway } from './modules/payments/simulated-gateway.js';
import { SeatFeed } from './modules/seat-events/seat-feed.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Composition root: everything a request handler or job needs, built once per process.
 * Tests build it with overrides (a fake clock, a gateway that crashes on cue) instead of patching modules.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  /** Every checkout of `pool` by `db` and `paymentDb` waits here when all its connections are busy. */
  poolGate: PoolGate;
  db: Db;
  /**
   * The same pool as `db`; its checkouts are served first when both wait (PoolGate): a customer paying for the
   * seats they hold goes ahead of the crowd's new holds at an on-sale. For the card payment's own statements.
   */
  paymentDb: Db;
  clock: Clock;
  tokens: TokenService;
  /** Current role and token version per user (revocation), cached for AUTH_CACHE_TTL_MS. */
  sessions: UserSessions;
  /** pg-boss; `start()` it before use (boot and the test helper do). */
  jobs: JobQueue;
  gateway: PaymentGateway;
  metrics: Metrics;
  /** SMTP when SMTP_URL is set, else .eml files under DATA_DIR/mail. */
  mailer: Mailer;
  /** HTTP provider when SMS_API_URL is set, else the log; undefined (SMS off) in production without one. */
  sms: SmsProvider | undefined;
  /**
   * Live seat state: `touch(showtimeId)` right after a transaction that changed seats commits; the seat map
   * and the seat stream read from it. Connects its LISTEN on first use (the worker only publishes).
   */
  seatFeed: SeatFeed;
  /** REDIS_URL: the rate-limit counters every process shares (per process while Redis is away). */
  redis: SharedRedis | undefined;
  /** Fault injection points for crash tests; absent in production. */
  faults: Faults;
  /** Releases every resource the context opened (not the ones passed in as overrides). */
  close(): Promise<void>;
}

export interface ContextOverrides {
  logger?: Logger;
  clock?: Clock;
  pool?: pg.Pool;
  jobs?: JobQueue;
  gateway?: PaymentGateway;
  metrics?: Metrics;
  faults?: Faults;
  mailer?: Mailer;
  /** null: SMS off. */
  sms?: SmsProvider | null;
}

export interface Faults {
  /** Runs after the gateway charged and before Matinee records it: a throw here is a crash at the worst moment. */
  afterCharge?: (bookingId: string) => void | Promise<void>;
  /**
   * Runs after a card payment's confirmation committed and before its delivery jobs are queued: a throw here is
   * the process dying between the commit and the send (the outbox sweep must deliver them).
   */
  beforeOutboxSend?: (notificationIds: string[]) => void | Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel' | 'env'>): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', '*.password', '*.card', '*.cardNumber', 'card.number'],
      censor: '[redacted]',
    },
    // URLs with credentials in the query (the seat-stream token) are logged with those values redacted.
    serializers: { req: serializeRequest },
    ...(config.env === 'development' && process.stdout.isTTY
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}

export function createContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  if (!config.databaseUrl)
    throw new Error('createContext needs config.databaseUrl (start the embedded database first)');
  if (!config.jwtSecret) throw new Error('createContext needs config.jwtSecret');
  const logger = overrides.logger ?? createLogger(config);
  const clock = overrides.clock ?? systemClock;
  const ownPool = !overrides.pool;
  const pool = overrides.pool ?? createPool(config.databaseUrl, { max: config.databasePoolSize });
  const metrics = overrides.metrics ?? new Metrics({ defaultMetrics: config.env !== 'test' });
  const gate = new PoolGate(pool, {
    max: pool.options.max ?? 10,
    timeoutMs: pool.options.connectionTimeoutMillis || 5_000,
    observeWait: (seconds) => metrics.poolWait.observe(seconds),
  });
  metrics.watchPool(pool, gate);
  const db = createDb(gate.lane('default'));
  const paymentDb = createDb(gate.lane('payment'));
  const tokens = new TokenService(
    config.jwtSecret,
    config.jwtTtlSeconds,
    () => clock.now(),
    config.streamTokenTtlSeconds,
  );
  // Short single-statement reads that gate hot requests (a customer's session on their first request, the seat
  // feed's reads and publishes) have a small pool of their own: they never wait behind the multi-statement
  // write transactions of holds and payments that fill the main pool at an on-sale.
  const fastPool = createPool(config.databaseUrl, { max: 3 });
  const fastDb = createDb(fastPool);
  const sessions = new UserSessions(fastDb, config.authCacheTtlMs);
  const jobs =
    overrides.jobs ??
    new JobQueue({
      databaseUrl: config.databaseUrl,
      logger,
      role: config.workerInProcess ? 'worker' : 'api',
    });

  const gatewayPool = overrides.gateway ? undefined : createPool(config.databaseUrl, { max: 5 });
  const gateway =
    overrides.gateway ??
    new SimulatedGateway(
      createDb(gatewayPool!),
      config.paymentLatencyMs,
      () => clock.now(),
      config.simGatewaySlowCardMs,
    );
  if (
    gateway.longestProcessingMs !== undefined &&
    config.paymentSettlementWindowSeconds * 1000 <= gateway.longestProcessingMs
  ) {
    throw new Error(
      `PAYMENT_SETTLEMENT_WINDOW_SECONDS (${config.paymentSettlementWindowSeconds}) must exceed the gateway's ` +
        `longest processing time (${gateway.longestProcessingMs} ms): a charge could land after we gave up on it`,
    );
  }
  const mailer = overrides.mailer ?? createMailer(config, logger);
  const seatFeed = new SeatFeed({
    db,
    feedDb: fastDb,
    databaseUrl: config.databaseUrl,
    logger,
    ...config.seatFeed,
  });
  const redis = config.redisUrl ? new SharedRedis(config.redisUrl, logger, metrics) : undefined;
  const sms = overrides.sms === undefined ? createSmsProvider(config, logger) : (overrides.sms ?? undefined);

  return {
    config,
    logger,
    pool,
    poolGate: gate,
    db,
    paymentDb,
    clock,
    tokens,
    sessions,
    jobs,
    gateway,
    mailer,
    sms,
    metrics,
    faults: overrides.faults ?? {},
    seatFeed,
    redis,
    async close() {
      await redis?.close();
      await seatFeed.close(); // publishes what is still pending, so it needs the pool
      await fastPool.end();
      if (!overrides.jobs) await jobs.stop();
      if (gatewayPool) await gatewayPool.end();
      if (!overrides.mailer) mailer.close();
      if (ownPool) await pool.end();
    },
  };
}
