import { ConflictError, DomainError } from '../../http/errors.js';

export class InvalidCodeError extends DomainError {
  override name = 'InvalidCodeError';
  constructor() {
    super(400, 'INVALID_CODE', 'This is not a Matinee ticket code');
  }
}

export class AlreadyCheckedInError extends ConflictError {
  override name = 'AlreadyCheckedInError';
  constructor(admittedAt: Date, ticketId: string) {
    super('ALREADY_CHECKED_IN', `This ticket was already admitted at ${admittedAt.toISOString()}`, {
      admittedAt: admittedAt.toISOString(),
      ticketId,
    });
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
    showtimeDate: string;
    today: string;
  }) {
    const message =
      details.reason === 'another_day'
        ? `This ticket is for ${details.showtimeDate}, not today (${details.today})`
        : details.reason === 'too_early'
          ? `Too early: doors open at ${details.doorsOpenAt.toISOString()}`
          : 'This showtime has already ended';
    super('WRONG_SHOWTIME', message, {
      ...details,
      startsAt: details.startsAt.toISOString(),
      doorsOpenAt: details.doorsOpenAt.toISOString(),
      endsAt: details.endsAt.toISOString(),
    });
  }
}
