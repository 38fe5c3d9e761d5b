import { randomBytes } from 'node:crypto';
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { readConfig, type Config } from '../config.js';
import { createContext, createLogger, type AppContext, type Faults } from '../context.js';
import { createDb, createPool, isDatabaseUnavailable, migrateToLatest } from '../db/database.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded.js';
import { seedDemoData } from '../db/seed.js';
import { AccountsService } from '../modules/accounts/accounts.service.js';

export interface Runtime {
  config: Config;
  ctx: AppContext;
  embedded: EmbeddedDatabase | undefined;
  shutdown(): Promise<void>;
}

/** Development convenience: a random JWT secret kept per data folder, so tokens survive restarts. */
async function devJwtSecret(dataDir: string): Promise<string> {
  const file = path.resolve(dataDir, 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Real crashes for crash tests (never in production: config refuses MATINEE_FAULT there). */
function faultsFor(config: Config): Faults {
  if (config.fault !== 'crash-after-charge') return {};
  return {
    afterCharge: () => {
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

export interface BootOptions {
  /** Seed (or top up) the demo data on start, unless SEED_DEMO_DATA=false (api; never the worker). */
  seed: boolean;
}

/**
 * The steps every process needs done once before it can use the database: the embedded server started when
 * DATABASE_URL is unset (its URL written into `config`), the development JWT secret, the migrations. The
 * cluster's primary runs this and hands the results to its children, so they share one server and one secret.
 */
export async function prepareDatabase(
  config: Config,
  logger: Logger,
): Promise<{ embedded: EmbeddedDatabase | undefined }> {
  let embedded: EmbeddedDatabase | undefined;

  if (!config.databaseUrl) {
    const started = Date.now();
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      onLog: (line) => logger.debug({ component: 'embedded-postgres' }, line),
    });
    config.databaseUrl = await ensureDatabase(embedded.adminUrl, 'matinee');
    logger.info(
      { dataDir: embedded.dataDir, ms: Date.now() - started },
      'embedded PostgreSQL is up (set DATABASE_URL to use your own server)',
    );
  }
  if (!config.jwtSecret) config.jwtSecret = await devJwtSecret(config.dataDir);

  const migrationPool = createPool(config.databaseUrl, { max: 1, statementTimeoutMs: 600_000 });
  const migrationDb = createDb(migrationPool);
  try {
    const applied = await migrateToLatest(migrationDb);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  } finally {
    await migrationDb.destroy();
  }

  return { embedded };
}

/**
 * config -> database (embedded when DATABASE_URL is unset) -> migrations -> first admin -> demo data -> context.
 * Shared by the API, the worker and the db CLI so they all see the same database the same way.
 */
export async function boot(opts: BootOptions): Promise<Runtime> {
  const config = readConfig();
  const logger = createLogger(config);
  const { embedded } = await prepareDatabase(config, logger);

  const ctx = createContext(config, { logger, faults: faultsFor(config) });
  // Independent start-up steps run side by side: they touch different tables.
  await Promise.all([
    ctx.jobs.start(),
    new AccountsService(ctx).ensureAdmin().then((created) => {
      if (created) logger.info({ email: config.admin.email }, 'created the first admin');
    }),
    opts.seed && config.seedDemoData ? seedDemoData(ctx, (line) => logger.info(line)) : undefined,
  ]);

  return {
    config,
    ctx,
    embedded,
    async shutdown() {
      await ctx.close();
      await embedded?.stop();
    },
  };
}

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. A child of
 * `npm run start:cluster` ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and the
 * primary, which got it too, stops its children with one SIGTERM each (two signals would cut a child short).
 */
export function onShutdownSignal(stop: () => Promise<void>, log: (msg: string) => void): void {
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: shutting down`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  if (!cluster.isWorker) process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Last line of defence for errors nothing handled. Every pg client and emitter we own handles 'error' itself;
 * a lost database connection that still slips through (a library's client, a promise nobody awaited) is
 * logged, not fatal: that connection is gone either way and the pools open new ones. Anything else leaves
 * the process in an unknown state, so it exits for the supervisor to restart it, as Node would.
 */
export function guardProcess(logger: Logger): void {
  const onUncaught = (err: unknown, origin: string) => {
    if (isDatabaseUnavailable(err)) {
      logger.error({ err, origin }, 'uncaught database connection error; carrying on');
      return;
    }
    logger.fatal({ err, origin }, 'uncaught error; exiting');
    process.exit(1);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', (reason) => onUncaught(reason, 'unhandledRejection'));
}
