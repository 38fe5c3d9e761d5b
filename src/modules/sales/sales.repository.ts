import { sql, type Kysely, type Transaction } from 'kysely';
import type { BookingChannel, Database, InventoryStatus, SeatTier } from '../../db/schema.js';
import { seatIsFree } from '../bookings/seat-rules.js';
import type { ReportGrouping } from './sales.schemas.js';

type Q = Kysely<Database> | Transaction<Database>;

export interface ShowtimeHead {
  id: string;
  starts_at: Date;
  started: boolean;
  movie_title: string;
  theater_id: string;
  theater_name: string;
  auditorium_name: string;
  time_zone: string;
  currency: string;
}

export interface StaffSeatRow {
  id: string;
  row_label: string;
  number: number;
  tier: SeatTier;
  status: InventoryStatus;
  free: boolean;
  version: number;
  admitted_at: Date | null;
  booking_id: string | null;
  reference: string | null;
  booking_status: string | null;
  channel: BookingChannel | null;
  customer_email: string | null;
  customer_name: string | null;
  expires_at: Date | null;
  total_cents: number | null;
  currency: string | null;
}

export interface SeatChangeResult {
  /** The showtime's seats among those asked for (the others are not its seats). */
  existing: string[];
  /** Seats that refused the change (held or sold, judged on their locked row). */
  refused: string[];
  /** Seats this statement changed. */
  changed: string[];
}

export interface ReportDbRow {
  key: string;
  label: string;
  currency: string;
  showtimes: number;
  seats: number;
  sold: number;
  admitted: number;
  blocked: number;
  bookings: number;
  revenue_cents: number;
  online_cents: number;
  box_office_cents: number;
  refunds: number;
  refunded_cents: number;
  cancellations: number;
  expired: number;
}

export interface SalesExportRow {
  booking_id: string;
  reference: string;
  showtime_id: string;
  starts_at: Date;
  local_start: string;
  movie: string;
  theater: string;
  auditorium: string;
  seats: string;
  tickets: number;
  channel: BookingChannel;
  total_cents: number;
  currency: string;
  status: string;
  payment_method: string | null;
  confirmed_at: Date;
  refunded_at: Date | null;
}

/**
 * The showtimes of a local date range: a showtime's day is its start's date in its theater's time zone.
 * `st` names the showtimes row in the surrounding query, `th` its theater.
 */
function inLocalRange(from: string, to: string, theaterId: string | undefined) {
  return sql`(st.starts_at AT TIME ZONE th.time_zone)::date BETWEEN ${from}::date AND ${to}::date
             AND (${theaterId ?? null}::uuid IS NULL OR th.id = ${theaterId ?? null}::uuid)`;
}

const GROUP_KEYS: Record<ReportGrouping, { key: string; label: string; order: string }> = {
  showtime: {
    key: 'st.id::text',
    label: `min(m.title || ' · ' || th.name || ' · ' || a.name || ' · ' || to_char(st.starts_at AT TIME ZONE th.time_zone, 'YYYY-MM-DD HH24:MI'))`,
    order: 'min(st.starts_at), 1',
  },
  day: {
    key: `to_char(st.starts_at AT TIME ZONE th.time_zone, 'YYYY-MM-DD')`,
    label: `min(to_char(st.starts_at AT TIME ZONE th.time_zone, 'YYYY-MM-DD'))`,
    order: '1',
  },
  movie: { key: 'm.id::text', label: 'min(m.title)', order: '2, 1' },
  theater: { key: 'th.id::text', label: 'min(th.name)', order: '2, 1' },
};

/** Queries only; the rules and the transactions are SalesService's. */
export class SalesRepository {
  async showtimeHead(db: Q, showtimeId: string): Promise<ShowtimeHead | undefined> {
    const r = await sql<ShowtimeHead>`
      SELECT st.id, st.starts_at, st.starts_at <= now() AS started, m.title AS movie_title, th.id AS theater_id,
             th.name AS theater_name, a.name AS auditorium_name, th.time_zone, st.currency
        FROM showtimes st JOIN auditoriums a ON a.id = st.auditorium_id JOIN theaters th ON th.id = a.theater_id
        JOIN movies m ON m.id = st.movie_id
       WHERE st.id = ${showtimeId}`.execute(db);
    return r.rows[0];
  }

