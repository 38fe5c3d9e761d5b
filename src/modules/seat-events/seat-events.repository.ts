import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { InventoryStatus } from '../../db/schema.js';
import { seatIsFree } from '../bookings/seat-rules.js';

/** A seat as customers see it: one an operator blocked is simply not for sale. */
export type PublicSeatStatus = Exclude<InventoryStatus, 'blocked'>;

export interface LiveSeatRow {
  id: string;
  status: PublicSeatStatus;
  /** The end of the hold of a seat that reads as held (bookings.expires_at), else null. */
  holdEndsAt: Date | null;
}

export interface LiveSeatRead {
  /** Sum of seat_inventory.version over the showtime: every seat change increments it. */
  version: number;
  /** showtimes.updated_at: changes when the showtime's time or prices do (the seat map's layout part). */
  layoutStamp: string;
  /** The database's now() for this read: hold ends are compared against it, never the API's clock. */
  dbNow: Date;
  seats: LiveSeatRow[];
}

/** Queries only: the live seat state of a showtime. */
export class SeatEventsRepository {
  constructor(private readonly db: Db) {}

  async showtimeExists(showtimeId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('showtimes')
      .select('id')
      .where('id', '=', showtimeId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Every seat's status now, in one statement (one snapshot); a hold that has run out counts as available even
   * before the sweep frees it (seatIsFree, against the database's now()); a seat an operator blocked reads as
   * sold (customers only need to know it is not for sale). Undefined: no such showtime.
   */
  async readLiveSeats(showtimeId: string): Promise<LiveSeatRead | undefined> {
    const { rows } = await sql<{
      layout_stamp: string;
      db_now: Date;
      seat_id: string | null;
      status: PublicSeatStatus | null;
      version: number | null;
      hold_ends_at: Date | null;
    }>`
      SELECT s.updated_at::text AS layout_stamp, now() AS db_now, i.seat_id, i.version,
             CASE WHEN ${seatIsFree('i')} THEN 'available' WHEN i.status = 'blocked' THEN 'sold' ELSE i.status END AS status,
             CASE WHEN i.status = 'held' AND NOT ${seatIsFree('i')}
                  THEN (SELECT b.expires_at FROM bookings b WHERE b.id = i.booking_id) END AS hold_ends_at
        FROM showtimes s
        LEFT JOIN seat_inventory i ON i.showtime_id = s.id
       WHERE s.id = ${showtimeId}
       ORDER BY i.seat_id`.execute(this.db);
    const first = rows[0];
    if (!first) return undefined;
    let version = 0;
    const seats: LiveSeatRow[] = [];
    for (const r of rows) {
      if (r.seat_id === null || r.status === null) continue;
      version += r.version ?? 0;
      seats.push({ id: r.seat_id, status: r.status, holdEndsAt: r.hold_ends_at });
    }
    return { version, layoutStamp: first.layout_stamp, dbNow: first.db_now, seats };
  }
}
