import { recordAudit, type AuditActor } from '../audit/audit.repository.js';
import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/database.js';
import type { BookingRow, Database, PaymentRow } from '../../db/schema.js';
import { QUEUES } from '../../jobs/queue.js';
import { UnauthorizedError, ValidationError } from '../../http/errors.js';
import type { IdempotencyRecorder } from '../../http/idempotency.js';
import { shortTicketCode, signTicketCode } from '../checkin/ticket-codes.js';
import { mailDomain } from '../notifications/mailer.js';
import { bookingUrl } from '../notifications/notifications.messages.js';
import { recordBookingEvent, sendDeliveryJobsAfterCommit } from '../notifications/notifications.outbox.js';
import { NotificationsRepository } from '../notifications/notifications.repository.js';
import { bookingCalendar } from './booking-calendar.js';
import { luhnValid, normaliseCardNumber } from '../payments/card.js';
import { PaymentAttempts } from '../payments/payment-attempts.js';
import {
  GatewayUnavailableError,
  type CardDetails,
  type ChargeOutcome,
} from '../payments/payment-gateway.js';
import {
  InvalidCardError,
  PaymentDeclinedError,
  PaymentFailedError,
  PaymentUnavailableError,
  RefundPendingError,
} from '../payments/payments.errors.js';
import {
  AlreadyPaidError,
  CashShortError,
  NotACounterSaleError,
  CompanionSeatError,
  BookingNotConfirmedError,
  BookingNotFoundError,
  BookingNotPendingError,
  HoldDeadlineError,
  HoldExpiredError,
  PaymentInProgressError,
  SeatLimitError,
  SeatsNotFoundError,
  SeatsUnavailableError,
  ShowtimeClosedError,
  ShowtimeNotFoundError,
  ShowtimeStartedError,
  TicketAdmittedError,
  TicketNotFoundError,
  TooManyHoldsError,
  TooManyPaymentAttemptsError,
  HoldAlreadyExtendedError,
  HoldAtMaximumError,
  HoldEndedError,
  NoCalendarError,
  NoSeatsTogetherError,
  TicketCountMismatchError,
  TicketTypeNotOfferedError,
} from './bookings.errors.js';
import { BookingsRepository, type TicketView } from './bookings.repository.js';
import { AdmissionRequiredError } from '../waiting-room/waiting-room.errors.js';
import type {
  BestSeatsResponse,
  Booking,
  CardBody,
  HoldBestBody,
  HoldSeatsBody,
  Payment,
  PriceBreakdown,
  Seating,
  TicketTypeCounts,
} from './bookings.schemas.js';
import { TICKET_TYPES } from '../catalog/ticket-prices.js';
import { ticketTypeList } from './price-quote.js';
import type { TicketType } from '../../db/schema.js';
import { proposeSeats, type Proposal as SeatProposal } from './best-seats.js';
import { BestSeatsRepository } from './best-seats.repository.js';

/** A customer racing their own holds makes the hold count again; this many times at most, then 409. */
const MAX_HOLD_RECOUNTS = 5;

/** Best available: a hold that lost its seats to another reads the map again and chooses again, this often. */
const MAX_BEST_SEAT_TRIES = 8;
/** Racers that lost spread over the next 4^(try-1) proposals, at most this many, instead of all chasing one. */
const MAX_BEST_SEAT_SPREAD = 32;
/** Proposals the read-only endpoint walks through ("next proposal"). */
const PROPOSALS_LISTED = 20;

function seatingOf(p: SeatProposal): Seating {
  const message =
    p.kind === 'block'
      ? `${p.seatIds.length === 1 ? 'One seat' : `${p.seatIds.length} seats together`} in row ${p.rows[0]}` +
        (p.leavesSingle ? '. It leaves a single empty seat: no other choice was left.' : '.')
      : `No ${p.seatIds.length} seats together are left: these are split between rows ${p.rows[0]} and ` +
        `${p.rows[1]}, one group behind the other.` +
        (p.leavesSingle ? ' They leave a single empty seat: no other choice was left.' : '');
  return { kind: p.kind, leavesSingle: p.leavesSingle, rows: p.rows, message };
}

const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newReference(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length];
  return out;
}

function toPayment(p: PaymentRow): Payment {
  return {
    id: p.id,
    status: p.status === 'unknown' ? 'pending' : p.status,
    refundReason: p.refund_reason,
    method: p.method,
    amountCents: p.amount_cents,
    currency: p.currency,
    brand: p.brand,
    last4: p.last4,
    declineReason: p.decline_reason,
    createdAt: p.created_at.toISOString(),
  };
}

/**
 * One ticket type per seat, in the order adult, child, senior, student (the hold gives them to the seats in seat
 * order). No counts: every ticket adult, as before ticket types existed.
 */
export function ticketTypesFor(seats: number, counts: TicketTypeCounts | undefined): TicketType[] {
  const list = ticketTypeList(seats, counts);
  if (!list) {
    const asked = TICKET_TYPES.reduce((sum, t) => sum + (counts?.[t] ?? 0), 0);
    throw new TicketCountMismatchError(asked, seats);
  }
  return list;
}

/** The stored price of a booking, told back: the tickets by type, the fee, the tax, the total. */
function breakdownOf(b: BookingRow, tickets: TicketView[]): PriceBreakdown {
  const byType = TICKET_TYPES.map((ticketType) => {
    const of = tickets.filter((t) => t.ticket_type === ticketType);
    return { ticketType, count: of.length, subtotalCents: of.reduce((sum, t) => sum + t.price_cents, 0) };
  }).filter((l) => l.count > 0);
  return {
    byType,
    ticketsCents: b.total_cents - b.booking_fee_cents - b.tax_cents,
    bookingFeeCents: b.booking_fee_cents,
    taxRatePpm: b.tax_rate_ppm,
    taxCents: b.tax_cents,
    totalCents: b.total_cents,
  };
}

