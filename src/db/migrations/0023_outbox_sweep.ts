import { sql, type Kysely } from 'kysely';

// A card payment's confirmation sends its notifications' delivery jobs after commit, not inside the
// transaction (docs/notifications.md, "Delivery jobs sent after commit"). The outbox sweep enqueues a job for a
// row still pending and never attempted after a minute, at most once per row: swept_at records that it did, in
// the same transaction as the job it queued.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notifications ADD COLUMN swept_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notifications DROP COLUMN IF EXISTS swept_at`.execute(db);
}
