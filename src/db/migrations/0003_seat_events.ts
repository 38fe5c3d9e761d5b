import { sql, type Kysely } from 'kysely';

// Live seat maps: every committed change of a seat's status or holder is announced on the `seat_events`
// channel. NOTIFY is delivered only when the transaction commits (never for a rollback) and reaches every
// process LISTENing on the database, so several API processes all see the same stream of changes.
// Statement-level with transition tables: a hold of ten seats is one join and one notification, not ten.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION notify_seat_events() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      chunk record;
    BEGIN
      -- One message per showtime and per 100 seats: about 5.5 kB, below NOTIFY's 8000-byte payload limit.
      FOR chunk IN
        SELECT changed.showtime_id,
               json_agg(json_build_object('id', changed.seat_id, 'status', changed.status)
                        ORDER BY changed.seat_id) AS seats
          FROM (
            SELECT n.showtime_id, n.seat_id, n.status,
                   (row_number() OVER (PARTITION BY n.showtime_id ORDER BY n.seat_id) - 1) / 100 AS part
              FROM new_rows n
              JOIN old_rows o ON o.showtime_id = n.showtime_id AND o.seat_id = n.seat_id
             WHERE o.status IS DISTINCT FROM n.status OR o.booking_id IS DISTINCT FROM n.booking_id
          ) changed
         GROUP BY changed.showtime_id, changed.part
      LOOP
        PERFORM pg_notify(
          'seat_events',
          json_build_object('showtimeId', chunk.showtime_id, 'seats', chunk.seats)::text
        );
      END LOOP;
      RETURN NULL;
    END
    $$`.execute(db);

  await sql`
    CREATE TRIGGER seat_inventory_notify_events
      AFTER UPDATE ON seat_inventory
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION notify_seat_events()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS seat_inventory_notify_events ON seat_inventory`.execute(db);
  await sql`DROP FUNCTION IF EXISTS notify_seat_events()`.execute(db);
}