function toBooking(
  b: BookingRow,
  tickets: TicketView[],
  payments: PaymentRow[],
  extensionSetting: number,
): Booking {
  const room = Math.floor((b.max_expires_at.getTime() - b.expires_at.getTime()) / 1000);
  return {
    id: b.id,
    reference: b.reference,
    status: b.status,
    channel: b.channel,
    buyer: b.channel === 'box_office' ? { email: b.buyer_email, name: b.buyer_name } : null,
    showtimeId: b.showtime_id,
    expiresAt: b.expires_at.toISOString(),
    maxExpiresAt: b.max_expires_at.toISOString(),
    createdAt: b.created_at.toISOString(),
    confirmedAt: b.confirmed_at ? b.confirmed_at.toISOString() : null,
    extendedAt: b.extended_at ? b.extended_at.toISOString() : null,
    extensionSeconds:
      b.status === 'pending' && !b.extended_at ? Math.max(0, Math.min(extensionSetting, room)) : 0,
    tickets: tickets.map((t) => ({
      id: t.id,
      seatId: t.seat_id,
      row: t.row_label,
      number: t.number,
      tier: t.tier,
      seatType: t.seat_type,
      ticketType: t.ticket_type,
      priceCents: t.price_cents,
      status: t.status,
      admittedAt: t.admitted_at ? new Date(t.admitted_at).toISOString() : null,
    })),
    totalCents: b.total_cents,
    currency: b.currency,
    breakdown: breakdownOf(b, tickets),
    payments: payments.map(toPayment),
  };
}

interface SettleResult {
  booking: BookingRow;
  payment: PaymentRow;
  outcome: ChargeOutcome;
}

/** A box office sale: the clerk's booking, for this buyer (either may be null: a walk-in pays and goes). */
export interface CounterSale {
  buyerEmail: string | null;
  buyerName: string | null;
}
/** A clerk's limits: effectively none (the seats of the biggest auditorium, the holds of a busy evening). */
const COUNTER_HOLDS = 1_000;
const COUNTER_SEATS = 10_000;

/**
 * The booking rules: hold, pay, cancel, refund, expire, reconcile. Every state change of a booking happens in a
 * transaction that first locks the booking row; every change of a payment goes through PaymentAttempts (the
 * payment state machine). Seat availability is decided by the claim statement itself (seatIsFree, against the
 * database's now()), never by a job having run.
 */
export class BookingsService {
  private readonly repo = new BookingsRepository();
  private readonly payments: PaymentAttempts;

  constructor(private readonly ctx: AppContext) {
    this.payments = new PaymentAttempts(ctx);
  }

  /**
   * Holds seats: one statement on the happy path (BookingsRepository.hold), in a transaction with the
   * idempotency record when the request has a key. Holds are expired by the sweep (SWEEP_INTERVAL_SECONDS), not
   * by a job per hold: correctness never waits for either.
   */
  async holdSeats(
    userId: string,
    input: HoldSeatsBody,
    idem?: IdempotencyRecorder,
    sale?: CounterSale,
  ): Promise<Booking> {
    const seatIds = [...new Set(input.seatIds)].sort();
    const ticketTypes = ticketTypesFor(seatIds.length, input.ticketTypes);
    // The crowd's conflicts are answered from memory when it knows (docs/architecture.md). A hold of this
    // process already asking for one of these seats is waited for first: the database would make this one wait
    // for its row lock anyway, holding a pooled connection, and its outcome usually settles this one.
    // A hold this process committed less than half a hold's life ago has not lapsed (an extension only adds).
    const maxAge = Math.min(
      this.ctx.config.holdRefuseFromMemoryMs,
      (this.ctx.config.holdTtlSeconds * 1000) / 2,
    );
    if (maxAge <= 0) return this.holdInDatabase(userId, input, seatIds, ticketTypes, idem, sale);
    const refuseKnownTaken = (waited: 'yes' | 'no') => {
      const taken = this.ctx.seatFeed.knownTaken(input.showtimeId, seatIds, maxAge);
      if (taken && taken.length > 0) {
        this.ctx.metrics.holdsRefusedFromMemory.inc({ waited });
        throw new SeatsUnavailableError(taken);
      }
    };
    refuseKnownTaken('no');
    const done = await this.ctx.seatFeed.holdTurn(input.showtimeId, seatIds);
    try {
      refuseKnownTaken('yes');
      return await this.holdInDatabase(userId, input, seatIds, ticketTypes, idem, sale);
    } finally {
      done();
    }
  }

