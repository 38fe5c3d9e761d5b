import { sql, type Kysely } from 'kysely';

// The partial index of held tickets by (showtime, seat) served the claim's "void the tickets of lapsed holds"
// step, which now finds those tickets by their unique (booking, seat) key. Left in place, it cost every hold
// and sale an index write, and it lured the planner: any "this booking's held tickets" query with young table
// statistics (a fresh database at its first on-sale) combined it with the booking index in a BitmapAnd that
// read every held ticket of every showtime, once per hold or payment (O(n) per claim, O(n^2) per on-sale).
//
// users.hold_seq: a hold is one statement that locks the customer's row by bumping this counter; a hold that
// sees it moved by more than its own +1 knows another hold of theirs committed while it waited, and counts
// the per-customer limits again (BookingsRepository.hold).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tickets_held_seat_idx`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN hold_seq bigint NOT NULL DEFAULT 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users DROP COLUMN IF EXISTS hold_seq`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS tickets_held_seat_idx ON tickets (showtime_id, seat_id) WHERE status = 'held'`.execute(
    db,
  );
}
