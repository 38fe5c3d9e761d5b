import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { readConfig, type Config } from '../../src/config.js';
import { createContext, type AppContext, type ContextOverrides } from '../../src/context.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createTestDatabase } from './db.js';

export interface TestApp {
  app: App;
  ctx: AppContext;
  config: Config;
  close(): Promise<void>;
}

export const TEST_ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };

/**
 * The real app on its own fresh database, for app.inject(). `env` overrides environment variables
 * (as strings, exactly as a deployment would set them), `overrides` replaces parts of the context.
 */
export async function createTestApp(
  opts: {
    env?: Record<string, string>;
    overrides?: ContextOverrides;
    /** Another app's database: a second "API process" on the same data (it will not drop it). */
    shareDatabaseOf?: TestApp;
  } = {},
): Promise<TestApp> {
  const database = opts.shareDatabaseOf
    ? { url: opts.shareDatabaseOf.config.databaseUrl!, drop: () => Promise.resolve() }
    : await createTestDatabase();
  const config = readConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    JWT_SECRET: 'test-secret-test-secret-test-secret-123',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
    SEAT_STREAMS_PER_IP: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: '100000',
    RATE_LIMIT_SIGNUPS_PER_HOUR: '100000',
    WORKER_IN_PROCESS: 'false',
    // The waiting-room admission tick is driven by hand (test/waiting-room.test.ts); a background one would
    // add queries to tests that count them.
    WAITING_ROOM_TICK_MS: '0',
    // Load shedding off: test files share two cores and fire bursts on purpose (test/overload.test.ts turns it on).
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    OVERLOAD_MAX_POOL_WAITING: '0',
    // Never the checkout's .data: with no SMTP_URL, delivered emails are written under DATA_DIR/mail.
    DATA_DIR: path.join(tmpdir(), 'matinee-test-data'),
    ...opts.env,
  });
  const ctx = createContext(config, { logger: pino({ level: 'silent' }), ...opts.overrides });
  await ctx.jobs.start();
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    config,
    async close() {
      await app.close();
      await ctx.close();
      await database.drop();
    },
  };
}
