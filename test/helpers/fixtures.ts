import { sql } from 'kysely';
import { seatIsFree } from '../../src/modules/bookings/seat-rules.js';
import type { Db } from '../../src/db/database.js';
import { showtimeEndsAt } from '../../src/modules/catalog/showtime-rules.js';

export interface ShowtimeFixture {
  showtimeId: string;
  auditoriumId: string;
  /** Seat ids in row order (A1, A2, ... B1, ...). */
  seatIds: string[];
  prices: { standard: number; premium: number; accessible: number };
}

let n = 0;

/**
 * A theater with one auditorium of rows x seatsPerRow seats (row B premium, A1 accessible), a movie and one
 * showtime starting `startsInMinutes` from now, with its inventory. Direct SQL: booking tests do not depend
 * on the admin API.
 */
export async function createShowtime(
  db: Db,
  opts: { rows?: number; seatsPerRow?: number; startsInMinutes?: number } = {},
): Promise<ShowtimeFixture> {
  const rows = opts.rows ?? 5;
  const perRow = opts.seatsPerRow ?? 10;
  const i = ++n;
  const theater = await db
    .insertInto('theaters')
    .values({
      name: `Fixture ${i}`,
      address: `${i} Test St`,
      city: 'New York',
      latitude: 40.7,
      longitude: -74,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const auditorium = await db
    .insertInto('auditoriums')
    .values({ theater_id: theater.id, name: `Screen ${i}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const seats = [];
  for (let r = 0; r < rows; r++) {
    for (let s = 1; s <= perRow; s++) {
      seats.push({
        auditorium_id: auditorium.id,
        row_label: String.fromCharCode(65 + r),
        number: s,
        x: s,
        y: r,
        tier:
          r === 1
            ? ('premium' as const)
            : r === 0 && s === 1
              ? ('accessible' as const)
              : ('standard' as const),
      });
    }
  }
  const inserted = await db.insertInto('seats').values(seats).returning(['id', 'y', 'x']).execute();
  inserted.sort((a, b) => a.y - b.y || a.x - b.x);
  const movie = await db
    .insertInto('movies')
    .values({ title: `Fixture Movie ${i}`, runtime_minutes: 100 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const startsAt = new Date(Date.now() + (opts.startsInMinutes ?? 24 * 60) * 60_000);
  const prices = { standard: 1500, premium: 2000, accessible: 1200 };
  const showtime = await db
    .insertInto('showtimes')
    .values({
      auditorium_id: auditorium.id,
      movie_id: movie.id,
      starts_at: startsAt,
      ends_at: showtimeEndsAt(startsAt, 100),
      price_standard_cents: prices.standard,
      price_premium_cents: prices.premium,
      price_accessible_cents: prices.accessible,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`INSERT INTO seat_inventory (showtime_id, seat_id)
            SELECT ${showtime.id}, id FROM seats WHERE auditorium_id = ${auditorium.id}`.execute(db);
  return { showtimeId: showtime.id, auditoriumId: auditorium.id, seatIds: inserted.map((s) => s.id), prices };
}

/** Moves a showtime's start (e.g. into the past) without tripping the overlap constraint. */
export async function setShowtimeStart(db: Db, showtimeId: string, startsAt: Date): Promise<void> {
  await db
    .updateTable('showtimes')
    .set({ starts_at: startsAt, ends_at: showtimeEndsAt(startsAt, 100) })
    .where('id', '=', showtimeId)
    .execute();
}

export async function seatStatuses(db: Db, showtimeId: string): Promise<Map<string, string>> {
  const rows = await sql<{ seat_id: string; status: string }>`
    SELECT i.seat_id, CASE WHEN ${seatIsFree('i')} THEN 'available' ELSE i.status END AS status
      FROM seat_inventory i WHERE i.showtime_id = ${showtimeId}`.execute(db);
  return new Map(rows.rows.map((r) => [r.seat_id, r.status]));
}

export async function ledger(db: Db): Promise<{ charges: number; succeeded: number; refunds: number }> {
  const c = await sql<{ charges: number; succeeded: number }>`
    SELECT count(*)::int AS charges, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded
      FROM sim_gateway.charges`.execute(db);
  const r = await sql<{ refunds: number }>`SELECT count(*)::int AS refunds FROM sim_gateway.refunds`.execute(
    db,
  );
  return { charges: c.rows[0]!.charges, succeeded: c.rows[0]!.succeeded, refunds: r.rows[0]!.refunds };
}

export const CARD = {
  good: { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' },
  declined: { number: '4000000000000002', expMonth: 12, expYear: 2099, cvc: '123' },
  insufficient: { number: '4000000000009995', expMonth: 12, expYear: 2099, cvc: '123' },
  processingError: { number: '4000000000000119', expMonth: 12, expYear: 2099, cvc: '123' },
  badLuhn: { number: '4242424242424241', expMonth: 12, expYear: 2099, cvc: '123' },
  expired: { number: '4242424242424242', expMonth: 1, expYear: 2020, cvc: '123' },
};
