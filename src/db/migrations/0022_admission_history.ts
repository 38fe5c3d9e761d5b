import { sql, type Kysely } from 'kysely';

// The waiting room's estimate (issue 13) needs, at a room's opening, how long an admitted customer usually keeps
// their place: the most recent finished admissions of earlier rooms, newest first, without reading every entry.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX waiting_room_entries_finished ON waiting_room_entries (ended_at DESC)
              WHERE admitted_at IS NOT NULL AND ended_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX waiting_room_entries_finished`.execute(db);
}
