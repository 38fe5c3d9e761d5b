import type { AppContext } from '../context.js';
import { BookingsService } from '../modules/bookings/bookings.service.js';

export interface ExpireHoldJob {
  bookingId: string;
}

/** Fires at a hold's expiresAt. Idempotent: a paid, cancelled or already expired booking is left alone. */
export async function runExpireHold(ctx: AppContext, job: ExpireHoldJob): Promise<void> {
  const outcome = await new BookingsService(ctx).expireHold(job.bookingId);
  ctx.logger.debug({ bookingId: job.bookingId, outcome }, 'expire-hold');
}
