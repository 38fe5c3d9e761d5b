import { ConflictError, DomainError, NotFoundError } from '../../http/errors.js';

export class ShowtimeNotFoundError extends NotFoundError {
  override name = 'ShowtimeNotFoundError';
  constructor() {
    super('Showtime', 'SHOWTIME_NOT_FOUND');
  }
}

export class BookingNotFoundError extends NotFoundError {
  override name = 'BookingNotFoundError';
  constructor() {
    super('Booking', 'BOOKING_NOT_FOUND');
  }
}

export class TicketNotFoundError extends NotFoundError {
  override name = 'TicketNotFoundError';
  constructor() {
    super('Ticket', 'TICKET_NOT_FOUND');
  }
}

export class SeatsUnavailableError extends ConflictError {
  override name = 'SeatsUnavailableError';
  constructor(seatIds: string[]) {
    super('SEATS_UNAVAILABLE', 'Some of these seats were just taken; choose others', { seatIds });
  }
}

export class CompanionSeatError extends ConflictError {
  override name = 'CompanionSeatError';
  constructor(seatIds: string[], releaseMinutes: number) {
    super(
      'COMPANION_SEAT_RESERVED',
      `Companion seats are kept for a wheelchair user's companion: choose them together with the wheelchair space beside them. They go on sale to everyone ${releaseMinutes} minutes before the showtime.`,
      { seatIds },
    );
  }
}

export class SeatsNotFoundError extends DomainError {
  override name = 'SeatsNotFoundError';
  constructor(seatIds: string[]) {
    super(404, 'SEATS_NOT_FOUND', 'Some of these seats are not in this showtime', { seatIds });
  }
}

export class ShowtimeClosedError extends ConflictError {
  override name = 'ShowtimeClosedError';
  constructor() {
    super('SHOWTIME_CLOSED', 'This showtime has already started');
  }
}

export class TooManyHoldsError extends ConflictError {
  override name = 'TooManyHoldsError';
  constructor(max: number) {
    super(
      'TOO_MANY_HOLDS',
      `You already hold seats in ${max} pending bookings; pay for or cancel one first`,
      { max },
    );
  }
}

export class HoldExpiredError extends DomainError {
  override name = 'HoldExpiredError';
  constructor() {
    super(
      410,
      'HOLD_EXPIRED',
      'The hold on these seats has ended. If your card was charged for it, the charge is refunded in full. Start again.',
    );
  }
}

export class HoldDeadlineError extends DomainError {
  override name = 'HoldDeadlineError';
  constructor(maxExpiresAt: Date) {
    super(
      410,
      'HOLD_DEADLINE_REACHED',
      'This hold is too close to its time limit for a payment to finish; nothing was charged. Start again.',
      { maxExpiresAt: maxExpiresAt.toISOString() },
    );
  }
}

export class SeatLimitError extends ConflictError {
  override name = 'SeatLimitError';
  constructor(max: number, already: number) {
    super(
      'SEAT_LIMIT_REACHED',
      `One customer may hold or buy at most ${max} seats for a showtime; you already have ${already}`,
      { max, already },
    );
  }
}

export class TooManyPaymentAttemptsError extends ConflictError {
  override name = 'TooManyPaymentAttemptsError';
  constructor(max: number) {
    super(
      'TOO_MANY_PAYMENT_ATTEMPTS',
      `This hold has had ${max} payment attempts; cancel it or let it expire and start again`,
      { max },
    );
  }
}

export class TicketAdmittedError extends ConflictError {
  override name = 'TicketAdmittedError';
  constructor() {
    super(
      'TICKET_ADMITTED',
      'A ticket of this booking has been scanned at the door; it can no longer be refunded',
    );
  }
}

export class AlreadyPaidError extends ConflictError {
  override name = 'AlreadyPaidError';
  constructor() {
    super('ALREADY_PAID', 'This booking is already paid');
  }
}

export class BookingNotPendingError extends ConflictError {
  override name = 'BookingNotPendingError';
  constructor(status: string) {
    super('BOOKING_NOT_PENDING', `This booking is ${status}`, { status });
  }
}

export class BookingNotConfirmedError extends ConflictError {
  override name = 'BookingNotConfirmedError';
  constructor(status: string) {
    super('BOOKING_NOT_CONFIRMED', `Only a confirmed booking can be refunded; this one is ${status}`, {
      status,
    });
  }
}

export class ShowtimeStartedError extends ConflictError {
  override name = 'ShowtimeStartedError';
  constructor() {
    super('SHOWTIME_STARTED', 'The showtime has started; it can no longer be refunded');
  }
}

export class PaymentInProgressError extends ConflictError {
  override name = 'PaymentInProgressError';
  constructor() {
    super(
      'PAYMENT_IN_PROGRESS',
      'A payment for this booking is being processed; check the booking in a moment',
    );
  }
}

export class NoSeatsTogetherError extends ConflictError {
  override name = 'NoSeatsTogetherError';
  constructor(count: number, tier?: string) {
    super(
      'NO_SEATS_TOGETHER',
      `No ${count} ${tier ? `${tier} ` : ''}seats together are left for this showtime (not even in two groups in adjacent rows); pick seats by hand or try fewer`,
      { count, ...(tier ? { tier } : {}) },
    );
  }
}

export class HoldAlreadyExtendedError extends ConflictError {
  override name = 'HoldAlreadyExtendedError';
  constructor() {
    super('HOLD_ALREADY_EXTENDED', 'This hold has already been given more time once');
  }
}

export class HoldAtMaximumError extends ConflictError {
  override name = 'HoldAtMaximumError';
  constructor(maxExpiresAt: Date) {
    super('HOLD_AT_MAXIMUM', 'This hold already lasts as long as a hold may', {
      maxExpiresAt: maxExpiresAt.toISOString(),
    });
  }
}

export class HoldEndedError extends ConflictError {
  override name = 'HoldEndedError';
  constructor() {
    super('HOLD_ENDED', 'The hold on these seats has ended; it cannot be given more time. Start again.');
  }
}

export class TicketCountMismatchError extends DomainError {
  override name = 'TicketCountMismatchError';
  constructor(tickets: number, seats: number) {
    super(
      400,
      'TICKET_COUNT_MISMATCH',
      `The ticket types add up to ${tickets} ticket${tickets === 1 ? '' : 's'} for ${seats} seat${seats === 1 ? '' : 's'}: choose one ticket type per seat`,
      { tickets, seats },
    );
  }
}

export class TicketTypeNotOfferedError extends DomainError {
  override name = 'TicketTypeNotOfferedError';
  constructor(ticketTypes: string[]) {
    super(400, 'TICKET_TYPE_NOT_OFFERED', `This showtime does not offer ${ticketTypes.join(', ')} tickets`, {
      ticketTypes,
    });
  }
}

export class NoCalendarError extends ConflictError {
  override name = 'NoCalendarError';
  constructor(status: string) {
    super('BOOKING_NOT_CONFIRMED', `Only a confirmed booking goes in a calendar; this one is ${status}`, {
      status,
    });
  }
}

export class CashShortError extends DomainError {
  override name = 'CashShortError';
  constructor(totalCents: number, tenderedCents: number, currency: string) {
    super(400, 'CASH_SHORT', 'The cash handed over is less than the total', {
      totalCents,
      tenderedCents,
      currency,
    });
  }
}

export class NotACounterSaleError extends ConflictError {
  override name = 'NotACounterSaleError';
  constructor() {
    super('NOT_A_COUNTER_SALE', 'Cash is taken only for bookings made at the box office');
  }
}
