import { buildApp } from '../http/app.js';
import { ConfigError } from '../config.js';
import { startWorkers, type Workers } from '../jobs/worker.js';
import { boot, guardProcess, onShutdownSignal } from './bootstrap.js';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const runtime = await boot({ seed: true });
  const { ctx, config } = runtime;
  guardProcess(ctx.logger);
  const app = await buildApp(ctx);
  const workers: Workers | undefined = config.workerInProcess ? await startWorkers(ctx) : undefined;
  await app.listen({ port: config.port, host: config.host });
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  ctx.logger.info(
    { ms: Date.now() - startedAt },
    `Matinee is serving http://${shown}:${config.port} (API docs at /docs; admin: ${config.admin.email})`,
  );

  onShutdownSignal(
    async () => {
      await app.close();
      await workers?.stop();
      await runtime.shutdown();
    },
    (m) => ctx.logger.info(m),
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('Matinee failed to start:', err);
  }
  process.exit(1);
});
