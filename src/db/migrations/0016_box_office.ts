import { sql, type Kysely } from 'kysely';

// Box office (issue 12): staff sell at the counter from the same seat map, for cash or card. A counter sale is
// a booking of the clerk's account (the same one-statement hold and the same sale), marked `box_office`, with
// the buyer's email when they want their tickets sent; a cash payment is a payment row with method `cash`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE bookings
      ADD COLUMN channel text NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'box_office')),
      ADD COLUMN buyer_email text CHECK (buyer_email IS NULL OR length(buyer_email) BETWEEN 3 AND 254),
      ADD COLUMN buyer_name text CHECK (buyer_name IS NULL OR length(buyer_name) BETWEEN 1 AND 120),
      ADD CONSTRAINT bookings_buyer_only_at_box_office
        CHECK (channel = 'box_office' OR (buyer_email IS NULL AND buyer_name IS NULL))`.execute(db);
  // Cash: no gateway, no charge id; what the buyer handed over is kept for the till (change = tendered - amount).
  await sql`
    ALTER TABLE payments
      ADD COLUMN method text NOT NULL DEFAULT 'card' CHECK (method IN ('card', 'cash')),
      ADD COLUMN tendered_cents integer,
      ADD CONSTRAINT payments_cash_tendered
        CHECK (method = 'card' OR (tendered_cents IS NOT NULL AND tendered_cents >= amount_cents))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE payments DROP CONSTRAINT payments_cash_tendered, DROP COLUMN tendered_cents, DROP COLUMN method`.execute(
    db,
  );
  await sql`ALTER TABLE bookings DROP CONSTRAINT bookings_buyer_only_at_box_office,
              DROP COLUMN buyer_name, DROP COLUMN buyer_email, DROP COLUMN channel`.execute(db);
}