  /** The hold as the database decides it; touches the seat feed once it has committed. */
  private async holdInDatabase(
    userId: string,
    input: HoldSeatsBody,
    seatIds: string[],
    ticketTypes: TicketType[],
    idem?: IdempotencyRecorder,
    sale?: CounterSale,
  ): Promise<Booking> {
    const { db } = this.ctx;
    // The per-account limits stop one customer hoarding seats; a clerk sells to many buyers, one after another.
    const config = sale
      ? {
          ...this.ctx.config,
          maxActiveHoldsPerUser: COUNTER_HOLDS,
          maxSeatsPerShowtimePerUser: COUNTER_SEATS,
        }
      : this.ctx.config;
    // A token only names an entry; the statement itself checks that entry is still admitted (leaving revokes it).
    const admissionEntryId = sale ? null : await this.admissionEntry(userId, input);
    const attempt = async (q: Db | Transaction<Database>, locked = false): Promise<Booking> => {
      for (let tries = 1; ; tries++) {
        const held = await this.repo.hold(q, {
          userId,
          showtimeId: input.showtimeId,
          seatIds,
          ticketTypes,
          reference: newReference(),
          ttlSeconds: config.holdTtlSeconds,
          maxLifetimeSeconds: config.holdMaxLifetimeSeconds,
          maxActiveHolds: config.maxActiveHoldsPerUser,
          maxSeats: config.maxSeatsPerShowtimePerUser,
          companionReleaseMinutes: config.companionSeatReleaseMinutes,
          sale,
          admissionEntryId,
        });
        if (!held.userFound) {
          throw new UnauthorizedError('This account no longer exists; sign in again', 'USER_NOT_FOUND');
        }
        if (!held.showtimeFound) throw new ShowtimeNotFoundError();
        if (held.started) throw new ShowtimeClosedError();
        if (!held.admitted) throw new AdmissionRequiredError(input.showtimeId);
        // Refused before any lock or write (seats taken in the statement's snapshot): the limits were counted
        // without the customer's lock, so they are not judged; the answer is about the seats.
        if (!held.conflictInSnapshot) {
          if (!held.fresh) {
            // Another hold of this customer committed while we waited for their row: count again.
            if (tries < MAX_HOLD_RECOUNTS) continue;
            // Still racing their own holds (many at once, on a busy machine): take their row lock first, in a
            // transaction, so the statement counts under it and cannot be overtaken again. Never a wrong
            // TOO_MANY_HOLDS for a customer under the limit.
            if (!locked) {
              if (q.isTransaction) {
                await this.repo.lockCustomer(q as Transaction<Database>, userId);
                return attempt(q, true);
              }
              return db.transaction().execute(async (trx) => {
                await this.repo.lockCustomer(trx, userId);
                return attempt(trx, true);
              });
            }
          }
          if (!held.fresh || held.activeHolds >= config.maxActiveHoldsPerUser) {
            throw new TooManyHoldsError(config.maxActiveHoldsPerUser);
          }
          if (held.seatsForShowtime + seatIds.length > config.maxSeatsPerShowtimePerUser) {
            throw new SeatLimitError(config.maxSeatsPerShowtimePerUser, held.seatsForShowtime);
          }
        }
        if (held.companionsRefused.length > 0) {
          throw new CompanionSeatError(held.companionsRefused, config.companionSeatReleaseMinutes);
        }
        if (held.refusedTypes.length > 0) throw new TicketTypeNotOfferedError(held.refusedTypes);
        if (!held.booking) {
          const existing = new Set(held.existing);
          const unknown = seatIds.filter((id) => !existing.has(id));
          if (unknown.length > 0) throw new SeatsNotFoundError(unknown);
          throw new SeatsUnavailableError(held.taken);
        }
        return toBooking(held.booking, held.tickets, [], config.holdExtensionSeconds);
      }
    };
    const booking = idem
      ? await db.transaction().execute(async (trx) => {
          const result = await attempt(trx);
          await idem.record(trx, 201, { booking: result });
          return result;
        })
      : await attempt(db);
    this.ctx.seatFeed.touch(
      input.showtimeId,
      booking.tickets.map((t) => t.seatId),
    );
    return booking;
  }

  /** The waiting-room entry a valid admission token of this account for this showtime names, if any. */
  private async admissionEntry(
    userId: string,
    input: { showtimeId: string; admissionToken?: string },
  ): Promise<string | null> {
    if (input.admissionToken === undefined) return null;
    const verified = await this.ctx.tokens.verifyAdmissionToken(input.admissionToken);
    if (!verified.ok) return null;
    const { claims } = verified;
    return claims.userId === userId && claims.showtimeId === input.showtimeId ? claims.entryId : null;
  }

  async getBooking(userId: string, bookingId: string): Promise<Booking> {
    const b = await this.repo.findBooking(this.ctx.db, bookingId, userId);
    if (!b) throw new BookingNotFoundError();
    return (await this.hydrate([b]))[0]!;
  }

  /** The .ics of one of the caller's confirmed bookings (the same entry as the confirmation email's). */
  async bookingCalendar(userId: string, bookingId: string): Promise<{ filename: string; content: string }> {
    const b = await this.repo.findBooking(this.ctx.db, bookingId, userId);
    if (!b) throw new BookingNotFoundError();
    if (b.status !== 'confirmed') throw new NoCalendarError(b.status);
    const view = await new NotificationsRepository().bookingView(this.ctx.db, b.id);
    if (!view) throw new BookingNotFoundError();
    return {
      filename: `matinee-${view.booking.reference}.ics`,
      content: bookingCalendar(view, {
        domain: mailDomain(this.ctx.config.mail.from),
        bookingUrl: bookingUrl(this.ctx.config.publicUrl, b.id),
      }),
    };
  }

  async listBookings(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ bookings: Booking[]; nextCursor: string | null }> {
    let after: { createdAt: Date; id: string } | undefined;
    if (cursor) {
      const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
      const createdAt = new Date(ts ?? '');
      if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
        throw new ValidationError('The cursor is not valid', { fields: [{ field: 'querystring.cursor' }] });
      }
      after = { createdAt, id };
    }
    const rows = await this.repo.listBookings(this.ctx.db, userId, limit, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url')
        : null;
    return { bookings: await this.hydrate(page), nextCursor };
  }

  async getTicket(userId: string, ticketId: string) {
    const t = await this.repo.findTicket(this.ctx.db, ticketId, userId);
    if (!t) throw new TicketNotFoundError();
    return {
      id: t.id,
      bookingId: t.booking_id,
      bookingReference: t.reference,
      showtimeId: t.showtime_id,
      seat: { id: t.seat_id, row: t.row_label, number: t.number, tier: t.tier, seatType: t.seat_type },
      status: t.status,
      admittedAt: t.admitted_at ? t.admitted_at.toISOString() : null,
      ...(t.status === 'confirmed'
        ? { code: signTicketCode(this.ctx.config, t.id), shortCode: shortTicketCode(this.ctx.config, t.id) }
        : {}),
    };
  }

