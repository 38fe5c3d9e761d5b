import { sql, type Kysely } from 'kysely';

// Sales console (issue 12): an operator blocks seats of one showtime (a broken seat, a camera position, house
// seats for tonight). A blocked seat is a status of its inventory row, so the one-statement claim, which takes a
// seat only when seatIsFree (available, or held by a hold that has ended), refuses it with no change to the
// claim, and a block and a hold racing for a seat lock the same row: exactly one wins. Seats blocked in the
// layout (seats.blocked, 0014) have no inventory at all; this is per showtime and reversible.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The CHECKs were created unnamed in 0001: find them by what they say.
  await sql`
    DO $$
    DECLARE c record;
    BEGIN
      FOR c IN SELECT conname FROM pg_constraint
                WHERE conrelid = 'seat_inventory'::regclass AND contype = 'c'
                  AND pg_get_constraintdef(oid) LIKE '%available%'
      LOOP
        EXECUTE format('ALTER TABLE seat_inventory DROP CONSTRAINT %I', c.conname);
      END LOOP;
    END $$`.execute(db);
  await sql`
    ALTER TABLE seat_inventory
      ADD CONSTRAINT seat_inventory_status_check CHECK (status IN ('available', 'held', 'sold', 'blocked')),
      ADD CONSTRAINT seat_inventory_booking_check CHECK ((status IN ('available', 'blocked')) = (booking_id IS NULL))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE seat_inventory SET status = 'available', version = version + 1 WHERE status = 'blocked'`.execute(
    db,
  );
  await sql`
    ALTER TABLE seat_inventory
      DROP CONSTRAINT seat_inventory_booking_check,
      DROP CONSTRAINT seat_inventory_status_check,
      ADD CONSTRAINT seat_inventory_status_check CHECK (status IN ('available', 'held', 'sold')),
      ADD CONSTRAINT seat_inventory_check CHECK ((status = 'available') = (booking_id IS NULL))`.execute(db);
}
