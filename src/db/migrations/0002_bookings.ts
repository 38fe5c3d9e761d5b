import { sql, type Kysely } from 'kysely';

// Bookings (holds), tickets, payment attempts, idempotent responses, and the simulated gateway's own ledger.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE bookings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      reference text NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      showtime_id uuid NOT NULL REFERENCES showtimes (id) ON DELETE RESTRICT,
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'expired', 'cancelled', 'refunded')),
      expires_at timestamptz NOT NULL,
      total_cents integer NOT NULL CHECK (total_cents >= 0),
      currency char(3) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      confirmed_at timestamptz,
      closed_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX bookings_user_created_idx ON bookings (user_id, created_at DESC, id DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX bookings_pending_expiry_idx ON bookings (expires_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX bookings_showtime_idx ON bookings (showtime_id)`.execute(db);
  await sql`
    ALTER TABLE seat_inventory
      ADD CONSTRAINT seat_inventory_booking_fk FOREIGN KEY (booking_id) REFERENCES bookings (id)`.execute(db);

  // A ticket is one seat of one booking. status mirrors the seat claim: held while pending, sold once paid,
  // void when the booking ends without a sale.
  await sql`
    CREATE TABLE tickets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      showtime_id uuid NOT NULL,
      seat_id uuid NOT NULL,
      tier text NOT NULL CHECK (tier IN ('standard', 'premium', 'accessible')),
      price_cents integer NOT NULL CHECK (price_cents >= 0),
      status text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'sold', 'void')),
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (showtime_id, seat_id) REFERENCES seat_inventory (showtime_id, seat_id),
      UNIQUE (booking_id, seat_id)
    )`.execute(db);
  // Finds the held tickets of a seat when an expired hold's seat is claimed by someone else.
  await sql`CREATE INDEX tickets_held_seat_idx ON tickets (showtime_id, seat_id) WHERE status = 'held'`.execute(
    db,
  );
  // The last line of defence against a double sale: even buggy code cannot sell one seat twice.
  await sql`CREATE UNIQUE INDEX tickets_one_sale_per_seat ON tickets (showtime_id, seat_id) WHERE status = 'sold'`.execute(
    db,
  );

  // A payment attempt is recorded (status pending, with the key sent to the gateway) before the gateway is
  // called, so a crash between charge and commit leaves a trail that reconciliation follows.
  await sql`
    CREATE TABLE payments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE RESTRICT,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      gateway_key text NOT NULL UNIQUE,
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'unknown', 'succeeded', 'declined', 'failed', 'refunded')),
      amount_cents integer NOT NULL CHECK (amount_cents >= 0),
      currency char(3) NOT NULL,
      brand text NOT NULL,
      last4 char(4) NOT NULL,
      charge_id text,
      refund_id text,
      decline_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX payments_booking_idx ON payments (booking_id, created_at)`.execute(db);
  // At most one attempt in flight and at most one successful charge per booking.
  await sql`CREATE UNIQUE INDEX payments_one_in_flight ON payments (booking_id) WHERE status IN ('pending', 'unknown')`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX payments_one_success ON payments (booking_id) WHERE status IN ('succeeded', 'refunded')`.execute(
    db,
  );

  await sql`
    CREATE TABLE idempotency_keys (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
      request_hash text NOT NULL,
      status text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'completed')),
      response_status integer,
      response_body jsonb,
      locked_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, key)
    )`.execute(db);
  await sql`CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at)`.execute(db);

  // The simulated card processor keeps its own ledger, as a real one would on its side.
  await sql`CREATE SCHEMA IF NOT EXISTS sim_gateway`.execute(db);
  await sql`
    CREATE TABLE sim_gateway.charges (
      id text PRIMARY KEY,
      idempotency_key text NOT NULL UNIQUE,
      amount_cents integer NOT NULL,
      currency char(3) NOT NULL,
      brand text NOT NULL,
      last4 char(4) NOT NULL,
      status text NOT NULL CHECK (status IN ('succeeded', 'declined', 'failed')),
      decline_code text,
      refunded_cents integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE sim_gateway.refunds (
      id text PRIMARY KEY,
      charge_id text NOT NULL REFERENCES sim_gateway.charges (id),
      idempotency_key text NOT NULL UNIQUE,
      amount_cents integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}
