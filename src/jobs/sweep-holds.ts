import type { AppContext } from '../context.js';
import { BookingsService } from '../modules/bookings/bookings.service.js';

/**
 * The safety net behind per-hold jobs: expires overdue holds, settles payments whose outcome was never
 * recorded (timeouts, crashes) by asking the gateway, finishes interrupted refunds, drops old idempotency keys.
 */
export async function runSweepHolds(ctx: AppContext): Promise<void> {
  const result = await new BookingsService(ctx).sweep();
  if (result.expired + result.reconciled + result.refunded + result.failed > 0)
    ctx.logger.info(result, 'sweep-holds');
}
