import { sql, type Kysely } from 'kysely';

// Password reset by email, and notifications that are about an account rather than a booking.
//
// A reset token is never stored: the row keeps its SHA-256. The token itself is an HMAC of the row's id under a
// server key (modules/accounts/password-reset.ts), so the worker that sends the email can derive it again while a
// copy of the database alone cannot. A token works once (used_at), until expires_at, and only while it is the
// account's newest (superseded_at is set on the older ones by each new request).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE password_resets (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      superseded_at timestamptz,
      CHECK (expires_at > created_at)
    )`.execute(db);
  await sql`CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at DESC)`.execute(db);

  // An outbox row is about a booking or about a password reset, never both.
  await sql`ALTER TABLE notifications ALTER COLUMN booking_id DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE notifications ADD COLUMN password_reset_id uuid
    REFERENCES password_resets (id) ON DELETE CASCADE`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_subject_check
    CHECK ((booking_id IS NULL) <> (password_reset_id IS NULL))`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_reset_event_channel_key
    UNIQUE (password_reset_id, event, channel)`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN
    ('booking.confirmed', 'booking.refunded', 'booking.expired', 'payment.refunded',
     'account.password_reset'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM notifications WHERE password_reset_id IS NOT NULL`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN
    ('booking.confirmed', 'booking.refunded', 'booking.expired', 'payment.refunded'))`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_reset_event_channel_key`.execute(
    db,
  );
  await sql`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_subject_check`.execute(db);
  await sql`ALTER TABLE notifications DROP COLUMN IF EXISTS password_reset_id`.execute(db);
  await sql`ALTER TABLE notifications ALTER COLUMN booking_id SET NOT NULL`.execute(db);
  await sql`DROP TABLE IF EXISTS password_resets`.execute(db);
}
