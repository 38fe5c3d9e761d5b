import { sql, type Kysely } from 'kysely';

// Virtual waiting room (issue 13): a showtime an operator marks as high-demand is sold only to customers the
// queue has admitted. One row per (showtime, account) is the place in the queue: the unique key is "one place
// per account" across tabs, processes and restarts. `position` is null in the pre-queue (joined before the
// on-sale time) until the opening shuffles it; later arrivals take the room's next number.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE waiting_rooms (
      showtime_id uuid PRIMARY KEY REFERENCES showtimes(id) ON DELETE CASCADE,
      on_sale_at timestamptz NOT NULL,
      admit_per_minute integer CHECK (admit_per_minute BETWEEN 1 AND 100000),
      max_active integer CHECK (max_active BETWEEN 1 AND 100000),
      admission_ttl_seconds integer NOT NULL DEFAULT 600 CHECK (admission_ttl_seconds BETWEEN 60 AND 3600),
      opened_at timestamptz,
      next_position bigint NOT NULL DEFAULT 1,
      admit_credit double precision NOT NULL DEFAULT 0,
      credit_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT waiting_rooms_rate_or_cap CHECK (admit_per_minute IS NOT NULL OR max_active IS NOT NULL)
    )`.execute(db);
  await sql`
    CREATE TABLE waiting_room_entries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      showtime_id uuid NOT NULL REFERENCES waiting_rooms(showtime_id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      position bigint,
      status text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'admitted', 'done', 'left', 'expired')),
      joined_at timestamptz NOT NULL DEFAULT now(),
      admitted_at timestamptz,
      admitted_until timestamptz,
      ended_at timestamptz,
      CONSTRAINT waiting_room_one_place_per_account UNIQUE (showtime_id, user_id),
      CONSTRAINT waiting_room_admitted_has_window
        CHECK (status <> 'admitted' OR (admitted_at IS NOT NULL AND admitted_until IS NOT NULL))
    )`.execute(db);
  // The next to admit, in order; and who is active now.
  await sql`CREATE INDEX waiting_room_entries_queue ON waiting_room_entries (showtime_id, position)
              WHERE status = 'waiting'`.execute(db);
  await sql`CREATE INDEX waiting_room_entries_admitted ON waiting_room_entries (showtime_id)
              WHERE status = 'admitted'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE waiting_room_entries`.execute(db);
  await sql`DROP TABLE waiting_rooms`.execute(db);
}
