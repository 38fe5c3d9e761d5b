import type { AppContext } from '../context.js';
import type { DeliverNotificationJob } from '../modules/notifications/notifications.outbox.js';
import { runDeliverNotification, runNotificationDeadLetter } from './deliver-notification.js';
import { runExpireHold, type ExpireHoldJob } from './expire-hold.js';
import { QUEUES } from './queue.js';
import { runSweepHolds } from './sweep-holds.js';

export interface Workers {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Overrides SWEEP_INTERVAL_SECONDS: how often the sweep runs besides pg-boss's once-a-minute schedule. */
  sweepIntervalMs?: number;
}

/** Registers every job handler on this process. The API runs it in-process by default; `npm run start:worker` alone. */
export async function startWorkers(ctx: AppContext, opts: WorkerOptions = {}): Promise<Workers> {
  const { boss } = ctx.jobs;
  await boss.work<ExpireHoldJob>(
    QUEUES.expireHold,
    { batchSize: 20, pollingIntervalSeconds: 1 },
    async (jobs) => {
      for (const job of jobs) await runExpireHold(ctx, job.data);
    },
  );
  await boss.work(QUEUES.sweepHolds, { pollingIntervalSeconds: 5 }, async () => runSweepHolds(ctx));
  await boss.schedule(QUEUES.sweepHolds, '* * * * *', {}, { singletonKey: 'sweep' });
  // A few deliveries in parallel, one job each, so one slow SMTP server does not hold up the rest.
  for (let i = 0; i < 4; i++) {
    await boss.work<DeliverNotificationJob>(
      QUEUES.deliverNotification,
      { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true },
      async ([job]) => {
        if (job) await runDeliverNotification(ctx, job);
      },
    );
  }
  await boss.work<DeliverNotificationJob>(
    QUEUES.notificationFailed,
    { pollingIntervalSeconds: 5 },
    async (jobs) => {
      for (const job of jobs) await runNotificationDeadLetter(ctx, job.data);
    },
  );

  let sweeping: Promise<void> | undefined;
  const tick = () => {
    sweeping ??= runSweepHolds(ctx)
      .catch((err: unknown) => ctx.logger.error({ err }, 'sweep failed'))
      .finally(() => (sweeping = undefined));
  };
  const timer = setInterval(tick, opts.sweepIntervalMs ?? ctx.config.sweepIntervalSeconds * 1000);
  timer.unref();
  tick();

  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
      await boss.offWork(QUEUES.expireHold);
      await boss.offWork(QUEUES.sweepHolds);
      await boss.offWork(QUEUES.deliverNotification);
      await boss.offWork(QUEUES.notificationFailed);
    },
  };
}
