import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { availableParallelism } from 'node:os';

/**
 * The only reader of process.env. Everything else receives a typed, validated Config.
 * Names are part of the public contract (see .env.example and the README).
 */
const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  // The web app's base URL as customers reach it, for links in emails and calendar files.
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' })),
  // false, true (= 1 hop) or the number of proxy hops in front of the API.
  TRUST_PROXY: Type.String({ pattern: '^(true|false|[0-9])$', default: 'false' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  // Connections of each process's main pool (holds, payments, everything but a few short reads): about four per
  // database core does most (docs/operations.md, measured).
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_TTL_SECONDS: Type.Integer({ minimum: 60, default: 86_400 }),
  ADMIN_EMAIL: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', default: 'admin@matinee.local' }),
  ADMIN_PASSWORD: Type.String({ minLength: 8, default: 'matinee-admin' }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 600 }),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: Type.Integer({ minimum: 1, default: 120 }),
  RATE_LIMIT_AUTH_PER_MINUTE: Type.Integer({ minimum: 1, default: 30 }),
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  RATE_LIMIT_SIGNUPS_PER_HOUR: Type.Integer({ minimum: 1, default: 20 }),
  /**
   * Shed load (503 + Retry-After) when the event loop lags more than this on average (0: never). Default 500 in
   * production, off elsewhere: a development machine or CI running the test suite on two cores starves
   * processes for seconds without their being overloaded.
   */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  /** Shed load when more requests than this wait for a database connection (0: never). */
  OVERLOAD_MAX_POOL_WAITING: Type.Integer({ minimum: 0, maximum: 100_000, default: 100 }),
  OVERLOAD_RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 5 }),
  RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR: Type.Integer({ minimum: 1, default: 5 }),
  RATE_LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR: Type.Integer({ minimum: 1, default: 20 }),
  PASSWORD_RESET_TTL_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
  INVITATION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 72 }),
  // Map tiles for the operator console's theater form (Leaflet URL template); unset: no map, latitude and
  // longitude fields only.
  MAP_TILE_URL: Type.Optional(Type.String({ pattern: '^(https?:)?//[^\\s]+$|^/[^\\s]*$', maxLength: 500 })),
  MAP_TILE_ATTRIBUTION: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  AUTH_CACHE_TTL_MS: Type.Integer({ minimum: 0, maximum: 30_000, default: 15_000 }),
  STREAM_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
  SEAT_STREAMS_PER_IP: Type.Integer({ minimum: 1, maximum: 100_000, default: 10 }),
  /** Waiting rooms: how often an API process tries to run the admission tick (one process at a time does); 0 = never. */
  WAITING_ROOM_TICK_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  SEAT_FEED_FLUSH_MS: Type.Integer({ minimum: 1, maximum: 1000, default: 30 }),
  SEAT_FEED_REFRESH_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
  SEAT_STREAM_PUSH_MS: Type.Integer({ minimum: 0, maximum: 2_000, default: 250 }),
  HOLD_REFUSE_FROM_MEMORY_MS: Type.Integer({ minimum: 0, maximum: 5_000, default: 1_000 }),
  SEAT_MAP_CACHE_SHOWTIMES: Type.Integer({ minimum: 1, maximum: 100_000, default: 500 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  DATA_DIR: Type.String({ minLength: 1, default: '.data' }),
  HOLD_TTL_SECONDS: Type.Integer({ minimum: 1, default: 420 }),
  HOLD_MAX_LIFETIME_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  COMPANION_SEAT_RELEASE_MINUTES: Type.Integer({ minimum: 0, maximum: 10_080, default: 30 }),
  HOLD_EXTENSION_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 180 }),
  MAX_ACTIVE_HOLDS_PER_USER: Type.Integer({ minimum: 1, default: 2 }),
  MAX_SEATS_PER_SHOWTIME_PER_USER: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10 }),
  MAX_PAYMENT_ATTEMPTS_PER_HOLD: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
  PAYMENT_LATENCY_MS: Type.Integer({ minimum: 0, default: 0 }),
  PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  PAYMENT_SETTLEMENT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 120 }),
  SIM_GATEWAY_SLOW_CARD_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  SWEEP_INTERVAL_SECONDS: Type.Number({ minimum: 0.2, maximum: 3600, default: 5 }),
  WORKER_IN_PROCESS: Type.Boolean({ default: true }),
  /** `npm run start:cluster`: API processes sharing PORT (default: one per core), plus one worker process. */
  API_PROCESSES: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ pattern: '^[^\\r\\n]*@[^\\r\\n]*$', default: 'Matinee <tickets@matinee.local>' }),
  SMS_API_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  SMS_API_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  SMS_FROM: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  TICKET_SIGNING_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  NOTIFICATION_RETRY_LIMIT: Type.Integer({ minimum: 0, maximum: 15, default: 9 }),
  NOTIFICATION_RETRY_DELAY_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  SEED_DEMO_DATA: Type.Optional(Type.Boolean()),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Crash tests only: `crash-after-charge` SIGKILLs the process between a charge and its commit. */
  MATINEE_FAULT: Type.Optional(Type.Literal('crash-after-charge')),
});

