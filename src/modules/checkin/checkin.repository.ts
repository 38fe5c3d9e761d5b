import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Q = Kysely<Database> | Transaction<Database>;

/** Queries only; the door rules live in CheckinService. */
export class CheckinRepository {
  async findTicket(db: Q, ticketId: string) {
    return this.tickets(db).where('t.id', '=', ticketId).executeTakeFirst();
  }

  /** Sold tickets whose ids fall in a short code's locator range (one in 33 million tickets). */
  async ticketsInRange(db: Q, from: string, to: string) {
    return this.tickets(db)
      .where('t.id', '>=', from)
      .where('t.id', '<=', to)
      .where('t.status', '=', 'sold')
      .execute();
  }

  /** A booking's tickets by its reference, in seat order, for the door. */
  async ticketsOfReference(db: Q, reference: string) {
    return this.tickets(db)
      .innerJoin('users as u', 'u.id', 'b.user_id')
      .select('u.name as customer_name')
      .where('b.reference', '=', reference)
      .where('t.status', '!=', 'void')
      .orderBy('s.y')
      .orderBy('s.x')
      .execute();
  }

  async bookingByReference(db: Q, reference: string) {
    return db
      .selectFrom('bookings')
      .select(['id', 'status'])
      .where('reference', '=', reference)
      .executeTakeFirst();
  }

  private tickets(db: Q) {
    return (
      db
        .selectFrom('tickets as t')
        .innerJoin('bookings as b', 'b.id', 't.booking_id')
        .innerJoin('seats as s', 's.id', 't.seat_id')
        // The seat's current type, as BookingsRepository's TicketView.seat_type: the door sees "Recliner".
        .leftJoin('seat_types as ty', 'ty.id', 's.seat_type_id')
        .innerJoin('showtimes as st', 'st.id', 't.showtime_id')
        .innerJoin('movies as m', 'm.id', 'st.movie_id')
        .innerJoin('auditoriums as a', 'a.id', 'st.auditorium_id')
        .innerJoin('theaters as th', 'th.id', 'a.theater_id')
        .select([
          't.id',
          't.booking_id',
          't.status',
          't.tier',
          'ty.name as seat_type',
          't.admitted_at',
          'b.reference',
          'b.status as booking_status',
          's.row_label',
          's.number',
          'st.id as showtime_id',
          'st.starts_at',
          'st.ends_at',
          'm.title',
          'a.name as auditorium_name',
          'th.id as theater_id',
          'th.name as theater_name',
          'th.time_zone',
        ])
    );
  }

  /**
   * The admission itself: one conditional UPDATE. Concurrent scans of one code queue on the row lock and
   * re-check `admitted_at IS NULL` after the first commits, so exactly one of them gets a row back. The booking
   * row is share-locked (and re-checked after any wait), so a refund, which locks it for update and refuses
   * bookings with an admitted ticket, and an admission can never both succeed.
   */
  async admit(db: Q, ticketId: string, staffId: string, at: Date): Promise<Date | undefined> {
    const result = await sql<{ admitted_at: Date }>`
      WITH b AS (
        SELECT b.id FROM bookings b JOIN tickets t ON t.booking_id = b.id
         WHERE t.id = ${ticketId} AND b.status = 'confirmed'
           FOR SHARE OF b
      )
      UPDATE tickets t SET admitted_at = ${at}, admitted_by = ${staffId}
        FROM b
       WHERE t.id = ${ticketId} AND b.id = t.booking_id
         AND t.admitted_at IS NULL AND t.status = 'sold'
      RETURNING t.admitted_at`.execute(db);
    return result.rows[0]?.admitted_at;
  }
}
