import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { seatIsFree } from '../bookings/seat-rules.js';
import type { SeatStatusChange } from './seat-events.listener.js';

/** Queries only: the live seat map's starting point. */
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
   * Every seat's status now; a hold that has run out counts as available even before the sweep frees it.
   * Judged against the database's now(), as the claim and the seat map do.
   */
  async seatStatuses(showtimeId: string): Promise<SeatStatusChange[]> {
    return this.db
      .selectFrom('seat_inventory as i')
      .select([
        'i.seat_id as id',
        sql<SeatStatusChange['status']>`CASE WHEN ${seatIsFree('i')} THEN 'available' ELSE i.status END`.as(
          'status',
        ),
      ])
      .where('i.showtime_id', '=', showtimeId)
      .orderBy('i.seat_id')
      .execute();
  }
}
