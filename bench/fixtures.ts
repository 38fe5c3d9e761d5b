/** Fixtures written straight into the database (never through the app under test). */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';
import { showtimeEndsAt } from '../src/modules/catalog/showtime-rules.js';

export interface BenchShowtime {
  id: string;
  /** Seat ids in row order, then by number. */
  seats: string[];
}

export async function createShowtimeWithSeats(db: Db, rows: number, perRow: number): Promise<BenchShowtime> {
  const tag = randomBytes(3).toString('hex');
  const t = await db
    .insertInto('theaters')
    .values({ name: `Bench ${tag}`, address: '1 Bench St', city: 'New York', latitude: 40.7, longitude: -74 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const a = await db
    .insertInto('auditoriums')
    .values({ theater_id: t.id, name: 'Big' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`INSERT INTO seats (auditorium_id, row_label, number, x, y, tier)
            SELECT ${a.id}, 'R' || r, n, n, r, CASE WHEN r BETWEEN 10 AND 14 THEN 'premium' ELSE 'standard' END
              FROM generate_series(1, ${rows}) r, generate_series(1, ${perRow}) n`.execute(db);
  const m = await db
    .insertInto('movies')
    .values({ title: `Bench ${tag}`, runtime_minutes: 120 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const startsAt = new Date(Date.now() + 86_400_000);
  const s = await db
    .insertInto('showtimes')
    .values({
      auditorium_id: a.id,
      movie_id: m.id,
      starts_at: startsAt,
      ends_at: showtimeEndsAt(startsAt, 120),
      price_standard_cents: 1500,
      price_premium_cents: 1900,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`INSERT INTO seat_inventory (showtime_id, seat_id) SELECT ${s.id}, id FROM seats WHERE auditorium_id = ${a.id}`.execute(
    db,
  );
  const seats = await db
    .selectFrom('seats')
    .select('id')
    .where('auditorium_id', '=', a.id)
    .orderBy('y')
    .orderBy('x')
    .execute();
  return { id: s.id, seats: seats.map((x) => x.id) };
}

export async function createUsers(db: Db, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < n; from += 1000) {
    const rows = await db
      .insertInto('users')
      .values(
        Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({
          email: `bench-${from + i}-${randomUUID()}@example.com`,
          name: `Bench ${from + i}`,
          phone: null,
          password_hash: 'x',
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/** Pending bookings with a live hold, for baselines that claim seats without creating bookings on the clock. */
export async function createPendingBookings(
  db: Db,
  userId: string,
  showtimeId: string,
  n: number,
): Promise<string[]> {
  const r = await sql<{ id: string }>`
    INSERT INTO bookings (reference, user_id, showtime_id, expires_at, max_expires_at, total_cents, currency)
    SELECT 'BENCH-' || md5(random()::text || g), ${userId}, ${showtimeId},
           now() + interval '7 minutes', now() + interval '15 minutes', 0, 'USD'
      FROM generate_series(1, ${n}) g
    RETURNING id`.execute(db);
  return r.rows.map((x) => x.id);
}
