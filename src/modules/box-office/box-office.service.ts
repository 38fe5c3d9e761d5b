import { sql } from 'kysely';
import type { AppContext } from '../../context.js';
import type { Role } from '../../db/schema.js';
import type { AuditActor } from '../audit/audit.repository.js';
import { BookingNotFoundError, BookingNotConfirmedError } from '../bookings/bookings.errors.js';
import type { Booking } from '../bookings/bookings.schemas.js';
import { BookingsService } from '../bookings/bookings.service.js';
import { shortTicketCode, signTicketCode } from '../checkin/ticket-codes.js';
import { NotificationsRepository } from '../notifications/notifications.repository.js';
import { assertTheaterAllowed } from '../people/theater-access.js';
import type { CounterHoldBody, CounterSales, PrintableTickets } from './box-office.schemas.js';

/**
 * The box office: a clerk sells from the same seat map with the same one-statement hold (without the
 * per-customer limits) and the same sale as online, paid in cash here or by card through the gateway
 * (POST /bookings/:id/payment, the clerk owns the booking). Tickets are printed or emailed to the buyer.
 */
export class BoxOfficeService {
  private readonly bookings: BookingsService;

  constructor(private readonly ctx: AppContext) {
    this.bookings = new BookingsService(ctx);
  }

  /** Staff sell only for their theaters (403 THEATER_NOT_ALLOWED); an unknown showtime is the hold's 404. */
  async hold(clerk: { userId: string; role: Role }, input: CounterHoldBody): Promise<Booking> {
    const { buyer, ...seats } = input;
    const showtime = await this.ctx.db
      .selectFrom('showtimes as st')
      .innerJoin('auditoriums as a', 'a.id', 'st.auditorium_id')
      .select('a.theater_id')
      .where('st.id', '=', seats.showtimeId)
      .executeTakeFirst();
    if (showtime) await assertTheaterAllowed(this.ctx.db, clerk, showtime.theater_id);
    return this.bookings.holdSeats(clerk.userId, seats, undefined, {
      buyerEmail: buyer?.email?.trim().toLowerCase() ?? null,
      buyerName: buyer?.name?.trim() ?? null,
    });
  }

  /** Checked again at the sale: a clerk moved off this theater since the hold does not sell here. */
  async payCash(actor: AuditActor & { role: Role }, bookingId: string, tenderedCents: number) {
    const b = await this.ctx.db
      .selectFrom('bookings as b')
      .innerJoin('showtimes as st', 'st.id', 'b.showtime_id')
      .innerJoin('auditoriums as a', 'a.id', 'st.auditorium_id')
      .select('a.theater_id')
      .where('b.id', '=', bookingId)
      .where('b.user_id', '=', actor.userId)
      .executeTakeFirst();
    if (b) await assertTheaterAllowed(this.ctx.db, { userId: actor.userId, role: actor.role }, b.theater_id);
    return this.bookings.payCash(
      { userId: actor.userId, requestId: actor.requestId },
      bookingId,
      tenderedCents,
    );
  }

  /** The tickets of a paid counter sale, with their door codes, to print or show on the counter screen. */
  async printable(clerkId: string, bookingId: string): Promise<PrintableTickets> {
    const owned = await this.ctx.db
      .selectFrom('bookings')
      .select(['id', 'status'])
      .where('id', '=', bookingId)
      .where('user_id', '=', clerkId)
      .where('channel', '=', 'box_office')
      .executeTakeFirst();
    if (!owned) throw new BookingNotFoundError();
    if (owned.status !== 'confirmed') throw new BookingNotConfirmedError(owned.status);
    const v = await new NotificationsRepository().bookingView(this.ctx.db, bookingId);
    if (!v) throw new BookingNotFoundError();
    const { config } = this.ctx;
    return {
      reference: v.booking.reference,
      movie: { title: v.movie.title, rating: v.movie.rating, runtimeMinutes: v.movie.runtimeMinutes },
      theater: v.theater,
      auditorium: v.auditorium.name,
      startsAt: v.showtime.startsAt.toISOString(),
      totalCents: v.booking.totalCents,
      currency: v.booking.currency,
      paidWith: v.charge?.brand ?? 'cash',
      tickets: v.tickets
        .filter((t) => t.status === 'sold')
        .map((t) => ({
          id: t.id,
          row: t.row,
          number: t.number,
          tier: t.tier,
          seatType: t.seatType,
          ticketType: t.ticketType,
          priceCents: t.priceCents,
          code: signTicketCode(config, t.id),
          shortCode: shortTicketCode(config, t.id),
        })),
    };
  }

  /** This clerk's recent counter sales, newest first, and what the shift took per currency. */
  async recentSales(clerkId: string, limit: number): Promise<CounterSales> {
    const sales = await this.ctx.db
      .selectFrom('bookings as b')
      .innerJoin('showtimes as st', 'st.id', 'b.showtime_id')
      .innerJoin('movies as m', 'm.id', 'st.movie_id')
      .where('b.user_id', '=', clerkId)
      .where('b.channel', '=', 'box_office')
      .select([
        'b.id',
        'b.reference',
        'b.status',
        'b.total_cents',
        'b.currency',
        'b.created_at',
        'm.title',
        'st.starts_at',
        sql<number>`(SELECT count(*) FROM tickets t WHERE t.booking_id = b.id AND t.status <> 'void')::int`.as(
          'seats',
        ),
        sql<'cash' | 'card' | null>`(SELECT p.method FROM payments p
            WHERE p.booking_id = b.id AND p.status IN ('succeeded', 'refund_pending', 'refunded') LIMIT 1)`.as(
          'method',
        ),
      ])
      .orderBy('b.created_at', 'desc')
      .orderBy('b.id', 'desc')
      .limit(limit)
      .execute();
    const shift = await sql<{ currency: string; cash_cents: number; card_cents: number; sales: number }>`
      SELECT p.currency,
             coalesce(sum(p.amount_cents) FILTER (WHERE p.method = 'cash'), 0)::int AS cash_cents,
             coalesce(sum(p.amount_cents) FILTER (WHERE p.method = 'card'), 0)::int AS card_cents,
             count(*)::int AS sales
        FROM payments p JOIN bookings b ON b.id = p.booking_id
       WHERE b.user_id = ${clerkId} AND b.channel = 'box_office' AND p.status = 'succeeded'
         AND p.created_at > now() - interval '12 hours'
       GROUP BY p.currency ORDER BY p.currency`.execute(this.ctx.db);
    return {
      sales: sales.map((s) => ({
        bookingId: s.id,
        reference: s.reference,
        status: s.status,
        movieTitle: s.title,
        startsAt: s.starts_at.toISOString(),
        seats: s.seats,
        totalCents: s.total_cents,
        currency: s.currency,
        method: s.method,
        createdAt: s.created_at.toISOString(),
      })),
      shift: shift.rows.map((r) => ({
        currency: r.currency,
        cashCents: r.cash_cents,
        cardCents: r.card_cents,
        sales: r.sales,
      })),
    };
  }
}
