import { sql, type Kysely } from 'kysely';

// The notification outbox and ticket admission.
//
// One row per (booking, event, channel): written in the transaction that confirms, refunds or expires the
// booking, next to the pg-boss job that delivers it. The unique key is what makes "never twice for the same
// event" hold even if the event were recorded twice; the row's status is what the delivery job checks first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE notifications (
      id uuid PRIMARY KEY,
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      event text NOT NULL CHECK (event IN ('booking.confirmed', 'booking.refunded', 'booking.expired')),
      channel text NOT NULL CHECK (channel IN ('email', 'sms')),
      recipient text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error text,
      -- Derived from id when the row is written and never changed: the email's Message-ID header (and the SMS
      -- provider's idempotency key), so a resend after a crash is recognisably the same message.
      message_id text NOT NULL UNIQUE,
      provider_id text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (booking_id, event, channel),
      CHECK ((status = 'sent') = (sent_at IS NOT NULL))
    )`.execute(db);
  // The operators' view lists by status, newest first.
  await sql`CREATE INDEX notifications_status_created_idx ON notifications (status, created_at DESC, id DESC)`.execute(
    db,
  );

  // Admission at the door: set once, by a single conditional UPDATE (WHERE admitted_at IS NULL), so two
  // scanners reading the same code at the same moment admit it once.
  await sql`ALTER TABLE tickets ADD COLUMN admitted_at timestamptz`.execute(db);
  await sql`ALTER TABLE tickets ADD COLUMN admitted_by uuid REFERENCES users (id) ON DELETE SET NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tickets DROP COLUMN IF EXISTS admitted_by`.execute(db);
  await sql`ALTER TABLE tickets DROP COLUMN IF EXISTS admitted_at`.execute(db);
  await sql`DROP TABLE IF EXISTS notifications`.execute(db);
}