  /**
   * Every seat of a showtime with who has it, in one statement. A hold that has ended reads as free (seatIsFree,
   * against the database's now(), as the customer's map), so staff never chase a hold that is already over.
   */
  async staffSeats(db: Q, showtimeId: string): Promise<StaffSeatRow[]> {
    const r = await sql<StaffSeatRow>`
      SELECT se.id, se.row_label, se.number, se.tier, i.status, ${seatIsFree('i')} AS free, i.version,
             t.admitted_at, b.id AS booking_id, b.reference, b.status AS booking_status, b.channel,
             coalesce(b.buyer_email, u.email) AS customer_email, coalesce(b.buyer_name, u.name) AS customer_name,
             b.expires_at, b.total_cents, b.currency
        FROM seat_inventory i
        JOIN seats se ON se.id = i.seat_id
        LEFT JOIN bookings b ON b.id = i.booking_id AND NOT ${seatIsFree('i')}
        LEFT JOIN users u ON u.id = b.user_id
        LEFT JOIN tickets t ON t.booking_id = b.id AND t.seat_id = i.seat_id AND t.status = 'sold'
       WHERE i.showtime_id = ${showtimeId}
       ORDER BY se.y, se.x`.execute(db);
    return r.rows;
  }

  /**
   * Blocks seats in one statement, all or nothing, the way the claim takes them: the rows are locked in seat order
   * and judged by seatIsFree on their locked, latest version, so a block and a hold racing for a seat cannot both
   * win. A seat already blocked counts as done; a held or sold one refuses the whole call. The tickets of a lapsed
   * hold whose seat is blocked are voided, as a claim voids them.
   */
  async blockSeats(
    trx: Transaction<Database>,
    showtimeId: string,
    seatIds: string[],
  ): Promise<SeatChangeResult> {
    const r = await sql<{ existing: string[] | null; refused: string[] | null; changed: string[] | null }>`
      WITH locked AS (
        SELECT si.seat_id, si.status, si.booking_id AS previous_booking, ${seatIsFree('si')} AS free
          FROM seat_inventory si
         WHERE si.showtime_id = ${showtimeId} AND si.seat_id = ANY(${seatIds}::uuid[])
         ORDER BY si.seat_id
           FOR UPDATE
      ), ok AS (
        SELECT count(*) = ${seatIds.length} AND coalesce(bool_and(free OR status = 'blocked'), false) AS ok
          FROM locked
      ), blocked AS (
        UPDATE seat_inventory si
           SET status = 'blocked', booking_id = NULL, version = si.version + 1, updated_at = now()
          FROM locked l
         WHERE (SELECT ok FROM ok) AND l.free
           AND si.showtime_id = ${showtimeId} AND si.seat_id = l.seat_id
        RETURNING si.seat_id, l.previous_booking
      ), voided AS (
        UPDATE tickets t SET status = 'void'
          FROM blocked c
         WHERE c.previous_booking IS NOT NULL
           AND t.booking_id = c.previous_booking AND t.seat_id = c.seat_id AND t.status = 'held'
        RETURNING t.id
      )
      SELECT (SELECT array_agg(seat_id) FROM locked) AS existing,
             (SELECT array_agg(seat_id) FROM locked WHERE NOT free AND status <> 'blocked') AS refused,
             (SELECT array_agg(seat_id) FROM blocked) AS changed,
             (SELECT count(*) FROM voided) AS voided`.execute(trx);
    const row = r.rows[0]!;
    return { existing: row.existing ?? [], refused: row.refused ?? [], changed: row.changed ?? [] };
  }

