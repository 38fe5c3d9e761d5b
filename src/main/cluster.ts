/**
 * `npm run start:cluster`: N API processes sharing one port (node:cluster; the primary accepts connections
 * and hands them out in turn) plus one worker process for the jobs, all on one database.
 *
 * The primary does what must happen once (the embedded PostgreSQL when DATABASE_URL is unset, the development
 * JWT secret, the migrations) and passes the results to its children through their environment, so they share
 * one server and one secret. It restarts a child that dies (with a growing delay if it keeps dying), and on
 * SIGTERM/SIGINT asks every child to stop (each closes its server, letting requests in flight finish, see
 * api.ts) before it stops the embedded server and exits.
 */
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readConfig } from '../config.js';
import { createLogger } from '../context.js';
import { prepareDatabase } from './bootstrap.js';

type Role = 'api' | 'worker';

const STOP_GRACE_MS = 30_000;
const RESTART_DELAY_MAX_MS = 30_000;
/** A child that ran this long before dying counts as healthy: its replacement starts at once. */
const HEALTHY_UPTIME_MS = 60_000;

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config).child({ component: 'cluster' });
  const { embedded } = await prepareDatabase(config, logger);

  // Children run the same entry points as `npm start` and `npm run start:worker`, beside this file
  // (dist/main/*.js, or src/main/*.ts under tsx, which cluster children inherit through execArgv).
  const here = fileURLToPath(import.meta.url);
  const entry = (name: string) => path.join(path.dirname(here), `${name}${path.extname(here)}`);
  const shared: NodeJS.ProcessEnv = { DATABASE_URL: config.databaseUrl, JWT_SECRET: config.jwtSecret };

  const roles = new Map<Worker, { role: Role; slot: number; startedAt: number }>();
  const crashes = new Map<string, number>();
  let stopping = false;
  let listening = 0;

  const fork = (role: Role, slot: number): void => {
    cluster.setupPrimary({ exec: entry(role === 'api' ? 'api' : 'worker') });
    const env: NodeJS.ProcessEnv = { ...shared };
    if (role === 'api') {
      env.WORKER_IN_PROCESS = 'false';
      // The demo data is seeded (or topped up) by one process; it is idempotent, but once is enough.
      if (slot > 0) env.SEED_DEMO_DATA = 'false';
    }
    const child = cluster.fork(env);
    roles.set(child, { role, slot, startedAt: Date.now() });
    child.on('listening', () => {
      listening += 1;
      if (listening === config.apiProcesses) {
        const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
        logger.info(
          { apiProcesses: config.apiProcesses, pid: process.pid },
          `Matinee is serving http://${shown}:${config.port} from ${config.apiProcesses} API processes and a worker`,
        );
      }
    });
  };

  cluster.on('exit', (child, code, signal) => {
    const info = roles.get(child);
    roles.delete(child);
    if (!info || stopping) return;
    if (info.role === 'api') listening = Math.max(0, listening - 1);
    const key = `${info.role}:${info.slot}`;
    const ranMs = Date.now() - info.startedAt;
    const n = ranMs >= HEALTHY_UPTIME_MS ? 0 : (crashes.get(key) ?? 0) + 1;
    crashes.set(key, n);
    const delay = n === 0 ? 0 : Math.min(RESTART_DELAY_MAX_MS, 500 * 2 ** (n - 1));
    logger.error(
      { role: info.role, slot: info.slot, pid: child.process.pid, code, signal, restartInMs: delay },
      `${info.role} process exited; starting another`,
    );
    setTimeout(() => {
      if (!stopping) fork(info.role, info.slot);
    }, delay).unref();
  });

  for (let i = 0; i < config.apiProcesses; i++) fork('api', i);
  fork('worker', 0);

  let forced = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: stop now.
      if (forced) return;
      forced = true;
      for (const child of roles.keys()) child.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${signal}: stopping ${roles.size} processes`);
    const children = [...roles.keys()];
    const exited = children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.isDead()) return resolve();
          child.once('exit', () => resolve());
          child.process.kill('SIGTERM');
        }),
    );
    const timer = setTimeout(() => {
      logger.warn('children did not stop in time; killing them');
      for (const child of children) if (!child.isDead()) child.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    void Promise.all(exited)
      .then(async () => {
        clearTimeout(timer);
        await embedded?.stop();
      })
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('Matinee cluster failed to start:', err);
  process.exit(1);
});
