import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  BookingRow,
  Database,
  PaymentRow,
  SeatTier,
  TicketStatus,
  TicketType,
} from '../../db/schema.js';
import { executePrepared } from '../../db/database.js';
import { seatIsFree } from './seat-rules.js';
import { seatPriceSql } from '../catalog/catalog.service.js';
import { ticketPriceSql } from '../catalog/ticket-prices.js';
import { insertBookingOutboxRows } from '../notifications/notifications.repository.js';

type Q = Kysely<Database> | Transaction<Database>;

export interface TicketView {
  id: string;
  booking_id: string;
  seat_id: string;
  row_label: string;
  number: number;
  tier: SeatTier;
  ticket_type: TicketType;
  price_cents: number;
  status: TicketStatus;
  /**
   * The seat's operator-defined type ("Recliner") or null: its *current* name (seats LEFT JOIN seat_types), while
   * price and tier are stored on the ticket. A seat never changes type (a new layout is new seats), so only a
   * rename (shown everywhere, as on the seat map) or a delete after the showtimes ended (null: the tier) differ.
   */
  seat_type: string | null;
  /** Absent from a fresh hold's tickets (never admitted); a string when read through row_to_json. */
  admitted_at?: Date | string | null;
}

/** A row as row_to_json gives it: its timestamps are strings. */
type JsonRow<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

/** Turns the named timestamp fields of a row_to_json row back into Dates. */
function dated<T>(row: JsonRow<T>, fields: (keyof T)[]): T {
  const out: Record<string, unknown> = { ...row };
  for (const f of fields) {
    const v = out[f as string];
    out[f as string] = typeof v === 'string' ? new Date(v) : v;
  }
  return out as T;
}

const BOOKING_TIMES: (keyof BookingRow)[] = [
  'expires_at',
  'max_expires_at',
  'created_at',
  'updated_at',
  'confirmed_at',
  'closed_at',
  'extended_at',
];
const PAYMENT_TIMES: (keyof PaymentRow)[] = ['created_at', 'updated_at'];

