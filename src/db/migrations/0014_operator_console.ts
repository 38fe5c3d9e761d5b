import { sql, type Kysely } from 'kysely';

// Operator console (issue 12): theaters that close and a currency of their own; seat layouts in versions, so a
// layout that showtimes already sell is never edited under their tickets (docs/api.md, seat layouts).
export async function up(db: Kysely<unknown>): Promise<void> {
  // A closed theater stops selling and disappears from the catalog; its showtimes, bookings and tickets stay.
  await sql`
    ALTER TABLE theaters
      ADD COLUMN closed_at timestamptz,
      ADD COLUMN currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$')`.execute(db);
  // The layout version new showtimes take their seats from; older versions stay while showtimes use them.
  await sql`ALTER TABLE auditoriums ADD COLUMN layout_version integer NOT NULL DEFAULT 1 CHECK (layout_version >= 1)`.execute(
    db,
  );
  // stagger/curve describe the seat's row (there is no rows table): stagger shifts the row half a seat to the
  // right, curve (0-10) bows it; they change how the map draws a row, never which seats are neighbours (x).
  // blocked: a seat that exists but is not for sale (broken, house seat): showtimes get no inventory for it.
  await sql`
    ALTER TABLE seats
      ADD COLUMN layout_version integer NOT NULL DEFAULT 1 CHECK (layout_version >= 1),
      ADD COLUMN stagger boolean NOT NULL DEFAULT false,
      ADD COLUMN curve smallint NOT NULL DEFAULT 0 CHECK (curve BETWEEN 0 AND 10),
      ADD COLUMN blocked text CHECK (blocked IN ('broken', 'house'))`.execute(db);
  await sql`ALTER TABLE seats DROP CONSTRAINT seats_auditorium_id_row_label_number_key`.execute(db);
  await sql`ALTER TABLE seats DROP CONSTRAINT seats_auditorium_id_x_y_key`.execute(db);
  await sql`
    ALTER TABLE seats
      ADD CONSTRAINT seats_version_label_number_key UNIQUE (auditorium_id, layout_version, row_label, number),
      ADD CONSTRAINT seats_version_x_y_key UNIQUE (auditorium_id, layout_version, x, y)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM seats s USING auditoriums a
             WHERE a.id = s.auditorium_id AND s.layout_version <> a.layout_version`.execute(db);
  await sql`ALTER TABLE seats DROP CONSTRAINT seats_version_label_number_key, DROP CONSTRAINT seats_version_x_y_key`.execute(
    db,
  );
  await sql`
    ALTER TABLE seats
      ADD CONSTRAINT seats_auditorium_id_row_label_number_key UNIQUE (auditorium_id, row_label, number),
      ADD CONSTRAINT seats_auditorium_id_x_y_key UNIQUE (auditorium_id, x, y),
      DROP COLUMN blocked, DROP COLUMN curve, DROP COLUMN stagger, DROP COLUMN layout_version`.execute(db);
  await sql`ALTER TABLE auditoriums DROP COLUMN layout_version`.execute(db);
  await sql`ALTER TABLE theaters DROP COLUMN currency, DROP COLUMN closed_at`.execute(db);
}
