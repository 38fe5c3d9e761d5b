import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
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
      .selectFrom('seat_inventory')
      .select([
        'seat_id as id',
        sql<SeatStatusChange['status']>`CASE WHEN status = 'held' AND hold_expires_at <= now()
          THEN 'available' ELSE status END`.as('status'),
      ])
      .where('showtime_id', '=', showtimeId)
      .orderBy('seat_id')
      .execute();
  }
}
