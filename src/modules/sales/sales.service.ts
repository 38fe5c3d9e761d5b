import type { AppContext } from '../../context.js';
import { ValidationError } from '../../http/errors.js';
import { recordAudit, type AuditActor } from '../audit/audit.repository.js';
import {
  BookingNotFoundError,
  SeatsNotFoundError,
  ShowtimeNotFoundError,
} from '../bookings/bookings.errors.js';
import { BookingsService } from '../bookings/bookings.service.js';
import { toCsv, type CsvCell } from './csv.js';
import { SeatsNotBlockableError, SeatsNotBlockedError } from './sales.errors.js';
import { SalesRepository, type ReportDbRow, type StaffSeatRow } from './sales.repository.js';
import type {
  ReportGrouping,
  ReportQuery,
  ReportRow,
  SalesBooking,
  SalesExportQuery,
  SalesReport,
  StaffSeat,
  StaffSeatStatus,
  StaffSeatView,
} from './sales.schemas.js';

/** The longest range a report covers: a year and a day (a leap year's 366 days, both ends included). */
const MAX_REPORT_DAYS = 366;

function staffStatus(s: StaffSeatRow): StaffSeatStatus {
  if (s.status === 'blocked') return 'blocked';
  if (s.free) return 'free';
  if (s.status === 'sold') return s.admitted_at ? 'admitted' : 'sold';
  return 'held';
}

function toStaffSeat(s: StaffSeatRow): StaffSeat {
  const status = staffStatus(s);
  return {
    id: s.id,
    row: s.row_label,
    number: s.number,
    tier: s.tier,
    status,
    admittedAt: s.admitted_at?.toISOString() ?? null,
    booking:
      s.booking_id && (status === 'held' || status === 'sold' || status === 'admitted')
        ? {
            id: s.booking_id,
            reference: s.reference ?? '',
            status: s.booking_status ?? '',
            channel: s.channel ?? 'online',
            customerEmail: s.customer_email ?? '',
            customerName: s.customer_name ?? '',
            heldUntil: status === 'held' ? (s.expires_at?.toISOString() ?? null) : null,
            totalCents: s.total_cents ?? 0,
            currency: s.currency ?? '',
          }
        : null,
  };
}

function parseLocalDate(value: string, field: string): number {
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`Invalid request: querystring.${field} is not a date`, {
      fields: [{ field: `querystring.${field}`, message: 'is not a date' }],
    });
  }
  return t;
}

/** A range of local dates, both ends included, at most MAX_REPORT_DAYS long. */
function checkRange(from: string, to: string): void {
  const days = (parseLocalDate(to, 'to') - parseLocalDate(from, 'from')) / 86_400_000 + 1;
  if (days < 1) {
    throw new ValidationError('Invalid request: querystring.to is before querystring.from', {
      fields: [{ field: 'querystring.to', message: 'is before from' }],
    });
  }
  if (days > MAX_REPORT_DAYS) {
    throw new ValidationError(`Invalid request: a report covers at most ${MAX_REPORT_DAYS} days`, {
      fields: [{ field: 'querystring.to', message: `is more than ${MAX_REPORT_DAYS} days after from` }],
    });
  }
}

function toReportRow(r: ReportDbRow): ReportRow {
  const capacity = r.seats - r.blocked;
  return {
    key: r.key,
    label: r.label,
    currency: r.currency,
    showtimes: r.showtimes,
    capacity,
    sold: r.sold,
    admitted: r.admitted,
    blocked: r.blocked,
    occupancy: capacity > 0 ? Math.round((r.sold / capacity) * 10_000) / 10_000 : 0,
    bookings: r.bookings,
    revenueCents: r.revenue_cents,
    onlineCents: r.online_cents,
    boxOfficeCents: r.box_office_cents,
    refunds: r.refunds,
    refundedCents: r.refunded_cents,
    cancellations: r.cancellations,
    expired: r.expired,
  };
}

function totalsByCurrency(rows: ReportDbRow[]): ReportRow[] {
  const sums = new Map<string, ReportDbRow>();
  for (const r of rows) {
    const t = sums.get(r.currency);
    if (!t) {
      sums.set(r.currency, { ...r, key: r.currency, label: `Total ${r.currency}` });
      continue;
    }
    for (const k of [
      'showtimes',
      'seats',
      'sold',
      'admitted',
      'blocked',
      'bookings',
      'revenue_cents',
      'online_cents',
      'box_office_cents',
      'refunds',
      'refunded_cents',
      'cancellations',
      'expired',
    ] as const) {
      t[k] += r[k];
    }
  }
  return [...sums.values()].map(toReportRow);
}

