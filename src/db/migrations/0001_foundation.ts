import { sql, type Kysely } from 'kysely';

// Foundation: accounts, catalog, seat layouts, showtimes and per-showtime seat inventory.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gist`.execute(db);

  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      phone text CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
      password_hash text NOT NULL,
      role text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'staff', 'admin')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`.execute(db);

  await sql`
    CREATE TABLE theaters (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      address text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
      city text NOT NULL CHECK (length(city) BETWEEN 1 AND 200),
      latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
      longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
      time_zone text NOT NULL DEFAULT 'America/New_York',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // Bounding-box prefilter for "theaters near me"; exact distance is computed on the few rows left.
  await sql`CREATE INDEX theaters_location_idx ON theaters (latitude, longitude)`.execute(db);

  await sql`
    CREATE TABLE auditoriums (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      theater_id uuid NOT NULL REFERENCES theaters (id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      screen_position text NOT NULL DEFAULT 'top' CHECK (screen_position IN ('top', 'bottom')),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (theater_id, name)
    )`.execute(db);

  await sql`
    CREATE TABLE seats (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      auditorium_id uuid NOT NULL REFERENCES auditoriums (id) ON DELETE CASCADE,
      row_label text NOT NULL CHECK (length(row_label) BETWEEN 1 AND 4),
      number integer NOT NULL CHECK (number BETWEEN 1 AND 999),
      x integer NOT NULL CHECK (x BETWEEN 0 AND 999),
      y integer NOT NULL CHECK (y BETWEEN 0 AND 999),
      tier text NOT NULL CHECK (tier IN ('standard', 'premium', 'accessible')),
      UNIQUE (auditorium_id, row_label, number),
      UNIQUE (auditorium_id, x, y)
    )`.execute(db);

  await sql`
    CREATE TABLE movies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      synopsis text NOT NULL DEFAULT '' CHECK (length(synopsis) <= 5000),
      runtime_minutes integer NOT NULL CHECK (runtime_minutes BETWEEN 1 AND 600),
      rating text NOT NULL DEFAULT 'NR' CHECK (length(rating) BETWEEN 1 AND 10),
      poster_url text CHECK (length(poster_url) <= 2000),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE showtimes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      auditorium_id uuid NOT NULL REFERENCES auditoriums (id) ON DELETE RESTRICT,
      movie_id uuid NOT NULL REFERENCES movies (id) ON DELETE RESTRICT,
      starts_at timestamptz NOT NULL,
      -- end of the auditorium's occupation: runtime plus cleaning; fixed when the showtime is created
      ends_at timestamptz NOT NULL,
      currency char(3) NOT NULL DEFAULT 'USD',
      price_standard_cents integer NOT NULL CHECK (price_standard_cents BETWEEN 0 AND 1000000),
      price_premium_cents integer CHECK (price_premium_cents BETWEEN 0 AND 1000000),
      price_accessible_cents integer CHECK (price_accessible_cents BETWEEN 0 AND 1000000),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at > starts_at),
      -- two showtimes can never overlap in one auditorium, whatever the code does
      CONSTRAINT showtimes_no_overlap EXCLUDE USING gist (
        auditorium_id WITH =, tstzrange(starts_at, ends_at) WITH &&
      )
    )`.execute(db);
  await sql`CREATE INDEX showtimes_auditorium_starts_idx ON showtimes (auditorium_id, starts_at)`.execute(db);
  await sql`CREATE INDEX showtimes_movie_idx ON showtimes (movie_id)`.execute(db);

  // One row per seat per showtime. The seat map reads it; holds claim it with one conditional UPDATE.
  await sql`
    CREATE TABLE seat_inventory (
      showtime_id uuid NOT NULL REFERENCES showtimes (id) ON DELETE CASCADE,
      seat_id uuid NOT NULL REFERENCES seats (id) ON DELETE RESTRICT,
      status text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'sold')),
      booking_id uuid,
      hold_expires_at timestamptz,
      version integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (showtime_id, seat_id),
      CHECK ((status = 'available') = (booking_id IS NULL)),
      CHECK ((status = 'held') = (hold_expires_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX seat_inventory_booking_idx ON seat_inventory (booking_id) WHERE booking_id IS NOT NULL`.execute(
    db,
  );
}
