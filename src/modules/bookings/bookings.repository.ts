import { sql, type Kysely, type Transaction } from 'kysely';
import type { BookingRow, Database, PaymentRow, SeatTier, TicketStatus } from '../../db/schema.js';
import { seatIsFree } from './seat-rules.js';
import type { Prices } from '../catalog/catalog.schemas.js';

type Q = Kysely<Database> | Transaction<Database>;

export interface TicketView {
  id: string;
  booking_id: string;
  seat_id: string;
  row_label: string;
  number: number;
  tier: SeatTier;
  price_cents: number;
  status: TicketStatus;
}

/** Queries only; the rules (and the transactions) live in BookingsService. */
export class BookingsRepository {
  async findShowtimeForHold(db: Q, showtimeId: string) {
    return db
      .selectFrom('showtimes')
      .select([
        'id',
        'currency',
        'price_standard_cents',
        'price_premium_cents',
        'price_accessible_cents',
        sql<boolean>`starts_at <= now()`.as('started'),
      ])
      .where('id', '=', showtimeId)
      .executeTakeFirst();
  }

  /**
   * Locks the user's row, serialising one customer's holds. Returns false when the user no longer exists. The
   * limits are counted by a later statement (`holdLimits`): in READ COMMITTED a count in the statement that
   * waits for this lock would see the snapshot from before the wait.
   */
  async lockUser(trx: Transaction<Database>, userId: string): Promise<boolean> {
    const r = await sql`SELECT 1 FROM users WHERE id = ${userId} FOR NO KEY UPDATE`.execute(trx);
    return r.rows.length > 0;
  }

  /** The customer's live holds, and the seats they hold or bought for this showtime, in one statement. */
  async holdLimits(
    trx: Transaction<Database>,
    userId: string,
    showtimeId: string,
  ): Promise<{ activeHolds: number; seatsForShowtime: number }> {
    const r = await sql<{ active_holds: number; seats: number }>`
      SELECT count(*) FILTER (WHERE b.status = 'pending' AND b.expires_at > now())::int AS active_holds,
             coalesce((SELECT count(*) FROM tickets t
                        JOIN bookings tb ON tb.id = t.booking_id
                       WHERE tb.user_id = ${userId} AND tb.showtime_id = ${showtimeId}
                         AND ((tb.status = 'pending' AND tb.expires_at > now() AND t.status = 'held')
                              OR (tb.status = 'confirmed' AND t.status = 'sold'))), 0)::int AS seats
        FROM bookings b
       WHERE b.user_id = ${userId} AND b.status = 'pending'`.execute(trx);
    const row = r.rows[0];
    return { activeHolds: row?.active_holds ?? 0, seatsForShowtime: row?.seats ?? 0 };
  }

