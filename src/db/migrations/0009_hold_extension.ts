import { sql, type Kysely } from 'kysely';

// A customer may ask once per hold for more time (BookingsService.extendHoldOnce). "Once" is this column:
// the extension is one conditional UPDATE ... WHERE extended_at IS NULL, so of two concurrent requests the
// second re-checks the row the first wrote and changes nothing.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE bookings ADD COLUMN extended_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE bookings DROP COLUMN IF EXISTS extended_at`.execute(db);
}