  /** Unblocks seats, all or nothing: a seat that is held or sold (not blocked, not free) refuses the call. */
  async unblockSeats(
    trx: Transaction<Database>,
    showtimeId: string,
    seatIds: string[],
  ): Promise<SeatChangeResult> {
    const r = await sql<{ existing: string[] | null; refused: string[] | null; changed: string[] | null }>`
      WITH locked AS (
        SELECT si.seat_id, si.status, ${seatIsFree('si')} AS free
          FROM seat_inventory si
         WHERE si.showtime_id = ${showtimeId} AND si.seat_id = ANY(${seatIds}::uuid[])
         ORDER BY si.seat_id
           FOR UPDATE
      ), ok AS (
        SELECT count(*) = ${seatIds.length} AND coalesce(bool_and(free OR status = 'blocked'), false) AS ok
          FROM locked
      ), unblocked AS (
        UPDATE seat_inventory si
           SET status = 'available', version = si.version + 1, updated_at = now()
          FROM locked l
         WHERE (SELECT ok FROM ok) AND l.status = 'blocked'
           AND si.showtime_id = ${showtimeId} AND si.seat_id = l.seat_id
        RETURNING si.seat_id
      )
      SELECT (SELECT array_agg(seat_id) FROM locked) AS existing,
             (SELECT array_agg(seat_id) FROM locked WHERE NOT free AND status <> 'blocked') AS refused,
             (SELECT array_agg(seat_id) FROM unblocked) AS changed`.execute(trx);
    const row = r.rows[0]!;
    return { existing: row.existing ?? [], refused: row.refused ?? [], changed: row.changed ?? [] };
  }

  /** Seat labels (F12) of these seats, in seat order: what the audit log keeps. */
  async seatLabels(db: Q, seatIds: string[]): Promise<string[]> {
    if (seatIds.length === 0) return [];
    const rows = await db
      .selectFrom('seats')
      .select(sql<string>`row_label || number`.as('label'))
      .where('id', 'in', seatIds)
      .orderBy('y')
      .orderBy('x')
      .execute();
    return rows.map((r) => r.label);
  }

  async theaterOfShowtime(db: Q, showtimeId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('showtimes as st')
      .innerJoin('auditoriums as a', 'a.id', 'st.auditorium_id')
      .select('a.theater_id')
      .where('st.id', '=', showtimeId)
      .executeTakeFirst();
    return row?.theater_id;
  }

  async booking(db: Q, bookingId: string) {
    return db.selectFrom('bookings').selectAll().where('id', '=', bookingId).executeTakeFirst();
  }

  async payments(db: Q, bookingId: string) {
    return db
      .selectFrom('payments')
      .select(['method', 'status', 'amount_cents', 'refund_reason'])
      .where('booking_id', '=', bookingId)
      .orderBy('created_at')
      .execute();
  }

