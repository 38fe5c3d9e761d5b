import type { AppContext } from '../context.js';
import { BookingsService } from '../modules/bookings/bookings.service.js';
import { sweepOutbox } from '../modules/notifications/notifications.outbox.js';

/**
 * The safety net behind per-hold jobs: expires overdue holds, settles payments whose outcome was never
 * recorded (timeouts, crashes) by asking the gateway, finishes interrupted refunds, drops old idempotency keys,
 * and queues notification deliveries whose job was lost after commit (sweepOutbox).
 */
export async function runSweepHolds(ctx: AppContext): Promise<void> {
  const result = await new BookingsService(ctx).sweep();
  if (result.expired + result.reconciled + result.refunded + result.failed > 0)
    ctx.logger.info(result, 'sweep-holds');
  // Delivery jobs lost after a commit (see sendDeliveryJobsAfterCommit); a failure waits for the next sweep.
  const queued = await sweepOutbox(ctx).catch((err: unknown) => {
    ctx.metrics.sweepFailures.inc();
    ctx.logger.warn(
      { err },
      'sweep: queueing lost notification deliveries failed; the next sweep retries it',
    );
    return 0;
  });
  if (queued > 0) ctx.logger.warn({ queued }, 'sweep: queued notification deliveries lost after commit');
}
