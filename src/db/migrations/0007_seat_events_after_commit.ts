import { sql, type Kysely } from 'kysely';

// Live seat events leave the commit path. The statement trigger's pg_notify made every seat-changing commit
// take PostgreSQL's global notify-queue lock and hold it through its WAL flush, so those commits ran one at a
// time. Seat changes are now published after commit, coalesced per process (SeatFeed), and every API process
// re-reads the seats of a showtime it was told about; the NOTIFY carries only "showtime X changed".
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS seat_inventory_notify_events ON seat_inventory`.execute(db);
  await sql`DROP FUNCTION IF EXISTS notify_seat_events()`.execute(db);
}

// Back to the trigger of 0003_seat_events (its payload format, which this version's listener no longer reads).
export async function down(db: Kysely<unknown>): Promise<void> {
  const m0003 = await import('./0003_seat_events.js');
  await m0003.up(db);
}
