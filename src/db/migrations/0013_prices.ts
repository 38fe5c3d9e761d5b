import { sql, type Kysely } from 'kysely';

// Prices before seats (issue 13): ticket types per showtime, a booking fee and a sales tax per theater, and a
// booking that keeps its price breakdown from the moment it is held (docs/api.md, prices).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE theaters
      ADD COLUMN booking_fee_cents integer NOT NULL DEFAULT 0
        CHECK (booking_fee_cents BETWEEN 0 AND 100000),
      -- parts per million: 88750 is 8.875% (US rates have three decimals)
      ADD COLUMN tax_rate_ppm integer NOT NULL DEFAULT 0 CHECK (tax_rate_ppm BETWEEN 0 AND 1000000)`.execute(
    db,
  );
  // Adult is always offered at the tier's price. Another type is offered when its discount is set: it costs the
  // tier's price less the discount, never below zero. NULL: not offered at this showtime.
  await sql`
    ALTER TABLE showtimes
      ADD COLUMN child_discount_cents integer CHECK (child_discount_cents >= 0),
      ADD COLUMN senior_discount_cents integer CHECK (senior_discount_cents >= 0),
      ADD COLUMN student_discount_cents integer CHECK (student_discount_cents >= 0)`.execute(db);
  // What a hold stored: total_cents = the tickets' prices + booking_fee_cents + tax_cents.
  await sql`
    ALTER TABLE bookings
      ADD COLUMN booking_fee_cents integer NOT NULL DEFAULT 0 CHECK (booking_fee_cents >= 0),
      ADD COLUMN tax_cents integer NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
      ADD COLUMN tax_rate_ppm integer NOT NULL DEFAULT 0 CHECK (tax_rate_ppm >= 0)`.execute(db);
  await sql`
    ALTER TABLE tickets
      ADD COLUMN ticket_type text NOT NULL DEFAULT 'adult'
        CHECK (ticket_type IN ('adult', 'child', 'senior', 'student'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tickets DROP COLUMN ticket_type`.execute(db);
  await sql`ALTER TABLE bookings DROP COLUMN tax_rate_ppm, DROP COLUMN tax_cents, DROP COLUMN booking_fee_cents`.execute(
    db,
  );
  await sql`
    ALTER TABLE showtimes
      DROP COLUMN student_discount_cents, DROP COLUMN senior_discount_cents, DROP COLUMN child_discount_cents`.execute(
    db,
  );
  await sql`ALTER TABLE theaters DROP COLUMN tax_rate_ppm, DROP COLUMN booking_fee_cents`.execute(db);
}
