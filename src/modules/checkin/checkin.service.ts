import type { AppContext } from '../../context.js';
import { TicketNotFoundError } from '../bookings/bookings.errors.js';
import {
  AlreadyCheckedInError,
  InvalidCodeError,
  TicketNotValidError,
  WrongShowtimeError,
  type WrongShowtimeReason,
} from './checkin.errors.js';
import { CheckinRepository } from './checkin.repository.js';
import type { CheckinResponse } from './checkin.schemas.js';
import { readTicketCode } from './ticket-codes.js';

/** Doors open this long before the showtime starts; a ticket is good until the showtime ends. */
export const DOORS_OPEN_MINUTES = 120;

/** YYYY-MM-DD as the theater's clock shows it. */
function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Admission at the door: a signed code, a valid ticket, the right showtime, and only once. */
export class CheckinService {
  private readonly repo = new CheckinRepository();

  constructor(private readonly ctx: AppContext) {}

  async checkIn(staffId: string, code: string): Promise<CheckinResponse> {
    const read = readTicketCode(this.ctx.config, code);
    switch (read.kind) {
      case 'malformed':
        throw new InvalidCodeError();
      case 'forged':
        // Indistinguishable from an unknown ticket: a forger learns nothing from the answer.
        throw new TicketNotFoundError();
      case 'ok':
        break;
    }
    const t = await this.repo.findTicket(this.ctx.db, read.ticketId);
    if (!t) throw new TicketNotFoundError();
    if (t.booking_status !== 'confirmed' || t.status !== 'sold') {
      throw new TicketNotValidError(t.booking_status, t.id);
    }
    if (t.admitted_at) throw new AlreadyCheckedInError(t.admitted_at, t.id);

    const now = this.ctx.clock.now();
    const doorsOpenAt = new Date(t.starts_at.getTime() - DOORS_OPEN_MINUTES * 60_000);
    if (now < doorsOpenAt || now > t.ends_at) {
      const showtimeDate = localDate(t.starts_at, t.time_zone);
      const today = localDate(now, t.time_zone);
      const reason: WrongShowtimeReason =
        showtimeDate !== today ? 'another_day' : now < doorsOpenAt ? 'too_early' : 'ended';
      throw new WrongShowtimeError({
        reason,
        ticketId: t.id,
        showtimeId: t.showtime_id,
        startsAt: t.starts_at,
        doorsOpenAt,
        endsAt: t.ends_at,
        showtimeDate,
        today,
      });
    }

    const admittedAt = await this.repo.admit(this.ctx.db, t.id, staffId, now);
    if (!admittedAt) {
      // Lost a race: another scanner admitted it, or the booking was refunded, a moment ago.
      const again = await this.repo.findTicket(this.ctx.db, t.id);
      if (again?.admitted_at) throw new AlreadyCheckedInError(again.admitted_at, t.id);
      throw new TicketNotValidError(again?.booking_status ?? 'gone', t.id);
    }
    return {
      ticket: {
        id: t.id,
        bookingId: t.booking_id,
        bookingReference: t.reference,
        seat: { row: t.row_label, number: t.number, tier: t.tier },
        showtime: {
          id: t.showtime_id,
          startsAt: t.starts_at.toISOString(),
          movieTitle: t.title,
          theaterName: t.theater_name,
          auditoriumName: t.auditorium_name,
        },
      },
      admittedAt: admittedAt.toISOString(),
    };
  }
}
