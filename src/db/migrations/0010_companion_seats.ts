import { sql, type Kysely } from 'kysely';

// Companion seats: a tier for the seat beside a wheelchair space, kept for the wheelchair user's companion.
// A companion seat is sold with its wheelchair space, or on its own once that space is sold or the showtime is
// close (COMPANION_SEAT_RELEASE_MINUTES); BookingsRepository.hold enforces it (docs/api.md, companion seats).
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['seats', 'tickets']) {
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.id(`${table}_tier_check`)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_tier_check`)}
                CHECK (tier IN ('standard', 'premium', 'accessible', 'companion'))`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['seats', 'tickets']) {
    await sql`UPDATE ${sql.table(table)} SET tier = 'standard' WHERE tier = 'companion'`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.id(`${table}_tier_check`)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_tier_check`)}
                CHECK (tier IN ('standard', 'premium', 'accessible'))`.execute(db);
  }
}
