/**
 * The app as its own process for the benchmark (so the load generator does not share its event loop).
 * Reads its configuration from the environment like `npm start`, listens on 127.0.0.1:0 and prints the port.
 * With BENCH_PROFILE_FILE it profiles itself from the moment it listens (start-up and TypeScript compilation
 * stay out of the profile) and writes the .cpuprofile when told to stop.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pino from 'pino';
import { readConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createPool } from '../src/db/database.js';
import { buildApp } from '../src/http/app.js';

const config = readConfig();
const ctx = createContext(config, {
  // BENCH_LOG_LEVEL=warn shows why an answer was not 2xx/409 (to stderr, so stdout keeps only PORT).
  logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
  pool: createPool(config.databaseUrl!, { max: Number(process.env.BENCH_POOL ?? 32) }),
});
await ctx.jobs.start();
const app = await buildApp(ctx);
await app.listen({ host: '127.0.0.1', port: 0 });

const profileFile = process.env.BENCH_PROFILE_FILE;
let profiler: Session | undefined;
if (profileFile) {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

const addr = app.server.address();
process.stdout.write(`PORT ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => {
  const saveProfile = async () => {
    if (!profiler || !profileFile) return;
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
  };
  void saveProfile()
    .then(() => app.close())
    .then(() => ctx.close())
    .then(() => ctx.pool.end())
    .finally(() => process.exit(0));
});