/** Queries only; the rules (and the transactions) live in BookingsService. */
export class BookingsRepository {
  /**
   * A whole hold in one autocommit statement (a named prepared statement: planned once per connection):
   *
   * 0. A wanted seat already taken in the statement's snapshot (held by a live hold, sold, blocked) refuses
   *    the hold before anything is locked or written (`conflictInSnapshot`): at an on-sale most holds are such
   *    conflicts, and each had cost a row lock on the customer, locks on seats (waiting for the winner's
   *    commit) and a commit with a WAL flush. Seats free in the snapshot go on to the locked judgement below,
   *    so nothing is ever held on the snapshot's word; a seat freed just after the snapshot may be refused
   *    once, as if the request had come a moment earlier.
   * 1. The customer's row is locked and its hold_seq bumped: one customer's holds run one after another. The
   *    limits are counted in this statement's snapshot, taken before that lock was granted; if another hold of
   *    theirs committed meanwhile (hold_seq moved by more than our own +1), `fresh` is false, nothing else is
   *    written and the caller runs the statement again.
   * 2. Within the limits, the wanted seats are locked in seat order (concurrent multi-seat holds cannot
   *    deadlock) and each is judged by seatIsFree on its locked, latest version, at claim time.
   * 3. Only if every wanted seat is free: the booking is inserted with its price breakdown (each ticket priced
   *    by seatPriceSql and ticketPriceSql for its type, the theater's booking fee per ticket, the tax on both,
   *    half up, once), the seats claimed, the tickets of lapsed holds whose seats it took voided, and the
   *    tickets written. All or nothing: the statement either holds every seat or writes nothing but the
   *    customer's hold_seq. A ticket type the showtime does not offer writes nothing either (`refusedTypes`).
   */
  async hold(
    db: Q,
    h: {
      userId: string;
      showtimeId: string;
      seatIds: string[];
      /** One per seat, given to the seats in seat order (y, x). */
      ticketTypes: TicketType[];
      reference: string;
      ttlSeconds: number;
      maxLifetimeSeconds: number;
      maxActiveHolds: number;
      maxSeats: number;
      companionReleaseMinutes: number;
      /** A counter sale (box office): sold by the clerk holding it, to this buyer. */
      sale?: { buyerEmail: string | null; buyerName: string | null };
      /** The waiting-room entry a verified admission token names (null without one). */
      admissionEntryId?: string | null;
    },
  ): Promise<{
    userFound: boolean;
    /** False: the showtime has a waiting room and this is not a counter sale by an admitted entry's owner. */
    admitted: boolean;
    fresh: boolean;
    showtimeFound: boolean;
    started: boolean;
    activeHolds: number;
    seatsForShowtime: number;
    booking: BookingRow | null;
    existing: string[];
    taken: string[];
    /** Companion seats asked for without their wheelchair space, before they are released. */
    companionsRefused: string[];
    /** Ticket types asked for that this showtime does not offer. */
    refusedTypes: string[];
    tickets: TicketView[];
    /**
     * Refused at step 0: `taken` names the seats taken in the snapshot; nothing was locked or written, and the
     * limits (`activeHolds`, `seatsForShowtime`) were counted without the customer's lock, so they decide nothing.
     */
    conflictInSnapshot: boolean;
  }> {
    const n = h.seatIds.length;
    const r = await executePrepared(
      db,
      sql<{
        user_found: boolean;
        admitted: boolean;
        fresh: boolean | null;
        showtime_found: boolean;
        started: boolean | null;
        active_holds: number;
        seats: number;
        booking: JsonRow<BookingRow> | null;
        existing: string[] | null;
        taken: string[] | null;
        companions_refused: string[] | null;
        refused_types: string[] | null;
        tickets: TicketView[] | null;
        pre_found: string[] | null;
        pre_taken: string[] | null;
      }>`
      WITH pre AS (
        -- Step 0: the wanted seats as the snapshot has them, unlocked.
        SELECT array_agg(si.seat_id) AS found,
               array_agg(si.seat_id) FILTER (WHERE NOT ${seatIsFree('si')}) AS taken
          FROM seat_inventory si
         WHERE si.showtime_id = ${h.showtimeId} AND si.seat_id = ANY(${h.seatIds}::uuid[])
      ), me AS (
        UPDATE users u SET hold_seq = u.hold_seq + 1
         WHERE u.id = ${h.userId} AND (SELECT taken FROM pre) IS NULL
        RETURNING u.hold_seq = (SELECT s.hold_seq FROM users s WHERE s.id = ${h.userId}) + 1 AS fresh
      ), st AS (
        SELECT st.*, st.starts_at <= now() AS started, th.booking_fee_cents AS fee_cents, th.tax_rate_ppm
          FROM showtimes st JOIN auditoriums au ON au.id = st.auditorium_id JOIN theaters th ON th.id = au.theater_id
         WHERE st.id = ${h.showtimeId} AND th.closed_at IS NULL -- a closed theater sells nothing
      ), lim AS (
        SELECT (SELECT count(*) FROM bookings b
                 WHERE b.user_id = ${h.userId} AND b.status = 'pending' AND b.expires_at > now())::int AS active_holds,
               -- Every ticket of a live hold is held and every ticket of a confirmed booking sold (a ticket is
               -- voided only once its hold has lapsed, and a lapsed hold never becomes live again), so the
               -- tickets are counted by booking alone: a filter on their status can lead the planner into a
               -- partial index of every such ticket of every showtime, once per hold.
               (SELECT count(*) FROM tickets t JOIN bookings tb ON tb.id = t.booking_id
                 WHERE tb.user_id = ${h.userId} AND tb.showtime_id = ${h.showtimeId}
                   AND ((tb.status = 'pending' AND tb.expires_at > now()) OR tb.status = 'confirmed'))::int AS seats
      ), companions_refused AS (
        -- A companion seat goes with its wheelchair space (a seat of tier 'accessible' right beside it): asked
        -- for together, or on its own once that space is sold or held by this customer, or by anyone from
        -- COMPANION_SEAT_RELEASE_MINUTES before the showtime (docs/api.md, companion seats).
        SELECT c.id FROM seats c CROSS JOIN st
         WHERE c.id = ANY(${h.seatIds}::uuid[]) AND c.tier = 'companion'
           AND now() < st.starts_at - make_interval(mins => ${h.companionReleaseMinutes})
           AND EXISTS (SELECT 1 FROM seats w
                        WHERE w.auditorium_id = c.auditorium_id AND w.layout_version = c.layout_version
                          AND w.y = c.y AND abs(w.x - c.x) = 1 AND w.tier = 'accessible')
           AND NOT EXISTS (
             SELECT 1 FROM seats w JOIN seat_inventory wi ON wi.seat_id = w.id AND wi.showtime_id = st.id
              WHERE w.auditorium_id = c.auditorium_id AND w.layout_version = c.layout_version
                AND w.y = c.y AND abs(w.x - c.x) = 1 AND w.tier = 'accessible'
                AND (w.id = ANY(${h.seatIds}::uuid[]) OR wi.status = 'sold'
                     OR (wi.status = 'held' AND EXISTS (
                           SELECT 1 FROM bookings wb WHERE wb.id = wi.booking_id AND wb.user_id = ${h.userId}
                              AND wb.status = 'pending' AND wb.expires_at > now()))))
      ), priced AS (
        -- The ticket types go to the seats in seat order; a type the showtime does not offer has no price.
        -- A seat of an operator-defined type costs its tier's price plus the type's surcharge (seatPriceSql).
        SELECT o.id, o.tier, o.ticket_type,
               ${ticketPriceSql('st', seatPriceSql('st', 'o.tier', 'o'), 'o.ticket_type')} AS price
          FROM (SELECT s.id, s.tier, ty.surcharge_cents,
                       (${h.ticketTypes}::text[])[(row_number() OVER (ORDER BY s.y, s.x))::int] AS ticket_type
                  FROM seats s LEFT JOIN seat_types ty ON ty.id = s.seat_type_id
                 WHERE s.id = ANY(${h.seatIds}::uuid[])) o
         CROSS JOIN st
      ), money AS (
        -- Tax on tickets + fee, in integer cents rounded half up, once per booking.
        SELECT t.tickets, t.fee, ((t.tickets + t.fee)::bigint * st.tax_rate_ppm + 500000) / 1000000 AS tax
          FROM st, (SELECT coalesce(sum(price), 0)::int AS tickets, ${n}::int * (SELECT fee_cents FROM st) AS fee
                      FROM priced) t
      ), queue AS (
        -- A high-demand showtime (waiting_rooms) sells online only to the owner of an entry the queue admitted,
        -- still within its window; the counter (sale) is staff and bypasses it (docs/architecture.md).
        SELECT NOT EXISTS (SELECT 1 FROM waiting_rooms w WHERE w.showtime_id = ${h.showtimeId})
               OR ${h.sale !== undefined}::boolean
               OR EXISTS (SELECT 1 FROM waiting_room_entries e
                           WHERE e.id = ${h.admissionEntryId ?? null}::uuid AND e.user_id = ${h.userId}
                             AND e.showtime_id = ${h.showtimeId} AND e.status = 'admitted'
                             AND e.admitted_until > now()) AS admitted
      ), go AS (
        SELECT me.fresh AND NOT st.started AND (SELECT admitted FROM queue)
               AND lim.active_holds < ${h.maxActiveHolds} AND lim.seats + ${n}::int <= ${h.maxSeats}
               AND NOT EXISTS (SELECT 1 FROM companions_refused)
               AND NOT EXISTS (SELECT 1 FROM priced WHERE price IS NULL) AS ok
          FROM me, st, lim
      ), locked AS (
        SELECT si.showtime_id, si.seat_id, si.booking_id AS previous_booking, ${seatIsFree('si')} AS free
          FROM seat_inventory si
         WHERE si.showtime_id = ${h.showtimeId} AND si.seat_id = ANY(${h.seatIds}::uuid[])
           AND (SELECT ok FROM go)
         ORDER BY si.seat_id
           FOR UPDATE
      ), booking AS (
        INSERT INTO bookings (reference, user_id, showtime_id, status, expires_at, max_expires_at, total_cents,
                              currency, booking_fee_cents, tax_cents, tax_rate_ppm, channel, buyer_email, buyer_name)
        SELECT ${h.reference}, ${h.userId}, st.id, 'pending',
               now() + make_interval(secs => ${h.ttlSeconds}),
               now() + make_interval(secs => ${h.maxLifetimeSeconds}),
               m.tickets + m.fee + m.tax, st.currency, m.fee, m.tax, st.tax_rate_ppm,
               ${h.sale ? 'box_office' : 'online'}::text, ${h.sale?.buyerEmail ?? null}::text,
               ${h.sale?.buyerName ?? null}::text
          FROM st, money m
         WHERE (SELECT count(*) FROM locked WHERE free) = ${n}
        RETURNING *
      ), claimed AS (
        -- Rows this statement has locked and judged free: nobody can have changed them since.
        UPDATE seat_inventory si
           SET status = 'held', booking_id = b.id, version = si.version + 1, updated_at = now()
          FROM locked l, booking b
         WHERE si.showtime_id = l.showtime_id AND si.seat_id = l.seat_id AND l.free
        RETURNING si.seat_id, l.previous_booking
      ), voided AS (
        -- Tickets of lapsed holds whose seats were just taken lose them, found by their (booking, seat) key.
        UPDATE tickets t SET status = 'void'
          FROM claimed c
         WHERE c.previous_booking IS NOT NULL
           AND t.booking_id = c.previous_booking AND t.seat_id = c.seat_id AND t.status = 'held'
        RETURNING t.id
      ), inserted AS (
        INSERT INTO tickets (booking_id, showtime_id, seat_id, tier, ticket_type, price_cents, status)
        SELECT b.id, b.showtime_id, p.id, p.tier, p.ticket_type, p.price, 'held'
          FROM priced p CROSS JOIN booking b WHERE p.id IN (SELECT seat_id FROM claimed)
        RETURNING id, booking_id, seat_id, tier, ticket_type, price_cents, status
      )
      SELECT CASE WHEN (SELECT taken FROM pre) IS NULL THEN EXISTS (SELECT 1 FROM me)
                  ELSE EXISTS (SELECT 1 FROM users WHERE id = ${h.userId}) END AS user_found,
             (SELECT found FROM pre) AS pre_found,
             (SELECT taken FROM pre) AS pre_taken,
             (SELECT admitted FROM queue) AS admitted,
             (SELECT fresh FROM me) AS fresh,
             EXISTS (SELECT 1 FROM st) AS showtime_found,
             (SELECT started FROM st) AS started,
             lim.active_holds, lim.seats,
             (SELECT row_to_json(b) FROM booking b) AS booking,
             (SELECT array_agg(seat_id) FROM locked) AS existing,
             (SELECT array_agg(seat_id) FROM locked WHERE NOT free) AS taken,
             (SELECT array_agg(id) FROM companions_refused) AS companions_refused,
             (SELECT array_agg(DISTINCT coalesce(ticket_type, '?')) FROM priced WHERE price IS NULL) AS refused_types,
             (SELECT count(*) FROM voided) AS voided,
             (SELECT json_agg(json_build_object('id', i.id, 'booking_id', i.booking_id, 'seat_id', i.seat_id,
                       'row_label', s.row_label, 'number', s.number, 'tier', i.tier,
                       'ticket_type', i.ticket_type, 'price_cents', i.price_cents, 'status', i.status,
                       'seat_type', ty.name)
                       ORDER BY s.y, s.x)
                FROM inserted i JOIN seats s ON s.id = i.seat_id
                LEFT JOIN seat_types ty ON ty.id = s.seat_type_id) AS tickets,
             -- Cannot happen (the claimed rows are the locked free ones); if it ever did, this aborts the
             -- statement, so a booking never holds fewer seats than were asked for.
             CASE WHEN (SELECT count(*) FROM booking) > 0 AND (SELECT count(*) FROM claimed) <> ${n}
                  THEN ('hold claimed ' || (SELECT count(*) FROM claimed) || ' seats, not ' || ${n}::int)::int
             END AS guard
        FROM lim`,
    );
    const row = r.rows[0]!;
    const conflictInSnapshot = row.pre_taken !== null;
    return {
      conflictInSnapshot,
      userFound: row.user_found,
      admitted: row.admitted,
      fresh: row.fresh === true,
      showtimeFound: row.showtime_found,
      started: row.started === true,
      activeHolds: row.active_holds,
      seatsForShowtime: row.seats,
      booking: row.booking ? dated(row.booking, BOOKING_TIMES) : null,
      existing: (conflictInSnapshot ? row.pre_found : row.existing) ?? [],
      taken: (conflictInSnapshot ? row.pre_taken : row.taken) ?? [],
      companionsRefused: row.companions_refused ?? [],
      refusedTypes: row.refused_types ?? [],
      tickets: row.tickets ?? [],
    };
  }

