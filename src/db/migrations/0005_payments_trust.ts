import { sql, type Kysely } from 'kysely';

// Payments and holds you can trust (issue 8):
// - a hold's expiry has one owner, bookings.expires_at: seat_inventory.hold_expires_at was a hand-kept copy;
// - every hold has a hard deadline (max_expires_at) that no payment grace can move;
// - a charge that cannot be kept is `refund_pending` until the gateway confirms the refund, then `refunded`,
//   whatever the reason (customer refund, duplicate or late charge, hold ended), recorded in refund_reason;
// - the simulated gateway's slow charges land on their own schedule, whatever happens to the caller;
// - at most one kept charge (`succeeded`) and at most one live charge call (`pending`) per booking. Several
//   `unknown` attempts may wait for their outcome at once: each is settled by its own gateway key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE bookings ADD COLUMN max_expires_at timestamptz`.execute(db);
  await sql`UPDATE bookings SET max_expires_at = greatest(expires_at, created_at + interval '15 minutes')`.execute(
    db,
  );
  await sql`ALTER TABLE bookings ALTER COLUMN max_expires_at SET NOT NULL`.execute(db);
  await sql`ALTER TABLE bookings ADD CONSTRAINT bookings_hold_deadline CHECK (expires_at <= max_expires_at)`.execute(
    db,
  );
  // The hold-limit counts look up a user's live holds on one showtime.
  await sql`CREATE INDEX bookings_user_showtime_idx ON bookings (user_id, showtime_id) WHERE status IN ('pending', 'confirmed')`.execute(
    db,
  );

  await sql`ALTER TABLE seat_inventory DROP COLUMN hold_expires_at`.execute(db);

  await sql`ALTER TABLE payments ADD COLUMN refund_reason text
    CHECK (refund_reason IN ('customer', 'duplicate_charge', 'hold_ended', 'operator'))`.execute(db);
  await sql`ALTER TABLE payments DROP CONSTRAINT payments_status_check`.execute(db);
  await sql`
    UPDATE payments SET status = 'refund_pending', refund_id = NULL,
           refund_reason = CASE WHEN refund_id LIKE 'requested:%' THEN 'customer'
                                WHEN decline_reason = 'duplicate_charge' THEN 'duplicate_charge'
                                ELSE 'hold_ended' END
     WHERE refund_id LIKE 'pending:%' OR refund_id LIKE 'requested:%'`.execute(db);
  await sql`UPDATE payments SET status = 'refunded', refund_reason = 'duplicate_charge'
     WHERE status = 'failed' AND decline_reason = 'duplicate_charge' AND refund_id IS NOT NULL`.execute(db);
  await sql`ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN
    ('pending', 'unknown', 'succeeded', 'declined', 'failed', 'refund_pending', 'refunded'))`.execute(db);
  await sql`DROP INDEX payments_one_in_flight`.execute(db);
  await sql`DROP INDEX payments_one_success`.execute(db);
  await sql`CREATE UNIQUE INDEX payments_one_live_call ON payments (booking_id) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX payments_one_kept_charge ON payments (booking_id) WHERE status = 'succeeded'`.execute(
    db,
  );
  // The sweep's work list: attempts waiting for an outcome and refunds not yet confirmed by the gateway.
  await sql`CREATE INDEX payments_open_idx ON payments (updated_at)
    WHERE status IN ('pending', 'unknown', 'refund_pending')`.execute(db);

  // The simulated gateway records a slow charge when it is asked and lets it land at lands_at, on its own clock:
  // a caller that dies mid-call (SIGKILL) does not take the charge with it, exactly as with a real processor.
  await sql`ALTER TABLE sim_gateway.charges ADD COLUMN lands_at timestamptz NOT NULL DEFAULT now()`.execute(
    db,
  );

  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN
    ('booking.confirmed', 'booking.refunded', 'booking.expired', 'payment.refunded'))`.execute(db);
}
