import { ConflictError, DomainError, NotFoundError } from '../../http/errors.js';
import { localDay, localMoment, localTime } from './door-time.js';

export class InvalidCodeError extends DomainError {
  override name = 'InvalidCodeError';
  constructor() {
    super(
      400,
      'INVALID_CODE',
      'This is not a Matinee ticket code: scan the QR code or type the 10-character code',
    );
  }
}

export class BookingReferenceNotFoundError extends NotFoundError {
  override name = 'BookingReferenceNotFoundError';
  constructor() {
    super('Booking', 'BOOKING_NOT_FOUND');
  }
}

/** Every time in a door refusal is in the theater's zone, in words; the ISO instants stay in the details. */
export class AlreadyCheckedInError extends ConflictError {
  override name = 'AlreadyCheckedInError';
  constructor(admittedAt: Date, ticketId: string, timeZone: string, now: Date) {
    super(
      'ALREADY_CHECKED_IN',
      `This ticket was already admitted at ${localMoment(admittedAt, now, timeZone)}`,
      {
        admittedAt: admittedAt.toISOString(),
        ticketId,
        timeZone,
      },
    );
  }
}

export class TicketNotValidError extends ConflictError {
  override name = 'TicketNotValidError';
  constructor(bookingStatus: string, ticketId: string) {
    super('TICKET_NOT_VALID', `This ticket is not valid: its booking is ${bookingStatus}`, {
      bookingStatus,
      ticketId,
    });
  }
}

export type WrongShowtimeReason = 'another_day' | 'too_early' | 'ended';

export class WrongShowtimeError extends ConflictError {
  override name = 'WrongShowtimeError';
  constructor(details: {
    reason: WrongShowtimeReason;
    ticketId: string;
    showtimeId: string;
    startsAt: Date;
    doorsOpenAt: Date;
    endsAt: Date;
    /** YYYY-MM-DD in the theater's zone. */
    showtimeDate: string;
    today: string;
    timeZone: string;
    now: Date;
  }) {
    const { now, timeZone, ...rest } = details;
    super('WRONG_SHOWTIME', doorMessage(details.reason, details, now, timeZone), {
      ...rest,
      timeZone,
      startsAt: details.startsAt.toISOString(),
      doorsOpenAt: details.doorsOpenAt.toISOString(),
      endsAt: details.endsAt.toISOString(),
    });
  }
}

/** Why the door is not open for a showtime, in the theater's local time. */
export function doorMessage(
  reason: WrongShowtimeReason,
  s: { startsAt: Date; doorsOpenAt: Date; endsAt: Date },
  now: Date,
  timeZone: string,
): string {
  switch (reason) {
    case 'another_day':
      return (
        `This ticket is for ${localDay(s.startsAt, timeZone)} at ${localTime(s.startsAt, timeZone)}, ` +
        `not today (${localDay(now, timeZone)})`
      );
    case 'too_early':
      return (
        `Too early: doors open at ${localTime(s.doorsOpenAt, timeZone)} ` +
        `for the ${localTime(s.startsAt, timeZone)} showing`
      );
    case 'ended':
      return `This showing ended at ${localTime(s.endsAt, timeZone)}`;
  }
}