  async findBooking(db: Q, bookingId: string, userId?: string): Promise<BookingRow | undefined> {
    let q = db.selectFrom('bookings').selectAll().where('id', '=', bookingId);
    if (userId) q = q.where('user_id', '=', userId);
    return q.executeTakeFirst();
  }

  /**
   * Takes the customer's row lock for the rest of the transaction (as the hold statement does, by bumping
   * hold_seq): their other holds wait, so a hold statement run after it counts their holds exactly.
   */
  async lockCustomer(trx: Transaction<Database>, userId: string): Promise<void> {
    await trx
      .updateTable('users')
      .set((eb) => ({ hold_seq: eb('hold_seq', '+', 1) }))
      .where('id', '=', userId)
      .execute();
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
      .where('channel', '=', 'online') // a clerk's counter sales are the box office's, not their own bookings
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
      .leftJoin('seat_types as ty', 'ty.id', 's.seat_type_id')
      .select([
        't.id',
        't.booking_id',
        't.seat_id',
        's.row_label',
        's.number',
        't.tier',
        't.ticket_type',
        't.price_cents',
        't.status',
        'ty.name as seat_type',
        't.admitted_at',
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
      .leftJoin('seat_types as ty', 'ty.id', 's.seat_type_id') // the current type, as TicketView.seat_type
      .select([
        't.id',
        't.booking_id',
        'b.reference',
        't.showtime_id',
        't.seat_id',
        's.row_label',
        's.number',
        't.tier',
        'ty.name as seat_type',
        't.status as ticket_status',
        't.admitted_at',
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

  /**
   * A payment's happy ending in one statement: under the locks of the booking, the attempt and the booking's held
   * seats (seat order, as the claim takes them), and only if the booking is still a live hold, the attempt is
   * still open, no other attempt succeeded and every ticket's seat is still held by this booking, it marks the
   * attempt succeeded, sells the seats and tickets and confirms the booking. Otherwise it changes nothing and
   * returns undefined, and the caller takes the general path (BookingsService.settle), which decides every other
   * case. Returns the confirmed booking as the API shows it, without reading it again.
   *
   * The same statement writes the confirmation's outbox rows (the booking.confirmed notifications, exactly as
   * NotificationsRepository.insertForEvent writes them) from the row it confirmed: one statement, so the
   * confirmation and its outbox rows commit together or not at all, in autocommit or in the caller's
   * transaction. Their delivery jobs are the caller's to send (BookingsService.confirmPaid, after commit);
   * notificationIds are the rows inserted.
   */
  async confirmPaid(
    q: Q,
    c: {
      bookingId: string;
      paymentId: string;
      chargeId: string;
      outbox: { mailDomain: string; smsEnabled: boolean };
    },
  ): Promise<
    | { booking: BookingRow; tickets: TicketView[]; payments: PaymentRow[]; notificationIds: string[] }
    | undefined
  > {
    const r = await executePrepared(
      q,
      sql<{
        booking: JsonRow<BookingRow> | null;
        tickets: TicketView[] | null;
        payments: JsonRow<PaymentRow>[] | null;
        notification_ids: string[] | null;
      }>`
      WITH b AS (
        SELECT id FROM bookings
         WHERE id = ${c.bookingId} AND status = 'pending' AND expires_at > now()
           FOR UPDATE
      ), p AS (
        SELECT id FROM payments
         WHERE id = ${c.paymentId} AND booking_id = ${c.bookingId} AND status IN ('pending', 'unknown')
           AND EXISTS (SELECT 1 FROM b)
           FOR UPDATE
      ), held AS (
        SELECT seat_id FROM seat_inventory
         WHERE booking_id = ${c.bookingId} AND status = 'held' AND EXISTS (SELECT 1 FROM p)
         ORDER BY showtime_id, seat_id
           FOR UPDATE
      ), ok AS (
        SELECT EXISTS (SELECT 1 FROM p)
           AND NOT EXISTS (SELECT 1 FROM payments WHERE booking_id = ${c.bookingId} AND status = 'succeeded')
           AND n.tickets > 0 AND n.tickets = (SELECT count(*) FROM held)
           AND n.tickets = (SELECT count(*) FROM tickets t
                             WHERE t.booking_id = ${c.bookingId} AND t.status = 'held'
                               AND t.seat_id IN (SELECT seat_id FROM held)) AS ok
          FROM (SELECT count(*) AS tickets FROM tickets WHERE booking_id = ${c.bookingId}) n
      ), paid AS (
        UPDATE payments SET status = 'succeeded', charge_id = ${c.chargeId}, updated_at = now()
         WHERE id = ${c.paymentId} AND (SELECT ok FROM ok)
        RETURNING *
      ), sold AS (
        UPDATE seat_inventory SET status = 'sold', version = version + 1, updated_at = now()
         WHERE booking_id = ${c.bookingId} AND status = 'held' AND (SELECT ok FROM ok)
        RETURNING seat_id
      ), sold_tickets AS (
        UPDATE tickets SET status = 'sold'
         WHERE booking_id = ${c.bookingId} AND status = 'held' AND (SELECT ok FROM ok)
        RETURNING id, booking_id, seat_id, tier, ticket_type, price_cents, status
      ), confirmed AS (
        UPDATE bookings SET status = 'confirmed', confirmed_at = now(), updated_at = now()
         WHERE id = ${c.bookingId} AND (SELECT ok FROM ok)
        RETURNING *
      ), outbox AS (
        -- NotificationsRepository.insertForEvent's rows, from the booking this statement confirmed (none if none).
        ${insertBookingOutboxRows(sql`confirmed`, { event: 'booking.confirmed', ...c.outbox })}
      )
      SELECT (SELECT row_to_json(x) FROM confirmed x) AS booking,
             (SELECT json_agg(json_build_object('id', t.id, 'booking_id', t.booking_id, 'seat_id', t.seat_id,
                       'row_label', s.row_label, 'number', s.number, 'tier', t.tier,
                       'ticket_type', t.ticket_type, 'price_cents', t.price_cents, 'status', t.status,
                       'seat_type', ty.name)
                       ORDER BY s.y, s.x)
                FROM sold_tickets t JOIN seats s ON s.id = t.seat_id
                LEFT JOIN seat_types ty ON ty.id = s.seat_type_id) AS tickets,
             (SELECT json_agg(x ORDER BY x.created_at)
                FROM (SELECT * FROM paid
                      UNION ALL
                      SELECT * FROM payments
                       WHERE booking_id = ${c.bookingId} AND id <> ${c.paymentId}) x) AS payments,
             (SELECT count(*) FROM sold) AS sold,
             (SELECT array_agg(id::text) FROM outbox) AS notification_ids`,
    );
    const row = r.rows[0];
    if (!row?.booking) return undefined;
    return {
      booking: dated(row.booking, BOOKING_TIMES),
      tickets: row.tickets ?? [],
      payments: (row.payments ?? []).map((p) => dated(p, PAYMENT_TIMES)),
      notificationIds: row.notification_ids ?? [],
    };
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

  /**
   * The one extension a customer may ask for, in one conditional UPDATE: only their own pending hold that is
   * still live at the database's now() (a lapsed hold is never revived), not extended before (the row lock
   * makes a concurrent second request re-check this on the row the first wrote), and not at its hard
   * deadline; never past it. Undefined when nothing was changed: extensionRefusal says why.
   */
  async extendOnce(
    db: Q,
    e: { bookingId: string; userId: string; seconds: number },
  ): Promise<BookingRow | undefined> {
    const r = await sql<BookingRow>`
      UPDATE bookings
         SET expires_at = least(expires_at + make_interval(secs => ${e.seconds}), max_expires_at),
             extended_at = now(), updated_at = now()
       WHERE id = ${e.bookingId} AND user_id = ${e.userId} AND status = 'pending'
         AND extended_at IS NULL AND expires_at > now() AND expires_at < max_expires_at
      RETURNING *`.execute(db);
    return r.rows[0];
  }

  /** Why a hold cannot be extended now, judged against the database's now(). */
  async extensionRefusal(
    db: Q,
    bookingId: string,
    userId: string,
  ): Promise<
    | {
        status: BookingRow['status'];
        ended: boolean;
        extended: boolean;
        atMaximum: boolean;
        maxExpiresAt: Date;
      }
    | undefined
  > {
    const r = await sql<{
      status: BookingRow['status'];
      ended: boolean;
      extended: boolean;
      at_maximum: boolean;
      max_expires_at: Date;
    }>`
      SELECT status, expires_at <= now() AS ended, extended_at IS NOT NULL AS extended,
             expires_at >= max_expires_at AS at_maximum, max_expires_at
        FROM bookings WHERE id = ${bookingId} AND user_id = ${userId}`.execute(db);
    const row = r.rows[0];
    return row
      ? {
          status: row.status,
          ended: row.ended,
          extended: row.extended,
          atMaximum: row.at_maximum,
          maxExpiresAt: row.max_expires_at,
        }
      : undefined;
  }
}
