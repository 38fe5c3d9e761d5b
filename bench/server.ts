/**
 * The app as its own process for the benchmark (so the load generator does not share its event loop).
 * Reads its configuration from the environment like `npm start`, listens on 127.0.0.1:0 and prints the port
 * (and the pids of the API processes). With BENCH_PROCESSES=N above 1 it is a cluster like
 * `npm run start:cluster`: N processes share the port, the pool (BENCH_POOL) split between them.
 * With BENCH_PROFILE_FILE each API process profiles itself from the moment it listens (start-up and
 * TypeScript compilation stay out of the profile) and writes a .cpuprofile when told to stop.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pino from 'pino';
import { readConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createPool } from '../src/db/database.js';
import { buildApp } from '../src/http/app.js';

const processes = Number(process.env.BENCH_PROCESSES ?? 1);

if (processes > 1 && cluster.isPrimary) {
  const pids: number[] = [];
  let port = 0;
  for (let i = 0; i < processes; i++) {
    const profile = process.env.BENCH_PROFILE_FILE?.replace(/\.cpuprofile$/, `-p${i}.cpuprofile`);
    const child = cluster.fork(profile ? { BENCH_PROFILE_FILE: profile } : {});
    child.on('listening', (address) => {
      port = address.port;
      pids.push(child.process.pid!);
      if (pids.length === processes) process.stdout.write(`PIDS ${pids.join(',')}\nPORT ${port}\n`);
    });
  }
  process.on('SIGTERM', () => {
    const children = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    void Promise.all(
      children.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    ).finally(() => process.exit(0));
  });
} else {
  await serve(processes);
}

async function serve(of: number): Promise<void> {
  const config = readConfig();
  const ctx = createContext(config, {
    // BENCH_LOG_LEVEL=warn shows why an answer was not 2xx/409 (to stderr, so stdout keeps only PORT).
    logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
    pool: createPool(config.databaseUrl!, { max: Math.ceil(Number(process.env.BENCH_POOL ?? 32) / of) }),
  });
  await ctx.jobs.start();
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Its own event-loop delay over its life (warm-up included), printed when it stops: a request waits that
  // long before the app sees it, which the app's own request timings cannot show.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // Garbage-collection pauses over its life: how much of that delay the collector explains.
  const gc = { n: 0, ms: 0, max: 0, over20: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.n++;
      gc.ms += entry.duration;
      gc.max = Math.max(gc.max, entry.duration);
      if (entry.duration > 20) gc.over20++;
    }
  }).observe({ entryTypes: ['gc'] });

  const profileFile = process.env.BENCH_PROFILE_FILE;
  let profiler: Session | undefined;
  if (profileFile) {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }

  if (cluster.isPrimary) {
    const addr = app.server.address();
    process.stdout.write(`PIDS ${process.pid}\nPORT ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  }
  process.on('SIGTERM', () => {
    const msOf = (ns: number) => (ns / 1e6).toFixed(0);
    process.stderr.write(
      `  (API process ${process.pid}: event-loop delay p50 ${msOf(loop.percentile(50))} / p99 ` +
        `${msOf(loop.percentile(99))} / max ${msOf(loop.max)} ms over its life; ${gc.n} GC pauses, ` +
        `${gc.ms.toFixed(0)} ms in all, longest ${gc.max.toFixed(0)} ms, ${gc.over20} over 20 ms)\n`,
    );
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
}
