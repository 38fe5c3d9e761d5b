import { sql, type Kysely } from 'kysely';

// Operator console, schedule (issue 12): the time an auditorium needs between two showings is set per theater
// (small screens turn round faster than a 600-seat house). Each showtime remembers the cleaning time its slot was
// given, so the console can draw where the film ends and the cleaning starts even after the theater's value or
// the movie's runtime changed. Every showtime so far was scheduled with 15 minutes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE theaters
      ADD COLUMN cleaning_minutes integer NOT NULL DEFAULT 15 CHECK (cleaning_minutes BETWEEN 0 AND 240)`.execute(
    db,
  );
  await sql`
    ALTER TABLE showtimes
      ADD COLUMN cleaning_minutes integer NOT NULL DEFAULT 15 CHECK (cleaning_minutes BETWEEN 0 AND 240)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE showtimes DROP COLUMN cleaning_minutes`.execute(db);
  await sql`ALTER TABLE theaters DROP COLUMN cleaning_minutes`.execute(db);
}
