import type { AppContext } from '../../context.js';
import type { Role } from '../../db/schema.js';
import { TicketNotFoundError } from '../bookings/bookings.errors.js';
import { assertTheaterAllowed } from '../people/theater-access.js';
import {
  AlreadyCheckedInError,
  BookingReferenceNotFoundError,
  doorMessage,
  InvalidCodeError,
  TicketNotValidError,
  WrongShowtimeError,
  type WrongShowtimeReason,
} from './checkin.errors.js';
import { CheckinRepository } from './checkin.repository.js';
import type { CheckinResponse, DoorBooking } from './checkin.schemas.js';
import { localDate } from './door-time.js';
import { readTicketCode, shortCodeMatches, shortCodeRange, shortTicketCode } from './ticket-codes.js';

/** Doors open this long before the showtime starts; a ticket is good until the showtime ends. */
export const DOORS_OPEN_MINUTES = 120;

/** Who is at the door: staff work only at their theaters (403 THEATER_NOT_ALLOWED), admins everywhere. */
export interface DoorUser {
  userId: string;
  role: Role;
}

type TicketRow = NonNullable<Awaited<ReturnType<CheckinRepository['findTicket']>>>;

/** Booking references as the bookings module writes them (8 of 32 unambiguous characters). */
const REFERENCE_PATTERN = /^[A-HJ-NP-Z2-9]{8}$/;

/** Admission at the door: a signed code, a valid ticket, the right showtime, and only once. */
export class CheckinService {
  private readonly repo = new CheckinRepository();

  constructor(private readonly ctx: AppContext) {}

  /** A scanned QR code, or the short code printed beside it, typed. */
  async checkIn(staff: DoorUser, code: string): Promise<CheckinResponse> {
    const read = readTicketCode(this.ctx.config, code);
    switch (read.kind) {
      case 'malformed':
        return this.checkInShort(staff, code);
      case 'forged':
        // Indistinguishable from an unknown ticket: a forger learns nothing from the answer.
        throw new TicketNotFoundError();
      case 'ok':
        break;
    }
    const t = await this.repo.findTicket(this.ctx.db, read.ticketId);
    if (!t) throw new TicketNotFoundError();
    return this.admit(staff, t);
  }

  /** A ticket staff picked from a booking they looked up by its reference. */
  async checkInTicket(staff: DoorUser, ticketId: string): Promise<CheckinResponse> {
    const t = await this.repo.findTicket(this.ctx.db, ticketId);
    if (!t) throw new TicketNotFoundError();
    return this.admit(staff, t);
  }

  /** What the door needs to know about a booking whose reference a customer reads out. */
  async lookUpBooking(staff: DoorUser, reference: string): Promise<DoorBooking> {
    const ref = reference.toUpperCase().replace(/[\s-]/g, '');
    if (!REFERENCE_PATTERN.test(ref)) throw new BookingReferenceNotFoundError();
    const [booking, tickets] = await Promise.all([
      this.repo.bookingByReference(this.ctx.db, ref),
      this.repo.ticketsOfReference(this.ctx.db, ref),
    ]);
    if (!booking) throw new BookingReferenceNotFoundError();
    const first = tickets[0];
    if (first) await assertTheaterAllowed(this.ctx.db, staff, first.theater_id);
    const now = this.ctx.clock.now();
    const door = first ? this.door(first, now) : null;
    return {
      booking: {
        id: booking.id,
        reference: ref,
        status: booking.status,
        customerName: first?.customer_name ?? null,
        showtime: first
          ? {
              ...this.showtimeOf(first),
              doorsOpenAt: this.doorsOpenAt(first).toISOString(),
              endsAt: first.ends_at.toISOString(),
            }
          : null,
        door: door
          ? {
              open: door.reason === null,
              reason: door.reason,
              message:
                door.reason === null
                  ? 'Doors are open for this showing'
                  : doorMessage(door.reason, door, now, first!.time_zone),
            }
          : null,
        tickets: tickets.map((t) => ({
          id: t.id,
          seat: { row: t.row_label, number: t.number, tier: t.tier, seatType: t.seat_type },
          shortCode: shortTicketCode(this.ctx.config, t.id),
          admittable: t.status === 'sold' && booking.status === 'confirmed' && !t.admitted_at,
          admittedAt: t.admitted_at ? t.admitted_at.toISOString() : null,
        })),
      },
    };
  }

  private async checkInShort(staff: DoorUser, code: string): Promise<CheckinResponse> {
    const range = shortCodeRange(code);
    if (!range) throw new InvalidCodeError();
    const candidates = await this.repo.ticketsInRange(this.ctx.db, range.from, range.to);
    const t = candidates.find((c) => shortCodeMatches(this.ctx.config, c.id, range.code));
    if (!t) throw new TicketNotFoundError();
    return this.admit(staff, t);
  }

  private doorsOpenAt(t: TicketRow): Date {
    return new Date(t.starts_at.getTime() - DOORS_OPEN_MINUTES * 60_000);
  }

  private door(t: TicketRow, now: Date) {
    const doorsOpenAt = this.doorsOpenAt(t);
    const showtimeDate = localDate(t.starts_at, t.time_zone);
    const today = localDate(now, t.time_zone);
    const reason: WrongShowtimeReason | null =
      now >= doorsOpenAt && now <= t.ends_at
        ? null
        : showtimeDate !== today
          ? 'another_day'
          : now < doorsOpenAt
            ? 'too_early'
            : 'ended';
    return { reason, doorsOpenAt, startsAt: t.starts_at, endsAt: t.ends_at, showtimeDate, today };
  }

  private showtimeOf(t: TicketRow) {
    return {
      id: t.showtime_id,
      startsAt: t.starts_at.toISOString(),
      movieTitle: t.title,
      theaterName: t.theater_name,
      auditoriumName: t.auditorium_name,
      timeZone: t.time_zone,
    };
  }

  private async admit(staff: DoorUser, t: TicketRow): Promise<CheckinResponse> {
    // Before anything about the ticket is told: another theater's staff learn only that it is not theirs.
    await assertTheaterAllowed(this.ctx.db, staff, t.theater_id);
    const staffId = staff.userId;
    const now = this.ctx.clock.now();
    if (t.booking_status !== 'confirmed' || t.status !== 'sold') {
      throw new TicketNotValidError(t.booking_status, t.id);
    }
    if (t.admitted_at) throw new AlreadyCheckedInError(t.admitted_at, t.id, t.time_zone, now);

    const door = this.door(t, now);
    if (door.reason) {
      throw new WrongShowtimeError({
        ...door,
        reason: door.reason,
        ticketId: t.id,
        showtimeId: t.showtime_id,
        timeZone: t.time_zone,
        now,
      });
    }

    const admittedAt = await this.repo.admit(this.ctx.db, t.id, staffId, now);
    if (!admittedAt) {
      // Lost a race: another scanner admitted it, or the booking was refunded, a moment ago.
      const again = await this.repo.findTicket(this.ctx.db, t.id);
      if (again?.admitted_at) throw new AlreadyCheckedInError(again.admitted_at, t.id, t.time_zone, now);
      throw new TicketNotValidError(again?.booking_status ?? 'gone', t.id);
    }
    return {
      ticket: {
        id: t.id,
        bookingId: t.booking_id,
        bookingReference: t.reference,
        shortCode: shortTicketCode(this.ctx.config, t.id),
        seat: { row: t.row_label, number: t.number, tier: t.tier, seatType: t.seat_type },
        showtime: this.showtimeOf(t),
      },
      admittedAt: admittedAt.toISOString(),
    };
  }
}
