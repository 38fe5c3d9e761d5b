import { sql, type Kysely } from 'kysely';

// People (issue 12): staff are invited by email, per theater, and admins likewise.
//
// An invitation keeps only its token's SHA-256; the token is an HMAC of the row's id under a server key
// (modules/people/invitation-token.ts), so the worker that mails the link derives it again while a copy of the
// database alone cannot accept anyone's invitation. It works once (accepted_at), until expires_at, unless revoked.
//
// Staff access per theater: `theaters_restricted` marks a staff account limited to its staff_theaters rows (an
// empty set then means no theater). Accounts made before this (false) keep access to every theater, so a theater
// deleted from the set can never widen anyone's access.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN theaters_restricted boolean NOT NULL DEFAULT false`.execute(db);
  await sql`
    CREATE TABLE staff_theaters (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      theater_id uuid NOT NULL REFERENCES theaters (id) ON DELETE CASCADE,
      PRIMARY KEY (user_id, theater_id)
    )`.execute(db);
  await sql`
    CREATE TABLE invitations (
      id uuid PRIMARY KEY,
      email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
      role text NOT NULL CHECK (role IN ('staff', 'admin')),
      -- Staff only: the theaters the account may work at (checked against theaters when invited and accepted).
      theater_ids uuid[] NOT NULL DEFAULT '{}',
      token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
      invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
      revoked_at timestamptz,
      CHECK (expires_at > created_at),
      CHECK (role = 'staff' OR cardinality(theater_ids) = 0),
      CHECK (accepted_at IS NULL OR revoked_at IS NULL)
    )`.execute(db);
  // At most one open invitation per address: a new one revokes the older in the same transaction.
  await sql`CREATE UNIQUE INDEX invitations_open_email_idx ON invitations (lower(email))
              WHERE accepted_at IS NULL AND revoked_at IS NULL`.execute(db);
  await sql`CREATE INDEX invitations_created_idx ON invitations (created_at DESC)`.execute(db);

  // The invitation email goes through the notifications outbox like a password reset.
  await sql`ALTER TABLE notifications ADD COLUMN invitation_id uuid
    REFERENCES invitations (id) ON DELETE CASCADE`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_subject_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_subject_check
    CHECK (num_nonnulls(booking_id, password_reset_id, invitation_id) = 1)`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_invitation_event_channel_key
    UNIQUE (invitation_id, event, channel)`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN
    ('booking.confirmed', 'booking.refunded', 'booking.expired', 'payment.refunded',
     'account.password_reset', 'account.invitation'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM notifications WHERE invitation_id IS NOT NULL`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_event_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN
    ('booking.confirmed', 'booking.refunded', 'booking.expired', 'payment.refunded',
     'account.password_reset'))`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_invitation_event_channel_key`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_subject_check`.execute(db);
  await sql`ALTER TABLE notifications DROP COLUMN invitation_id`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_subject_check
    CHECK ((booking_id IS NULL) <> (password_reset_id IS NULL))`.execute(db);
  await sql`DROP TABLE invitations`.execute(db);
  await sql`DROP TABLE staff_theaters`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN theaters_restricted`.execute(db);
}