/** Cents as a decimal amount for a spreadsheet: 1250 -> "12.50" (every currency we sell in has two decimals). */
function amount(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const REPORT_CSV_HEADER = [
  'key',
  'label',
  'currency',
  'showtimes',
  'capacity',
  'sold',
  'admitted',
  'blocked',
  'occupancy',
  'bookings',
  'revenue',
  'online',
  'box_office',
  'refunds',
  'refunded',
  'cancellations',
  'expired',
];

export const SALES_CSV_HEADER = [
  'booking_id',
  'reference',
  'showtime_id',
  'showtime_start_local',
  'showtime_start_utc',
  'movie',
  'theater',
  'auditorium',
  'seats',
  'tickets',
  'channel',
  'payment_method',
  'amount',
  'currency',
  'status',
  'paid_at',
  'refunded_at',
];

/**
 * The sales console (docs/api.md, sales and occupancy): the staff seat view, an operator's block, unblock, release
 * and refund (each audited in the change's own transaction), and the reports with their CSV. Booking state
 * changes are BookingsService's: this asks it, passing the audit entry to write in its transaction.
 */
export class SalesService {
  private readonly repo = new SalesRepository();
  private readonly bookings: BookingsService;

  constructor(private readonly ctx: AppContext) {
    this.bookings = new BookingsService(ctx);
  }

  async seatView(showtimeId: string): Promise<StaffSeatView> {
    const { db } = this.ctx;
    const head = await this.repo.showtimeHead(db, showtimeId);
    if (!head) throw new ShowtimeNotFoundError();
    const rows = await this.repo.staffSeats(db, showtimeId);
    const seats = rows.map(toStaffSeat);
    const count = (s: StaffSeatStatus) => seats.filter((x) => x.status === s).length;
    return {
      showtime: {
        id: head.id,
        startsAt: head.starts_at.toISOString(),
        movieTitle: head.movie_title,
        theaterId: head.theater_id,
        theaterName: head.theater_name,
        auditoriumName: head.auditorium_name,
        timeZone: head.time_zone,
        currency: head.currency,
        started: head.started,
      },
      version: rows.reduce((v, r) => v + r.version, 0),
      counts: {
        total: seats.length,
        free: count('free'),
        held: count('held'),
        sold: count('sold') + count('admitted'),
        admitted: count('admitted'),
        blocked: count('blocked'),
      },
      seats,
    };
  }

  /** Takes seats off sale for one showtime (all or nothing); a held or sold seat refuses: 409 SEATS_NOT_BLOCKABLE. */
  async block(actor: AuditActor, showtimeId: string, seatIds: string[], reason?: string) {
    return this.changeSeats(actor, showtimeId, seatIds, 'block', reason);
  }

  /** Puts blocked seats back on sale; a held or sold seat refuses: 409 SEATS_NOT_BLOCKED. */
  async unblock(actor: AuditActor, showtimeId: string, seatIds: string[], reason?: string) {
    return this.changeSeats(actor, showtimeId, seatIds, 'unblock', reason);
  }

  private async changeSeats(
    actor: AuditActor,
    showtimeId: string,
    seatIds: string[],
    verb: 'block' | 'unblock',
    reason?: string,
  ): Promise<{ changed: string[]; view: StaffSeatView }> {
    const ids = [...new Set(seatIds)].sort();
    const changed = await this.ctx.db.transaction().execute(async (trx) => {
      const theaterId = await this.repo.theaterOfShowtime(trx, showtimeId);
      if (!theaterId) throw new ShowtimeNotFoundError();
      const r =
        verb === 'block'
          ? await this.repo.blockSeats(trx, showtimeId, ids)
          : await this.repo.unblockSeats(trx, showtimeId, ids);
      const existing = new Set(r.existing);
      const unknown = ids.filter((id) => !existing.has(id));
      if (unknown.length > 0) throw new SeatsNotFoundError(unknown);
      if (r.refused.length > 0) {
        throw verb === 'block' ? new SeatsNotBlockableError(r.refused) : new SeatsNotBlockedError(r.refused);
      }
      if (r.changed.length > 0) {
        await recordAudit(trx, actor, {
          action: `seat.${verb}`,
          subjectType: 'showtime',
          subjectId: showtimeId,
          theaterId,
          after: { seatIds: [...r.changed].sort(), seats: await this.repo.seatLabels(trx, r.changed) },
          reason: reason?.trim() ?? null,
        });
      }
      return r.changed;
    });
    if (changed.length > 0) this.ctx.seatFeed.touch(showtimeId);
    return { changed, view: await this.seatView(showtimeId) };
  }

  /** Ends a hold now (409 BOOKING_NOT_PENDING for anything but a hold), audited as `booking.release`. */
  async releaseHold(actor: AuditActor, bookingId: string, reason?: string): Promise<SalesBooking> {
    await this.bookings.releaseHoldByOperator(bookingId, async (trx, before) => {
      await recordAudit(trx, actor, {
        action: 'booking.release',
        subjectType: 'booking',
        subjectId: bookingId,
        theaterId: (await this.repo.theaterOfShowtime(trx, before.showtime_id)) ?? null,
        before: { status: before.status, reference: before.reference, expiresAt: before.expires_at },
        after: { status: 'cancelled' },
        reason: reason?.trim() ?? null,
      });
    });
    return this.salesBooking(bookingId);
  }

  /** Refunds a paid booking with a reason, audited as `booking.refund` (REFUND_PENDING if the gateway is away). */
  async refund(actor: AuditActor, bookingId: string, reason: string): Promise<SalesBooking> {
    await this.bookings.refundByOperator(bookingId, async (trx, before) => {
      await recordAudit(trx, actor, {
        action: 'booking.refund',
        subjectType: 'booking',
        subjectId: bookingId,
        theaterId: (await this.repo.theaterOfShowtime(trx, before.showtime_id)) ?? null,
        before: {
          status: before.status,
          reference: before.reference,
          totalCents: before.total_cents,
          currency: before.currency,
        },
        after: { status: 'refunded' },
        reason: reason.trim(),
      });
    });
    return this.salesBooking(bookingId);
  }

  async salesBooking(bookingId: string): Promise<SalesBooking> {
    const b = await this.repo.booking(this.ctx.db, bookingId);
    if (!b) throw new BookingNotFoundError();
    const payments = await this.repo.payments(this.ctx.db, bookingId);
    return {
      id: b.id,
      reference: b.reference,
      status: b.status,
      channel: b.channel,
      showtimeId: b.showtime_id,
      totalCents: b.total_cents,
      currency: b.currency,
      paidAt: b.confirmed_at?.toISOString() ?? null,
      closedAt: b.closed_at?.toISOString() ?? null,
      payments: payments.map((p) => ({
        method: p.method,
        status: p.status,
        amountCents: p.amount_cents,
        refundReason: p.refund_reason,
      })),
    };
  }

  async report(q: ReportQuery): Promise<SalesReport> {
    checkRange(q.from, q.to);
    const groupBy: ReportGrouping = q.groupBy ?? 'day';
    const rows = await this.repo.report(this.ctx.db, {
      from: q.from,
      to: q.to,
      groupBy,
      theaterId: q.theaterId,
    });
    return { from: q.from, to: q.to, groupBy, rows: rows.map(toReportRow), totals: totalsByCurrency(rows) };
  }

  async reportCsv(q: ReportQuery): Promise<{ filename: string; content: string }> {
    const r = await this.report(q);
    const line = (x: ReportRow): CsvCell[] => [
      x.key,
      x.label,
      x.currency,
      x.showtimes,
      x.capacity,
      x.sold,
      x.admitted,
      x.blocked,
      x.occupancy.toFixed(4),
      x.bookings,
      amount(x.revenueCents),
      amount(x.onlineCents),
      amount(x.boxOfficeCents),
      x.refunds,
      amount(x.refundedCents),
      x.cancellations,
      x.expired,
    ];
    return {
      filename: `matinee-${r.groupBy}-${r.from}-${r.to}.csv`,
      content: toCsv(REPORT_CSV_HEADER, [...r.rows.map(line), ...r.totals.map(line)]),
    };
  }

  async salesCsv(q: SalesExportQuery): Promise<{ filename: string; content: string }> {
    checkRange(q.from, q.to);
    const rows = await this.repo.salesExport(this.ctx.db, q);
    return {
      filename: `matinee-sales-${q.from}-${q.to}.csv`,
      content: toCsv(
        SALES_CSV_HEADER,
        rows.map((r) => [
          r.booking_id,
          r.reference,
          r.showtime_id,
          r.local_start,
          r.starts_at.toISOString(),
          r.movie,
          r.theater,
          r.auditorium,
          r.seats,
          r.tickets,
          r.channel,
          r.payment_method ?? '',
          amount(r.total_cents),
          r.currency,
          r.status,
          r.confirmed_at.toISOString(),
          r.refunded_at?.toISOString() ?? '',
        ]),
      ),
    };
  }
}