  /** Cancels a pending hold; its seats are free the moment this commits. */
  async cancel(userId: string, bookingId: string): Promise<Booking> {
    const showtimeId = await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId, userId);
      if (!b) throw new BookingNotFoundError();
      if (b.status === 'cancelled') return null;
      if (b.status !== 'pending') throw new BookingNotPendingError(b.status);
      // A charge call still talking to the gateway may buy these seats in a moment: let it finish. An attempt
      // whose outcome is unknown does not block: if it charged after all, settling it refunds the charge.
      if ((await this.payments.ofBooking(trx, bookingId)).some((p) => this.isLiveCall(p))) {
        throw new PaymentInProgressError();
      }
      await this.repo.releaseSeats(trx, bookingId);
      await this.repo.closeBooking(trx, bookingId, 'cancelled');
      return b.showtime_id;
    });
    if (showtimeId) this.ctx.seatFeed.touch(showtimeId);
    return this.getBooking(userId, bookingId);
  }

  private isLiveCall(p: PaymentRow & { age_seconds: number }): boolean {
    return p.status === 'pending' && p.age_seconds < this.payments.liveCallSeconds;
  }

  private isOpen(p: PaymentRow & { age_seconds: number }): boolean {
    return p.status === 'unknown' || (p.status === 'pending' && !this.isLiveCall(p));
  }

  /**
   * Pays for a pending hold. Attempts whose outcome we never heard are asked about first (one of them may have
   * paid already). A new attempt is recorded, with the key we send to the gateway, before the gateway is called.
   * A new attempt may start while an earlier one is `unknown`: if both charge, the second charge to settle is
   * refunded automatically, so at most one charge per booking is kept.
   */
  async pay(
    userId: string,
    bookingId: string,
    body: CardBody,
    idem?: IdempotencyRecorder,
  ): Promise<{ booking: Booking; payment: Payment }> {
    const digits = normaliseCardNumber(body.card.number);
    if (!luhnValid(digits)) throw new InvalidCardError();
    const card: CardDetails = {
      number: digits,
      expMonth: body.card.expMonth,
      expYear: body.card.expYear,
      cvc: body.card.cvc,
    };
    // The happy path's first attempt is one statement; anything else takes the general path.
    const first =
      this.ctx.config.maxPaymentAttemptsPerHold >= 2
        ? await this.payments.startFirst(this.ctx.paymentDb, {
            bookingId,
            userId,
            cardDigits: digits,
            holdSeconds: this.payments.liveCallSeconds,
          })
        : undefined;
    const attempt = first
      ? { kind: 'started' as const, payment: first, reference: first.reference }
      : await this.startAttempt(userId, bookingId, digits);
    if (attempt.kind === 'paid') return attempt.result;

    const outcome = await this.payments.charge(attempt.payment, card, `Matinee booking ${attempt.reference}`);
    if (outcome === 'unknown') {
      await this.payments.move(this.ctx.paymentDb, attempt.payment.id, 'unknown');
      this.ctx.logger.warn(
        { bookingId, paymentId: attempt.payment.id },
        'payment gateway did not answer in time',
      );
      this.ctx.metrics.payments.inc({ outcome: 'unavailable' });
      throw new PaymentUnavailableError();
    }
    await this.ctx.faults.afterCharge?.(bookingId);

    if (outcome.status === 'succeeded') {
      const paid = await this.confirmPaid(attempt.payment, outcome.chargeId, idem);
      if (paid) {
        this.ctx.metrics.payments.inc({ outcome: 'succeeded' });
        return paid;
      }
    }
    const settled = await this.settle(attempt.payment.id, outcome, idem);
    this.ctx.metrics.payments.inc({ outcome: settled.outcome.status });
    switch (settled.outcome.status) {
      case 'declined':
        throw new PaymentDeclinedError(settled.outcome.reason);
      case 'failed':
        throw new PaymentFailedError(settled.outcome.reason);
      case 'succeeded':
        break;
    }
    if (settled.booking.status !== 'confirmed') throw new HoldExpiredError(); // refunded by settle()
    return this.paidResult(userId, bookingId);
  }

  /**
   * Takes cash for a box office hold (the clerk's own booking): under the booking lock, only a live hold whose
   * seats are all still held by it is sold, exactly as a card payment's success is kept. Idempotent for a
   * booking already paid in cash (a retried request answers the same sale).
   */
  async payCash(
    clerk: AuditActor,
    bookingId: string,
    tenderedCents: number,
  ): Promise<{ booking: Booking; payment: Payment; changeCents: number }> {
    const clerkId = clerk.userId;
    const showtimeId = await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId, clerkId);
      if (!b) throw new BookingNotFoundError();
      if (b.channel !== 'box_office') throw new NotACounterSaleError();
      const kept = (await this.payments.ofBooking(trx, bookingId)).find((p) => p.status === 'succeeded');
      if (b.status === 'confirmed' && kept?.method === 'cash') return null;
      switch (b.status) {
        case 'confirmed':
          throw new AlreadyPaidError();
        case 'expired':
          throw new HoldExpiredError();
        case 'cancelled':
        case 'refunded':
          throw new BookingNotPendingError(b.status);
        case 'pending':
          break;
      }
      if (b.expired_now) throw new HoldExpiredError();
      if (tenderedCents < b.total_cents) throw new CashShortError(b.total_cents, tenderedCents, b.currency);
      // A card attempt of this hold may still be in flight; cash must not make a second sale of it.
      if ((await this.payments.ofBooking(trx, bookingId)).some((p) => this.isLiveCall(p) || this.isOpen(p))) {
        throw new PaymentInProgressError();
      }
      const seats = await this.repo.lockHeldSeats(trx, b.id);
      if (!(seats.tickets > 0 && seats.heldSeats === seats.tickets && seats.heldTickets === seats.tickets)) {
        throw new HoldExpiredError();
      }
      await this.payments.recordCash(trx, {
        bookingId: b.id,
        userId: clerkId,
        amountCents: b.total_cents,
        currency: b.currency,
        tenderedCents,
      });
      await this.repo.sellSeats(trx, b.id);
      await recordBookingEvent(trx, this.ctx, b.id, 'booking.confirmed');
      // Cash in the till is accounted for per clerk: the sale is in the audit log, with what was handed over.
      await recordAudit(trx, clerk, {
        action: 'booking.cash_sale',
        subjectType: 'booking',
        subjectId: b.id,
        after: {
          reference: b.reference,
          totalCents: b.total_cents,
          currency: b.currency,
          tenderedCents,
          changeCents: tenderedCents - b.total_cents,
        },
      });
      return b.showtime_id;
    });
    if (showtimeId) {
      this.ctx.seatFeed.touch(showtimeId);
      this.ctx.metrics.payments.inc({ outcome: 'succeeded' });
    }
    const paid = await this.paidResult(clerkId, bookingId);
    const tendered = (await this.payments.ofBooking(this.ctx.db, bookingId)).find((p) => p.method === 'cash');
    return { ...paid, changeCents: (tendered?.tendered_cents ?? tenderedCents) - paid.booking.totalCents };
  }

  /**
   * Starts a payment attempt the general way: settles this customer's earlier attempts whose outcome we never
   * heard (one may have paid the booking), then, under the booking lock, refuses what must be refused (paid,
   * ended, a call in flight, too many attempts, no time left before the hard deadline) and records the attempt.
   */
  private async startAttempt(
    userId: string,
    bookingId: string,
    digits: string,
  ): Promise<
    | { kind: 'paid'; result: { booking: Booking; payment: Payment } }
    | { kind: 'started'; payment: PaymentRow; reference: string }
  > {
    // Only this customer's own attempts are settled here; someone else's booking answers 404 below.
    if ((await this.settleOpenAttempts(bookingId, userId)) === 'confirmed') {
      return { kind: 'paid', result: await this.paidResult(userId, bookingId) };
    }

    const { config } = this.ctx;
    const attempt = await this.ctx.paymentDb.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId, userId);
      if (!b) throw new BookingNotFoundError();
      switch (b.status) {
        case 'confirmed':
          throw new AlreadyPaidError();
        case 'expired':
          throw new HoldExpiredError();
        case 'cancelled':
        case 'refunded':
          throw new BookingNotPendingError(b.status);
        case 'pending':
          break;
      }
      if (b.expired_now) return { expired: true as const };
      const attempts = await this.payments.ofBooking(trx, bookingId);
      if (attempts.some((p) => this.isLiveCall(p))) throw new PaymentInProgressError();
      if (attempts.length >= config.maxPaymentAttemptsPerHold) {
        throw new TooManyPaymentAttemptsError(config.maxPaymentAttemptsPerHold);
      }
      // The hold must outlast the charge call, and the hard deadline must leave room for it.
      if (!(await this.repo.extendHold(trx, bookingId, this.payments.liveCallSeconds))) {
        throw new HoldDeadlineError(b.max_expires_at);
      }
      // An attempt still `pending` whose caller died is unknown now; it keeps its key and is settled by it.
      for (const p of attempts.filter((a) => this.isOpen(a) && a.status === 'pending')) {
        await this.payments.move(trx, p.id, 'unknown');
      }
      const payment = await this.payments.start(trx, {
        bookingId,
        userId,
        amountCents: b.total_cents,
        currency: b.currency,
        cardDigits: digits,
      });
      return { expired: false as const, payment, reference: b.reference };
    });

    if (attempt.expired) {
      if ((await this.expireHold(bookingId)) === 'reconciled') {
        return { kind: 'paid', result: await this.paidResult(userId, bookingId) };
      }
      throw new HoldExpiredError();
    }
    return { kind: 'started', payment: attempt.payment, reference: attempt.reference };
  }

  /**
   * The happy ending of a charge: the booking confirmed and its notifications' outbox rows written by one
   * statement (BookingsRepository.confirmPaid), so they commit together: one round trip in autocommit, or,
   * when the request has an idempotency key, BEGIN, that statement, the idempotent answer, COMMIT (the answer
   * commits with the confirmation). The rows' delivery jobs are queued after commit, not awaited
   * (sendDeliveryJobsAfterCommit); a job lost then is queued by the outbox sweep. Undefined when anything is not
   * as expected; the caller then settles the general way, which decides every other case.
   */
  private async confirmPaid(
    payment: PaymentRow,
    chargeId: string,
    idem?: IdempotencyRecorder,
  ): Promise<{ booking: Booking; payment: Payment } | undefined> {
    const confirm = async (q: Db | Transaction<Database>) => {
      const r = await this.repo.confirmPaid(q, {
        bookingId: payment.booking_id,
        paymentId: payment.id,
        chargeId,
        outbox: { mailDomain: mailDomain(this.ctx.config.mail.from), smsEnabled: this.ctx.sms !== undefined },
      });
      if (!r) return undefined;
      const booking = toBooking(r.booking, r.tickets, r.payments, this.ctx.config.holdExtensionSeconds);
      const result = { booking, payment: booking.payments.find((p) => p.id === payment.id)! };
      return { result, showtimeId: r.booking.showtime_id, notificationIds: r.notificationIds };
    };
    const paid = idem
      ? await this.ctx.paymentDb.transaction().execute(async (trx) => {
          const done = await confirm(trx);
          if (done) await idem.record(trx, 200, done.result);
          return done;
        })
      : await confirm(this.ctx.paymentDb);
    if (!paid) return undefined;
    void sendDeliveryJobsAfterCommit(this.ctx, paid.notificationIds);
    this.ctx.seatFeed.touch(paid.showtimeId, []); // held seats sold: nothing freed
    return paid.result;
  }

  /** The answer for a booking that is paid: the booking and the charge it keeps. */
  private async paidResult(
    userId: string,
    bookingId: string,
    db: Db | Transaction<Database> = this.ctx.db,
  ): Promise<{ booking: Booking; payment: Payment }> {
    const b = await this.repo.findBooking(db, bookingId, userId);
    if (!b) throw new BookingNotFoundError();
    const [booking] = await this.hydrate([b], db);
    const payment = booking!.payments.find((p) => p.status === 'succeeded');
    if (booking!.status !== 'confirmed' || !payment) throw new HoldExpiredError();
    return { booking: booking!, payment };
  }

  /**
   * Asks the gateway about this booking's attempts whose outcome we never heard, settling those it knows.
   * Returns the booking's status afterwards, or undefined when there was nothing to ask (no query for it then).
   * A gateway that does not answer leaves them as they are.
   */
  private async settleOpenAttempts(bookingId: string, userId?: string): Promise<string | undefined> {
    const open = (await this.payments.ofBooking(this.ctx.db, bookingId)).filter(
      (a) => this.isOpen(a) && (userId === undefined || a.user_id === userId),
    );
    if (open.length === 0) return undefined; // the common case: nothing to ask, nothing re-read
    for (const p of open) {
      await this.reconcilePayment(p.id).catch((err: unknown) => {
        this.ctx.logger.warn({ err, paymentId: p.id }, 'could not settle an open payment attempt yet');
      });
    }
    return (await this.repo.findBooking(this.ctx.db, bookingId))?.status;
  }

  /**
   * Records a gateway outcome for a payment attempt. A success buys the booking only while its hold is valid
   * and every ticket's seat is still held by it, checked under the locks of those seats; otherwise (paid already
   * by another attempt, hold ended, a seat taken) the charge is refunded and the customer is told.
   * Idempotent: settling the same attempt twice changes nothing the second time.
   */
  async settle(paymentId: string, outcome: ChargeOutcome, idem?: IdempotencyRecorder): Promise<SettleResult> {
    const result = await this.ctx.paymentDb.transaction().execute(async (trx) => {
      const p0 = await this.payments.find(trx, paymentId);
      if (!p0) throw new Error(`payment ${paymentId} vanished`);
      const b = await this.repo.lockBooking(trx, p0.booking_id);
      if (!b) throw new BookingNotFoundError();
      const payment = (await this.payments.find(trx, paymentId, { lock: true }))!;
      if (payment.status !== 'pending' && payment.status !== 'unknown') {
        return { booking: b, payment, refund: false };
      }
      if (outcome.status !== 'succeeded') {
        const moved = await this.payments.move(
          trx,
          paymentId,
          outcome.status,
          this.payments.outcomeFields(outcome),
        );
        if (outcome.status === 'declined')
          await idem?.recordError(trx, new PaymentDeclinedError(outcome.reason));
        return { booking: b, payment: moved!, refund: false };
      }

      const attempts = await this.payments.ofBooking(trx, b.id);
      if (attempts.some((p) => p.status === 'succeeded')) {
        const moved = await this.payments.requestRefund(trx, paymentId, 'duplicate_charge', outcome.chargeId);
        await recordBookingEvent(trx, this.ctx, b.id, 'payment.refunded');
        return { booking: b, payment: moved!, refund: true };
      }
      if (b.status === 'pending' && !b.expired_now) {
        const seats = await this.repo.lockHeldSeats(trx, b.id);
        if (seats.tickets > 0 && seats.heldSeats === seats.tickets && seats.heldTickets === seats.tickets) {
          const moved = await this.payments.move(trx, paymentId, 'succeeded', {
            charge_id: outcome.chargeId,
          });
          await this.repo.sellSeats(trx, b.id);
          await recordBookingEvent(trx, this.ctx, b.id, 'booking.confirmed');
          if (idem) await idem.record(trx, 200, await this.paidResult(b.user_id, b.id, trx));
          return { booking: b, payment: moved!, refund: false };
        }
      }

      const moved = await this.payments.requestRefund(trx, paymentId, 'hold_ended', outcome.chargeId);
      if (b.status === 'pending') {
        await this.expireLocked(trx, b.id); // its message says the charge is refunded
      } else {
        await recordBookingEvent(trx, this.ctx, b.id, 'payment.refunded');
      }
      return { booking: b, payment: moved!, refund: true };
    });
    this.ctx.seatFeed.touch(result.booking.showtime_id); // sold, released, or unchanged (a cheap re-read)

    if (result.refund) {
      this.ctx.logger.warn(
        { paymentId, bookingId: result.booking.id },
        'charge could not be kept for its booking: refunding',
      );
      await this.finishRefund(paymentId);
    }
    const payment = (await this.payments.find(this.ctx.db, paymentId))!;
    const booking = (await this.repo.findBooking(this.ctx.db, result.booking.id))!;
    return { booking, payment, outcome };
  }

  /** Finishes a refund now if the gateway answers; otherwise the sweep finishes it. Returns whether it did. */
  private async finishRefund(paymentId: string): Promise<boolean> {
    try {
      await this.payments.completeRefund(paymentId);
      return true;
    } catch (err) {
      if (!(err instanceof GatewayUnavailableError)) throw err;
      this.ctx.logger.warn(
        { err, paymentId },
        'refund not confirmed by the gateway yet; the sweep retries it',
      );
      return false;
    }
  }

  /**
   * Refunds a confirmed booking whose showtime has not started and none of whose tickets was scanned. The
   * refund is committed (seats back on sale, charge marked refund_pending) before the gateway is called; if the
   * gateway does not answer, the answer is 503 REFUND_PENDING and the sweep completes it.
   */
  async refund(userId: string, bookingId: string): Promise<Booking> {
    await this.refundConfirmed(bookingId, { userId });
    return this.getBooking(userId, bookingId);
  }

  /**
   * An operator's refund (the sales console): the same refund as a customer's (the charge marked refund_pending
   * in the transaction that frees the seats, then the gateway, or cash at once), of anyone's booking, also once
   * the showtime has started or a ticket was scanned (a screening that failed), with the reason `operator`.
   * `audit` runs in that transaction, under the booking's lock, with the booking as it was.
   * Throws REFUND_PENDING (503) when the gateway did not answer; the refund is committed and the sweep ends it.
   */
  async refundByOperator(
    bookingId: string,
    audit: (trx: Transaction<Database>, before: BookingRow) => Promise<void>,
  ): Promise<void> {
    await this.refundConfirmed(bookingId, { audit });
  }

  private async refundConfirmed(
    bookingId: string,
    by: { userId: string } | { audit: (trx: Transaction<Database>, before: BookingRow) => Promise<void> },
  ): Promise<void> {
    const customer = 'userId' in by ? by.userId : undefined;
    const refunded = await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId, customer);
      if (!b) throw new BookingNotFoundError();
      if (b.status === 'refunded' && customer) return null;
      if (b.status !== 'confirmed') throw new BookingNotConfirmedError(b.status);
      if (customer) {
        const started = await trx
          .selectFrom('showtimes')
          .select(sql<boolean>`starts_at <= now()`.as('started'))
          .where('id', '=', b.showtime_id)
          .executeTakeFirstOrThrow();
        if (started.started) throw new ShowtimeStartedError();
        // Admission locks the booking row too (FOR SHARE), so a scan and a refund cannot both win.
        if ((await this.repo.admittedTickets(trx, bookingId)) > 0) throw new TicketAdmittedError();
      }
      const kept = (await this.payments.ofBooking(trx, bookingId)).find((p) => p.status === 'succeeded');
      if (!kept) throw new BookingNotConfirmedError(b.status);
      await this.payments.requestRefund(trx, kept.id, customer ? 'customer' : 'operator');
      await this.repo.releaseSeats(trx, bookingId);
      await this.repo.closeBooking(trx, bookingId, 'refunded');
      await recordBookingEvent(trx, this.ctx, bookingId, 'booking.refunded');
      if ('audit' in by) await by.audit(trx, b);
      return { paymentId: kept.id, showtimeId: b.showtime_id };
    });
    if (refunded) this.ctx.seatFeed.touch(refunded.showtimeId);
    const paymentId = refunded?.paymentId;
    if (paymentId && !(await this.finishRefund(paymentId))) throw new RefundPendingError(bookingId);
  }

  /**
   * An operator ends a hold now (the sales console: a hold stuck at a counter, a customer on the phone): its
   * seats are free when this commits, the booking `cancelled`. A live charge call is let finish, as for a
   * customer's cancel (409 PAYMENT_IN_PROGRESS); an attempt whose outcome is unknown does not block (a charge
   * that lands later is refunded when it is settled). `audit` runs in the same transaction.
   */
  async releaseHoldByOperator(
    bookingId: string,
    audit: (trx: Transaction<Database>, before: BookingRow) => Promise<void>,
  ): Promise<void> {
    const showtimeId = await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId);
      if (!b) throw new BookingNotFoundError();
      if (b.status !== 'pending') throw new BookingNotPendingError(b.status);
      if ((await this.payments.ofBooking(trx, bookingId)).some((p) => this.isLiveCall(p))) {
        throw new PaymentInProgressError();
      }
      await this.repo.releaseSeats(trx, bookingId);
      await this.repo.closeBooking(trx, bookingId, 'cancelled');
      await audit(trx, b);
      return b.showtime_id;
    });
    this.ctx.seatFeed.touch(showtimeId);
  }

  /**
   * Ends a pending hold whose time is up (the sweep calls this, and pay() on a lapsed hold). Attempts whose outcome is
   * unknown are asked about first, so a customer whose charge landed in time is confirmed, not expired; a charge
   * that lands after the hold ended is refunded when it is settled. A live charge call postpones the expiry.
   */
  async expireHold(bookingId: string): Promise<'expired' | 'not-due' | 'not-pending' | 'reconciled'> {
    const due = await sql<{ status: string; due: boolean }>`
      SELECT status, expires_at <= now() AS due FROM bookings WHERE id = ${bookingId}`.execute(this.ctx.db);
    const row = due.rows[0];
    if (!row || row.status !== 'pending') return 'not-pending';
    if (row.due && (await this.settleOpenAttempts(bookingId)) === 'confirmed') return 'reconciled';

    const step = await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId);
      if (!b || b.status !== 'pending') {
        return { kind: b?.status === 'confirmed' ? ('reconciled' as const) : ('not-pending' as const) };
      }
      if (!b.expired_now) return { kind: 'not-due' as const, at: b.expires_at };
      const live = (await this.payments.ofBooking(trx, bookingId)).find((p) => this.isLiveCall(p));
      if (live) {
        const at = new Date(Date.now() + (this.payments.liveCallSeconds - live.age_seconds + 1) * 1000);
        return { kind: 'not-due' as const, at };
      }
      await this.expireLocked(trx, bookingId);
      return { kind: 'expired' as const, showtimeId: b.showtime_id };
    });
    if (step.kind === 'expired') this.ctx.seatFeed.touch(step.showtimeId);
    if (step.kind === 'not-due') {
      await this.ctx.jobs.send(
        QUEUES.expireHold,
        { bookingId },
        { startAfter: step.at, singletonKey: `expire:${bookingId}:${step.at.getTime()}` },
      );
    }
    return step.kind;
  }

  private async expireLocked(trx: Transaction<Database>, bookingId: string): Promise<void> {
    await this.repo.releaseSeats(trx, bookingId);
    await this.repo.closeBooking(trx, bookingId, 'expired');
    await recordBookingEvent(trx, this.ctx, bookingId, 'booking.expired');
  }

  /**
   * Moves an attempt that is not settled on: asks the gateway by key about an attempt whose outcome we never
   * heard (it stays `unknown` until the settlement window has passed with no record), and finishes a refund.
   * Throws GatewayUnavailableError when the gateway cannot be asked, so the sweep counts and retries it.
   */
  async reconcilePayment(paymentId: string): Promise<string> {
    const p = await this.payments.find(this.ctx.db, paymentId);
    if (!p) return 'missing';
    if (p.status === 'refund_pending') {
      const done = await this.payments.completeRefund(p.id);
      return done?.status ?? 'missing';
    }
    if (!this.isOpen(p)) return p.status;
    const look = await this.payments.lookup(p);
    switch (look.kind) {
      case 'found':
        return (await this.settle(p.id, look.outcome)).payment.status;
      case 'not-yet':
        if (p.status === 'pending') await this.payments.move(this.ctx.db, p.id, 'unknown');
        return 'unknown';
      case 'never-charged': {
        const moved = await this.payments.move(this.ctx.db, p.id, 'failed', {
          decline_reason: 'no_charge_at_gateway',
        });
        return moved?.status ?? 'failed';
      }
      case 'unavailable':
        throw new GatewayUnavailableError(`could not ask the gateway about payment ${p.id}`);
    }
  }

  /** Expires due holds in batches, settles unknown payments, finishes refunds. Returns counts for logs. */
  async sweep(
    limit = 200,
  ): Promise<{ expired: number; reconciled: number; refunded: number; failed: number }> {
    const { db } = this.ctx;
    let reconciled = 0;
    let refunded = 0;
    let failed = 0;
    // One item failing (the gateway is down, a lock times out) must not stop the others: holds keep expiring.
    const attempt = async (what: string, id: string, work: () => Promise<unknown>) => {
      try {
        await work();
        return true;
      } catch (err) {
        failed++;
        this.ctx.metrics.sweepFailures.inc();
        this.ctx.logger.warn({ err, id }, `sweep: ${what} failed; the next sweep retries it`);
        return false;
      }
    };
    const open = await db
      .selectFrom('payments')
      .select(['id', 'status'])
      .where((eb) =>
        eb.or([
          eb('status', '=', 'unknown'),
          eb.and([
            eb('status', '=', 'pending'),
            eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${this.payments.liveCallSeconds})`),
          ]),
          // A refund the request path has had time to finish (it calls the gateway with the same deadline).
          eb.and([
            eb('status', '=', 'refund_pending'),
            eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${this.payments.liveCallSeconds})`),
          ]),
        ]),
      )
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    for (const p of open) {
      const ok = await attempt('settle payment', p.id, () => this.reconcilePayment(p.id));
      if (ok && p.status === 'refund_pending') refunded++;
      else if (ok) reconciled++;
    }
    const due = await db
      .selectFrom('bookings')
      .select('id')
      .where('status', '=', 'pending')
      .where('expires_at', '<=', sql<Date>`now()`)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    let expired = 0;
    for (const b of due) {
      await attempt('expire hold', b.id, async () => {
        if ((await this.expireHold(b.id)) === 'expired') expired++;
      });
    }
    await db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<', sql<Date>`now()`)
      .execute();
    return { expired, reconciled, refunded, failed };
  }

  /**
   * Best available, held: reads every seat's status (fresh), chooses by the booking rule (best-seats.ts) and
   * holds the choice through holdSeats, the one-statement hold with the customer's limits. A hold that lost a
   * seat to someone else reads and chooses again, spreading over the next proposals so that racers do not all
   * chase the same block; NO_SEATS_TOGETHER only when no block or split is left.
   */
  async holdBestSeats(
    userId: string,
    input: HoldBestBody,
    idem?: IdempotencyRecorder,
  ): Promise<{ booking: Booking; seating: Seating }> {
    ticketTypesFor(input.count, input.ticketTypes); // a mismatch is refused before the map is read
    for (let tries = 1; ; tries++) {
      const spread = Math.min(4 ** (tries - 1), MAX_BEST_SEAT_SPREAD);
      const proposals = await this.proposals(input.showtimeId, input.count, input.tier, spread);
      const proposal = proposals[Math.floor(Math.random() * proposals.length)];
      if (!proposal) throw new NoSeatsTogetherError(input.count, input.tier);
      try {
        const booking = await this.holdSeats(
          userId,
          {
            showtimeId: input.showtimeId,
            seatIds: proposal.seatIds,
            ticketTypes: input.ticketTypes,
            admissionToken: input.admissionToken,
          },
          idem,
        );
        return { booking, seating: seatingOf(proposal) };
      } catch (err) {
        if (err instanceof SeatsUnavailableError && tries < MAX_BEST_SEAT_TRIES) continue;
        throw err;
      }
    }
  }

  /** The proposal number `skip` (0: the best) for `count` seats, read-only: the web app's "next proposal". */
  async proposeBestSeats(
    showtimeId: string,
    count: number,
    tier: HoldBestBody['tier'],
    skip: number,
  ): Promise<BestSeatsResponse> {
    const proposals = await this.proposals(showtimeId, count, tier, PROPOSALS_LISTED);
    const proposal = proposals[skip];
    return {
      proposal: proposal
        ? { seatIds: proposal.seatIds, totalCents: proposal.totalCents, seating: seatingOf(proposal) }
        : null,
      index: skip,
      available: proposals.length,
    };
  }

  private async proposals(
    showtimeId: string,
    count: number,
    tier: HoldBestBody['tier'],
    limit: number,
  ): Promise<SeatProposal[]> {
    const room = await new BestSeatsRepository().readRoom(this.ctx.db, showtimeId);
    if (!room) throw new ShowtimeNotFoundError();
    if (room.started) throw new ShowtimeClosedError();
    return proposeSeats(room.seats, { count, tier }, limit);
  }

  /**
   * Gives a pending hold more time, once (HOLD_EXTENSION_SECONDS, never past its hard deadline): one
   * conditional UPDATE decides (BookingsRepository.extendOnce); when it changes nothing, a read says why.
   */
  async extendHoldOnce(userId: string, bookingId: string, again = true): Promise<Booking> {
    const extended = await this.repo.extendOnce(this.ctx.db, {
      bookingId,
      userId,
      seconds: this.ctx.config.holdExtensionSeconds,
    });
    if (extended) {
      // Statuses are unchanged, but the live seat map's hold ends are not: let it read them again.
      this.ctx.seatFeed.touch(extended.showtime_id, []); // a later hold end: nothing freed
      return (await this.hydrate([extended]))[0]!;
    }
    const why = await this.repo.extensionRefusal(this.ctx.db, bookingId, userId);
    if (!why) throw new BookingNotFoundError();
    if (why.status === 'confirmed') throw new AlreadyPaidError();
    if (why.status === 'expired' || (why.status === 'pending' && why.ended)) throw new HoldEndedError();
    if (why.status !== 'pending') throw new BookingNotPendingError(why.status);
    if (why.extended) throw new HoldAlreadyExtendedError();
    if (why.atMaximum) throw new HoldAtMaximumError(why.maxExpiresAt);
    // Cannot happen (each refusal above only ever stays true); if it ever did, one more try settles it.
    if (again) return this.extendHoldOnce(userId, bookingId, false);
    throw new BookingNotPendingError(why.status);
  }

  private async hydrate(
    rows: BookingRow[],
    db: Db | Transaction<Database> = this.ctx.db,
  ): Promise<Booking[]> {
    const ids = rows.map((r) => r.id);
    const [tickets, payments] = await Promise.all([
      this.repo.ticketsOf(db, ids),
      this.repo.paymentsOf(db, ids),
    ]);
    return rows.map((r) =>
      toBooking(
        r,
        tickets.filter((t) => t.booking_id === r.id),
        payments.filter((p) => p.booking_id === r.id),
        this.ctx.config.holdExtensionSeconds,
      ),
    );
  }
}
