import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.js';
import type { Database } from '../../db/schema.js';

export type BookingEvent = 'booking.confirmed' | 'booking.refunded' | 'booking.expired';

/**
 * Called inside the transaction that confirms, refunds or expires a booking, so the notification exists if and
 * only if that change committed. Delivery (email, SMS) is issue 4's worker; until it lands this records nothing.
 */
export async function recordBookingEvent(
  _trx: Transaction<Database>,
  _ctx: AppContext,
  _bookingId: string,
  _event: BookingEvent,
): Promise<void> {
  return Promise.resolve();
}
