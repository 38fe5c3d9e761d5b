import { ConfigError } from '../config.js';
import { startWorkers } from '../jobs/worker.js';
import { boot, guardProcess, onShutdownSignal } from './bootstrap.js';

/** The workers alone (hold expiry, sweeps, notifications), so API and workers scale separately. */
async function main(): Promise<void> {
  process.env.WORKER_IN_PROCESS = 'true'; // this process supervises the queue
  const runtime = await boot({ seed: false });
  guardProcess(runtime.ctx.logger);
  const workers = await startWorkers(runtime.ctx);
  runtime.ctx.logger.info('Matinee worker running');
  onShutdownSignal(
    async () => {
      await workers.stop();
      await runtime.shutdown();
    },
    (m) => runtime.ctx.logger.info(m),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