  /**
   * Occupancy and money of the showtimes in a local date range, grouped, per currency. Seats and admissions are
   * counted per showtime first, bookings per showtime first, then both summed by group (no join fan-out).
   */
  async report(db: Q, q: { from: string; to: string; groupBy: ReportGrouping; theaterId?: string }) {
    const g = GROUP_KEYS[q.groupBy];
    const r = await sql<ReportDbRow>`
      WITH sel AS (
        SELECT st.id FROM showtimes st
          JOIN auditoriums a ON a.id = st.auditorium_id JOIN theaters th ON th.id = a.theater_id
         WHERE ${inLocalRange(q.from, q.to, q.theaterId)}
      ), seats AS (
        SELECT i.showtime_id, count(*)::int AS seats,
               (count(*) FILTER (WHERE i.status = 'sold'))::int AS sold,
               (count(*) FILTER (WHERE i.status = 'blocked'))::int AS blocked
          FROM seat_inventory i WHERE i.showtime_id IN (SELECT id FROM sel) GROUP BY i.showtime_id
      ), adm AS (
        SELECT t.showtime_id, count(*)::int AS admitted
          FROM tickets t
         WHERE t.showtime_id IN (SELECT id FROM sel) AND t.status = 'sold' AND t.admitted_at IS NOT NULL
         GROUP BY t.showtime_id
      ), bk AS (
        SELECT b.showtime_id,
               (count(*) FILTER (WHERE b.status = 'confirmed'))::int AS bookings,
               coalesce(sum(b.total_cents) FILTER (WHERE b.status = 'confirmed'), 0)::bigint AS revenue_cents,
               coalesce(sum(b.total_cents) FILTER (WHERE b.status = 'confirmed' AND b.channel = 'online'), 0)::bigint
                 AS online_cents,
               coalesce(sum(b.total_cents) FILTER (WHERE b.status = 'confirmed' AND b.channel = 'box_office'), 0)::bigint
                 AS box_office_cents,
               (count(*) FILTER (WHERE b.status = 'refunded'))::int AS refunds,
               coalesce(sum(b.total_cents) FILTER (WHERE b.status = 'refunded'), 0)::bigint AS refunded_cents,
               (count(*) FILTER (WHERE b.status = 'cancelled'))::int AS cancellations,
               (count(*) FILTER (WHERE b.status = 'expired'))::int AS expired
          FROM bookings b WHERE b.showtime_id IN (SELECT id FROM sel) GROUP BY b.showtime_id
      )
      SELECT ${sql.raw(g.key)} AS key, ${sql.raw(g.label)} AS label, st.currency,
             count(*)::int AS showtimes,
             coalesce(sum(s.seats), 0)::int AS seats, coalesce(sum(s.sold), 0)::int AS sold,
             coalesce(sum(ad.admitted), 0)::int AS admitted, coalesce(sum(s.blocked), 0)::int AS blocked,
             coalesce(sum(bk.bookings), 0)::int AS bookings,
             coalesce(sum(bk.revenue_cents), 0)::bigint AS revenue_cents,
             coalesce(sum(bk.online_cents), 0)::bigint AS online_cents,
             coalesce(sum(bk.box_office_cents), 0)::bigint AS box_office_cents,
             coalesce(sum(bk.refunds), 0)::int AS refunds,
             coalesce(sum(bk.refunded_cents), 0)::bigint AS refunded_cents,
             coalesce(sum(bk.cancellations), 0)::int AS cancellations,
             coalesce(sum(bk.expired), 0)::int AS expired
        FROM showtimes st
        JOIN auditoriums a ON a.id = st.auditorium_id JOIN theaters th ON th.id = a.theater_id
        JOIN movies m ON m.id = st.movie_id
        LEFT JOIN seats s ON s.showtime_id = st.id
        LEFT JOIN adm ad ON ad.showtime_id = st.id
        LEFT JOIN bk ON bk.showtime_id = st.id
       WHERE st.id IN (SELECT id FROM sel)
       GROUP BY 1, st.currency
       ORDER BY ${sql.raw(g.order)}, st.currency`.execute(db);
    return r.rows.map((row) => ({
      ...row,
      revenue_cents: Number(row.revenue_cents),
      online_cents: Number(row.online_cents),
      box_office_cents: Number(row.box_office_cents),
      refunded_cents: Number(row.refunded_cents),
    }));
  }

  /**
   * The sales of a local date range: one row per booking that was paid (confirmed, or refunded since), of the
   * showtimes on those days, in showtime then payment order.
   */
  async salesExport(db: Q, q: { from: string; to: string; theaterId?: string }): Promise<SalesExportRow[]> {
    const r = await sql<SalesExportRow>`
      SELECT b.id AS booking_id, b.reference, st.id AS showtime_id, st.starts_at,
             to_char(st.starts_at AT TIME ZONE th.time_zone, 'YYYY-MM-DD HH24:MI') AS local_start,
             m.title AS movie, th.name AS theater, a.name AS auditorium,
             (SELECT string_agg(se.row_label || se.number, ' ' ORDER BY se.y, se.x)
                FROM tickets t JOIN seats se ON se.id = t.seat_id WHERE t.booking_id = b.id) AS seats,
             (SELECT count(*) FROM tickets t WHERE t.booking_id = b.id)::int AS tickets,
             b.channel, b.total_cents, b.currency, b.status,
             (SELECT p.method FROM payments p
               WHERE p.booking_id = b.id AND p.status IN ('succeeded', 'refund_pending', 'refunded')
               ORDER BY p.created_at LIMIT 1) AS payment_method,
             b.confirmed_at, CASE WHEN b.status = 'refunded' THEN b.closed_at END AS refunded_at
        FROM bookings b
        JOIN showtimes st ON st.id = b.showtime_id
        JOIN auditoriums a ON a.id = st.auditorium_id JOIN theaters th ON th.id = a.theater_id
        JOIN movies m ON m.id = st.movie_id
       WHERE ${inLocalRange(q.from, q.to, q.theaterId)}
         AND b.confirmed_at IS NOT NULL AND b.status IN ('confirmed', 'refunded')
       ORDER BY st.starts_at, st.id, b.confirmed_at, b.id`.execute(db);
    return r.rows;
  }
}