  async insertBooking(
    trx: Transaction<Database>,
    b: {
      reference: string;
      userId: string;
      showtimeId: string;
      ttlSeconds: number;
      maxLifetimeSeconds: number;
      currency: string;
    },
  ): Promise<BookingRow> {
    return trx
      .insertInto('bookings')
      .values({
        reference: b.reference,
        user_id: b.userId,
        showtime_id: b.showtimeId,
        status: 'pending',
        expires_at: sql<Date>`now() + make_interval(secs => ${b.ttlSeconds})`,
        max_expires_at: sql<Date>`now() + make_interval(secs => ${b.maxLifetimeSeconds})`,
        total_cents: 0,
        currency: b.currency,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * The claim: one statement that locks the wanted rows in seat order (so concurrent multi-seat holds cannot
   * deadlock) and takes only those that are free or whose hold has ended — checked here, at claim time.
   */
  async claimSeats(
    trx: Transaction<Database>,
    c: { showtimeId: string; seatIds: string[]; bookingId: string },
  ): Promise<{ seatId: string; takenFromExpiredHold: boolean }[]> {
    const result = await sql<{ seat_id: string; previous_booking: string | null }>`
      UPDATE seat_inventory si
         SET status = 'held', booking_id = ${c.bookingId}, version = si.version + 1, updated_at = now()
        FROM (SELECT showtime_id, seat_id, booking_id AS previous_booking FROM seat_inventory
               WHERE showtime_id = ${c.showtimeId} AND seat_id = ANY(${c.seatIds}::uuid[])
               ORDER BY seat_id
               FOR UPDATE) locked
       WHERE si.showtime_id = locked.showtime_id AND si.seat_id = locked.seat_id
         AND ${seatIsFree('si')}
      RETURNING si.seat_id, locked.previous_booking`.execute(trx);
    return result.rows.map((r) => ({ seatId: r.seat_id, takenFromExpiredHold: r.previous_booking !== null }));
  }

  async existingSeatIds(db: Q, showtimeId: string, seatIds: string[]): Promise<string[]> {
    const rows = await db
      .selectFrom('seat_inventory')
      .select('seat_id')
      .where('showtime_id', '=', showtimeId)
      .where('seat_id', 'in', seatIds)
      .execute();
    return rows.map((r) => r.seat_id);
  }

  /** Tickets of expired holds whose seats were just claimed by someone else lose them. */
  async voidStaleTickets(
    trx: Transaction<Database>,
    showtimeId: string,
    seatIds: string[],
    bookingId: string,
  ) {
    await trx
      .updateTable('tickets')
      .set({ status: 'void' })
      .where('showtime_id', '=', showtimeId)
      .where('seat_id', 'in', seatIds)
      .where('status', '=', 'held')
      .where('booking_id', '<>', bookingId)
      .execute();
  }

  /**
   * Inserts the tickets priced by tier (prices from the catalog's `tierPrices`), sets
   * the booking's total and returns the tickets with their seat labels — one statement.
   */
  async insertTickets(
    trx: Transaction<Database>,
    bookingId: string,
    showtimeId: string,
    seatIds: string[],
    prices: Prices,
  ): Promise<{ tickets: TicketView[]; totalCents: number }> {
    const rows = await sql<TicketView>`
      WITH inserted AS (
        INSERT INTO tickets (booking_id, showtime_id, seat_id, tier, price_cents, status)
        SELECT ${bookingId}, ${showtimeId}, s.id, s.tier,
               CASE s.tier WHEN 'premium' THEN ${prices.premium}::int
                           WHEN 'accessible' THEN ${prices.accessible}::int
                           ELSE ${prices.standard}::int END,
               'held'
          FROM seats s WHERE s.id = ANY(${seatIds}::uuid[])
        RETURNING id, booking_id, seat_id, tier, price_cents, status
      ), total AS (
        UPDATE bookings SET total_cents = (SELECT coalesce(sum(price_cents), 0) FROM inserted)
         WHERE id = ${bookingId}
      )
      SELECT i.id, i.booking_id, i.seat_id, s.row_label, s.number, i.tier, i.price_cents, i.status
        FROM inserted i JOIN seats s ON s.id = i.seat_id
       ORDER BY s.y, s.x`.execute(trx);
    return { tickets: rows.rows, totalCents: rows.rows.reduce((sum, t) => sum + t.price_cents, 0) };
  }

  async findBooking(db: Q, bookingId: string, userId?: string): Promise<BookingRow | undefined> {
    let q = db.selectFrom('bookings').selectAll().where('id', '=', bookingId);
    if (userId) q = q.where('user_id', '=', userId);
    return q.executeTakeFirst();
  }

  /** Locks the booking row: every state change of a booking goes through this lock. */
  async lockBooking(
    trx: Transaction<Database>,
    bookingId: string,
    userId?: string,
  ): Promise<(BookingRow & { expired_now: boolean }) | undefined> {
    let q = trx
      .selectFrom('bookings')
      .selectAll()
      .select(sql<boolean>`expires_at <= now()`.as('expired_now'))
      .where('id', '=', bookingId);
    if (userId) q = q.where('user_id', '=', userId);
    return q.forUpdate().executeTakeFirst();
  }

  async listBookings(db: Q, userId: string, limit: number, after?: { createdAt: Date; id: string }) {
    let q = db
      .selectFrom('bookings')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (after) {
      q = q.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id}::uuid)`);
    }
    return q.execute();
  }

  async ticketsOf(db: Q, bookingIds: string[]): Promise<TicketView[]> {
    if (bookingIds.length === 0) return [];
    return db
      .selectFrom('tickets as t')
      .innerJoin('seats as s', 's.id', 't.seat_id')
      .select([
        't.id',
        't.booking_id',
        't.seat_id',
        's.row_label',
        's.number',
        't.tier',
        't.price_cents',
        't.status',
      ])
      .where('t.booking_id', 'in', bookingIds)
      .orderBy('s.y')
      .orderBy('s.x')
      .execute();
  }

  async paymentsOf(db: Q, bookingIds: string[]): Promise<PaymentRow[]> {
    if (bookingIds.length === 0) return [];
    return db
      .selectFrom('payments')
      .selectAll()
      .where('booking_id', 'in', bookingIds)
      .orderBy('created_at')
      .execute();
  }

  async findTicket(db: Q, ticketId: string, userId: string) {
    return db
      .selectFrom('tickets as t')
      .innerJoin('bookings as b', 'b.id', 't.booking_id')
      .innerJoin('seats as s', 's.id', 't.seat_id')
      .select([
        't.id',
        't.booking_id',
        'b.reference',
        't.showtime_id',
        't.seat_id',
        's.row_label',
        's.number',
        't.tier',
        't.status as ticket_status',
        'b.status',
      ])
      .where('t.id', '=', ticketId)
      .where('b.user_id', '=', userId)
      .executeTakeFirst();
  }

  /** Frees every seat this booking still holds and voids its held tickets. */
  async releaseSeats(trx: Transaction<Database>, bookingId: string): Promise<void> {
    await trx
      .updateTable('seat_inventory')
      .set({
        status: 'available',
        booking_id: null,
        version: sql`version + 1`,
        updated_at: sql`now()`,
      })
      .where('booking_id', '=', bookingId)
      .execute();
    await trx
      .updateTable('tickets')
      .set({ status: 'void' })
      .where('booking_id', '=', bookingId)
      .where('status', 'in', ['held', 'sold'])
      .execute();
  }

  async closeBooking(
    trx: Transaction<Database>,
    bookingId: string,
    status: 'expired' | 'cancelled' | 'refunded',
  ): Promise<void> {
    await trx
      .updateTable('bookings')
      .set({ status, closed_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', bookingId)
      .execute();
  }

  /**
   * Keeps a pending hold at least `seconds` longer (a payment is in flight), never past its hard deadline.
   * Returns false when the deadline leaves less than that: a payment must not start that cannot finish in time.
   */
  async extendHold(trx: Transaction<Database>, bookingId: string, seconds: number): Promise<boolean> {
    const r = await sql`
      UPDATE bookings SET expires_at = greatest(expires_at, now() + make_interval(secs => ${seconds})),
                          updated_at = now()
       WHERE id = ${bookingId} AND now() + make_interval(secs => ${seconds}) <= max_expires_at`.execute(trx);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  /**
   * Locks the seats this booking holds (seat order, as the claim does) and counts them against its tickets.
   * Under these locks nobody can take the seats, so "every ticket's seat is still ours" stays true until commit.
   */
  async lockHeldSeats(
    trx: Transaction<Database>,
    bookingId: string,
  ): Promise<{ heldSeats: number; heldTickets: number; tickets: number }> {
    const r = await sql<{ held_seats: number; held_tickets: number; tickets: number }>`
      WITH locked AS (
        SELECT seat_id FROM seat_inventory WHERE booking_id = ${bookingId} AND status = 'held'
         ORDER BY showtime_id, seat_id FOR UPDATE
      )
      SELECT (SELECT count(*) FROM locked)::int AS held_seats,
             (SELECT count(*) FROM tickets t WHERE t.booking_id = ${bookingId} AND t.status = 'held'
                 AND EXISTS (SELECT 1 FROM locked l WHERE l.seat_id = t.seat_id))::int AS held_tickets,
             (SELECT count(*) FROM tickets WHERE booking_id = ${bookingId})::int AS tickets`.execute(trx);
    const row = r.rows[0]!;
    return { heldSeats: row.held_seats, heldTickets: row.held_tickets, tickets: row.tickets };
  }

  /** Sells what this booking holds: its held seats and its held tickets, nothing voided or taken. */
  async sellSeats(trx: Transaction<Database>, bookingId: string): Promise<void> {
    await trx
      .updateTable('seat_inventory')
      .set({ status: 'sold', version: sql`version + 1`, updated_at: sql`now()` })
      .where('booking_id', '=', bookingId)
      .where('status', '=', 'held')
      .execute();
    await trx
      .updateTable('tickets')
      .set({ status: 'sold' })
      .where('booking_id', '=', bookingId)
      .where('status', '=', 'held')
      .execute();
    await trx
      .updateTable('bookings')
      .set({ status: 'confirmed', confirmed_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', bookingId)
      .execute();
  }

  async admittedTickets(trx: Q, bookingId: string): Promise<number> {
    const row = await trx
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('booking_id', '=', bookingId)
      .where('admitted_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