export type Env = Static<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  /** The web app's base URL without a trailing slash (PUBLIC_URL): links in emails and calendar files. */
  publicUrl: string;
  /**
   * Proxy hops in front of the API whose X-Forwarded-For entries are trusted (0: none). The client address is
   * the one the outermost trusted hop added; anything a client prepends itself is ignored.
   */
  trustProxyHops: number;
  databaseUrl: string | undefined;
  /** Connections of the main pool of each API or worker process. */
  databasePoolSize: number;
  redisUrl: string | undefined;
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  admin: { email: string; password: string };
  rateLimit: {
    /** Per signed-in user. */
    perMinute: number;
    /** Per client IP for requests without a valid token (browsing the catalog signed out). */
    anonymousPerMinute: number;
    /** Per client IP on /auth/*, whatever token is sent. */
    authPerMinute: number;
    /** Login attempts per target account (lowercased email), from all addresses together. */
    loginPerAccountPerMinute: number;
    /** Sign-ups per client IP. */
    signupsPerHour: number;
    /** Password reset requests per target email (lowercased), from all addresses together. */
    passwordResetsPerEmailPerHour: number;
    /** Password reset requests per client IP. */
    passwordResetsPerIpPerHour: number;
  };
  /** How long a password reset link works. */
  passwordResetTtlMinutes: number;
  /** How long an invitation link works. */
  invitationTtlHours: number;
  /** Map tiles for the console (MAP_TILE_URL, a Leaflet URL template with {z}/{x}/{y}); undefined: no map. */
  map: { tileUrl: string; attribution: string | undefined } | undefined;
  /** How long a process may trust its cached copy of a user's role and token version (revocation delay). */
  authCacheTtlMs: number;
  /** Load shedding (src/http/overload.ts): thresholds, 0 turns one off. */
  overload: { maxEventLoopDelayMs: number; maxPoolWaiting: number; retryAfterSeconds: number };
  /** Lifetime of a seat-stream token (the only credential accepted in a URL). */
  streamTokenTtlSeconds: number;
  /** Seat streams opened without a credential that one client IP may keep open at once (per API process). */
  seatStreamsPerIp: number;
  /** How often this process tries the waiting-room admission tick (an advisory lock lets one run at a time); 0: never. */
  waitingRoomTickMs: number;
  /**
   * A hold asking for a seat this process's seat feed read as taken at most this long ago is refused from memory,
   * without the database (0: every hold asks the database). See docs/architecture.md, "The crowd's conflicts".
   */
  holdRefuseFromMemoryMs: number;
  seatFeed: {
    /** Touched showtimes are announced to every API process at most this often. */
    flushMs: number;
    /** Cached and streamed seat maps are re-read at least this often (the bound for a lost announcement). */
    refreshMs: number;
    /** Seat maps each API process keeps in memory. */
    maxShowtimes: number;
    /** A showtime's seat streams get at most one event per this many ms (the changes in between combined). */
    pushMs: number;
  };
  logLevel: string;
  dataDir: string;
  holdTtlSeconds: number;
  /** A hold's hard deadline from its creation: no payment grace moves it, no new payment starts past it. */
  holdMaxLifetimeSeconds: number;
  /** Minutes before a showtime from which its companion seats are sold to anyone (docs/api.md, companion seats). */
  companionSeatReleaseMinutes: number;
  /** The one extension a customer may ask for per hold; never past holdMaxLifetimeSeconds. */
  holdExtensionSeconds: number;
  maxActiveHoldsPerUser: number;
  /** Seats one customer may hold or have bought for one showtime, across all their bookings. */
  maxSeatsPerShowtimePerUser: number;
  maxPaymentAttemptsPerHold: number;
  paymentLatencyMs: number;
  paymentTimeoutMs: number;
  /**
   * How long an attempt whose outcome we never heard stays `unknown` (asked by key) before "the gateway has no
   * record of it" is taken as final. Must exceed the gateway's longest processing time (checked at start-up).
   */
  paymentSettlementWindowSeconds: number;
  /** The simulated gateway answers the slow test card only after this long. */
  simGatewaySlowCardMs: number;
  sweepIntervalSeconds: number;
  workerInProcess: boolean;
  /** API processes `npm run start:cluster` runs (API_PROCESSES; default one per core). */
  apiProcesses: number;
  seedDemoData: boolean;
  fault: 'crash-after-charge' | undefined;
  /** Bearer token for GET /metrics from other machines; unset, only loopback may scrape. */
  metricsToken: string | undefined;
  /** No smtpUrl: messages are written as .eml files under DATA_DIR/mail (refused in production). */
  mail: { smtpUrl: string | undefined; from: string };
  /** No apiUrl: SMS are written to the log outside production, and not sent at all in production. */
  sms: { apiUrl: string | undefined; apiToken: string | undefined; from: string | undefined };
  /** Unset outside production: derived from the JWT secret (see ticketSigningKey). */
  ticketSigningSecret: string | undefined;
  /** pg-boss retries of a notification: delay * 2^n * (1..2) seconds before retry n+1 (docs/notifications.md). */
  notifications: { retryLimit: number; retryDelaySeconds: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEV_ADMIN_EMAIL = 'admin@matinee.local';
export const DEV_ADMIN_PASSWORD = 'matinee-admin';

/** Reads and validates the environment; throws ConfigError listing every bad variable. */
export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted: unknown = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw));
  const errors = [...Value.Errors(EnvSchema, converted)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.path.slice(1) || '(root)'}: ${e.message}`);
    throw new ConfigError(`Invalid environment:\n${[...new Set(lines)].join('\n')}`);
  }
  const env = converted as Env;

  if (env.NODE_ENV === 'production') {
    const problems: string[] = [];
    if (!env.JWT_SECRET) problems.push('  JWT_SECRET is required in production (32+ characters)');
    if (!env.DATABASE_URL) problems.push('  DATABASE_URL is required in production');
    if (!env.PUBLIC_URL)
      problems.push("  PUBLIC_URL is required in production (the web app's address, for links in emails)");
    if (env.ADMIN_EMAIL === DEV_ADMIN_EMAIL || env.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD) {
      problems.push('  ADMIN_EMAIL and ADMIN_PASSWORD must not use the development defaults in production');
    }
    if (!env.SMTP_URL)
      problems.push('  SMTP_URL is required in production (customers must get their tickets)');
    if (env.MATINEE_FAULT) problems.push('  MATINEE_FAULT is for crash tests and refused in production');
    if (!env.TICKET_SIGNING_SECRET)
      problems.push('  TICKET_SIGNING_SECRET is required in production (32+ characters)');
    if (problems.length > 0) throw new ConfigError(`Invalid environment:\n${problems.join('\n')}`);
  }
  if (env.HOLD_MAX_LIFETIME_SECONDS < env.HOLD_TTL_SECONDS) {
    throw new ConfigError(
      'Invalid environment:\n  HOLD_MAX_LIFETIME_SECONDS must be at least HOLD_TTL_SECONDS (a hold cannot outlive its cap)',
    );
  }
  if (env.MAP_TILE_URL && !['{z}', '{x}', '{y}'].every((p) => env.MAP_TILE_URL!.includes(p))) {
    throw new ConfigError(
      'Invalid environment:\n  MAP_TILE_URL must be a tile URL template with {z}, {x} and {y}',
    );
  }
  if (env.SMS_API_URL && !env.SMS_API_TOKEN) {
    throw new ConfigError('Invalid environment:\n  SMS_API_TOKEN is required when SMS_API_URL is set');
  }

  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    trustProxyHops:
      env.TRUST_PROXY === 'true' ? 1 : env.TRUST_PROXY === 'false' ? 0 : Number(env.TRUST_PROXY),
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    redisUrl: env.REDIS_URL,
    jwtSecret: env.JWT_SECRET,
    jwtTtlSeconds: env.JWT_TTL_SECONDS,
    admin: { email: env.ADMIN_EMAIL.toLowerCase(), password: env.ADMIN_PASSWORD },
    rateLimit: {
      perMinute: env.RATE_LIMIT_PER_MINUTE,
      anonymousPerMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE,
      loginPerAccountPerMinute: env.RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE,
      signupsPerHour: env.RATE_LIMIT_SIGNUPS_PER_HOUR,
      passwordResetsPerEmailPerHour: env.RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR,
      passwordResetsPerIpPerHour: env.RATE_LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR,
    },
    passwordResetTtlMinutes: env.PASSWORD_RESET_TTL_MINUTES,
    authCacheTtlMs: env.AUTH_CACHE_TTL_MS,
    invitationTtlHours: env.INVITATION_TTL_HOURS,
    map: env.MAP_TILE_URL ? { tileUrl: env.MAP_TILE_URL, attribution: env.MAP_TILE_ATTRIBUTION } : undefined,
    overload: {
      maxEventLoopDelayMs: env.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS ?? (env.NODE_ENV === 'production' ? 500 : 0),
      maxPoolWaiting: env.OVERLOAD_MAX_POOL_WAITING,
      retryAfterSeconds: env.OVERLOAD_RETRY_AFTER_SECONDS,
    },
    streamTokenTtlSeconds: env.STREAM_TOKEN_TTL_SECONDS,
    seatStreamsPerIp: env.SEAT_STREAMS_PER_IP,
    waitingRoomTickMs: env.WAITING_ROOM_TICK_MS,
    holdRefuseFromMemoryMs: env.HOLD_REFUSE_FROM_MEMORY_MS,
    seatFeed: {
      flushMs: env.SEAT_FEED_FLUSH_MS,
      refreshMs: env.SEAT_FEED_REFRESH_MS,
      pushMs: env.SEAT_STREAM_PUSH_MS,
      maxShowtimes: env.SEAT_MAP_CACHE_SHOWTIMES,
    },
    logLevel: env.LOG_LEVEL,
    dataDir: env.DATA_DIR,
    holdTtlSeconds: env.HOLD_TTL_SECONDS,
    holdMaxLifetimeSeconds: env.HOLD_MAX_LIFETIME_SECONDS,
    companionSeatReleaseMinutes: env.COMPANION_SEAT_RELEASE_MINUTES,
    holdExtensionSeconds: env.HOLD_EXTENSION_SECONDS,
    maxActiveHoldsPerUser: env.MAX_ACTIVE_HOLDS_PER_USER,
    maxSeatsPerShowtimePerUser: env.MAX_SEATS_PER_SHOWTIME_PER_USER,
    maxPaymentAttemptsPerHold: env.MAX_PAYMENT_ATTEMPTS_PER_HOLD,
    paymentLatencyMs: env.PAYMENT_LATENCY_MS,
    paymentTimeoutMs: env.PAYMENT_TIMEOUT_MS,
    paymentSettlementWindowSeconds: env.PAYMENT_SETTLEMENT_WINDOW_SECONDS,
    simGatewaySlowCardMs: env.SIM_GATEWAY_SLOW_CARD_MS,
    sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
    workerInProcess: env.WORKER_IN_PROCESS,
    apiProcesses: env.API_PROCESSES ?? availableParallelism(),
    // The demo city is for development; production seeds only when asked to.
    seedDemoData: env.SEED_DEMO_DATA ?? env.NODE_ENV !== 'production',
    fault: env.MATINEE_FAULT,
    metricsToken: env.METRICS_TOKEN,
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    sms: { apiUrl: env.SMS_API_URL, apiToken: env.SMS_API_TOKEN, from: env.SMS_FROM },
    ticketSigningSecret: env.TICKET_SIGNING_SECRET,
    notifications: {
      retryLimit: env.NOTIFICATION_RETRY_LIMIT,
      retryDelaySeconds: env.NOTIFICATION_RETRY_DELAY_SECONDS,
    },
  };
}
