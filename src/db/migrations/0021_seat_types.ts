import { sql, type Kysely } from 'kysely';

// Operator-defined seat types (issue 12): "Recliner" (premium + $3.00), "D-BOX" (standard + $8.00). A type has
// a base tier whose rules and showtime price it takes, plus a surcharge; docs/architecture.md, seat types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE seat_types (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      theater_id uuid NOT NULL REFERENCES theaters (id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
      colour text NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),
      base_tier text NOT NULL CHECK (base_tier IN ('standard', 'premium')),
      surcharge_cents integer NOT NULL DEFAULT 0 CHECK (surcharge_cents BETWEEN 0 AND 100000),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- the target of seats' (seat_type_id, tier) key: a typed seat's tier is always its type's base tier
      UNIQUE (id, base_tier)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX seat_types_theater_name_key ON seat_types (theater_id, lower(name))`.execute(
    db,
  );
  // A typed seat stores its type's base tier in seats.tier, so every rule that reads the tier (prices, best
  // available, the companion rule) works unchanged; the composite key keeps the two equal, also when the base
  // tier changes (ON UPDATE CASCADE). Deleting a type is refused while current layouts or upcoming showtimes use
  // it; seats of past showtimes then just lose the type (SET NULL on seat_type_id only, PostgreSQL 15).
  await sql`
    ALTER TABLE seats
      ADD COLUMN seat_type_id uuid,
      ADD CONSTRAINT seats_seat_type_fkey FOREIGN KEY (seat_type_id, tier)
        REFERENCES seat_types (id, base_tier) ON UPDATE CASCADE ON DELETE SET NULL (seat_type_id)`.execute(
    db,
  );
  await sql`CREATE INDEX seats_seat_type_idx ON seats (seat_type_id) WHERE seat_type_id IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE seats DROP COLUMN seat_type_id`.execute(db);
  await sql`DROP TABLE seat_types`.execute(db);
}
