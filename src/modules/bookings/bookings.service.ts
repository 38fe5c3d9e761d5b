import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.js';
import type { BookingRow, Database, PaymentRow } from '../../db/schema.js';
import { QUEUES } from '../../jobs/queue.js';
import { ValidationError } from '../../http/errors.js';
import { signTicketCode } from '../checkin/ticket-codes.js';
import { tierPrices } from '../catalog/catalog.service.js';
import { recordBookingEvent } from '../notifications/notifications.outbox.js';
import { cardBrand, last4, luhnValid, normaliseCardNumber } from '../payments/card.js';
import {
  GatewayUnavailableError,
  withDeadline,
  type CardDetails,
  type ChargeOutcome,
} from '../payments/payment-gateway.js';
import {
  InvalidCardError,
  PaymentDeclinedError,
  PaymentFailedError,
  PaymentUnavailableError,
} from '../payments/payments.errors.js';
import {
  AlreadyPaidError,
  BookingNotConfirmedError,
  BookingNotFoundError,
  BookingNotPendingError,
  HoldExpiredError,
  PaymentInProgressError,
  SeatsNotFoundError,
  SeatsUnavailableError,
  ShowtimeClosedError,
  ShowtimeNotFoundError,
  ShowtimeStartedError,
  TicketNotFoundError,
  TooManyHoldsError,
} from './bookings.errors.js';
import { BookingsRepository, type TicketView } from './bookings.repository.js';
import type { Booking, CardBody, HoldBody, Payment } from './bookings.schemas.js';

/** While a charge is in flight the hold is kept at least this long, so the seats cannot slip away mid-payment. */
const PAYMENT_GRACE_SECONDS = 120;
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
    amountCents: p.amount_cents,
    currency: p.currency,
    brand: p.brand,
    last4: p.last4,
    declineReason: p.decline_reason,
    createdAt: p.created_at.toISOString(),
  };
}

function toBooking(b: BookingRow, tickets: TicketView[], payments: PaymentRow[]): Booking {
  return {
    id: b.id,
    reference: b.reference,
    status: b.status,
    showtimeId: b.showtime_id,
    expiresAt: b.expires_at.toISOString(),
    createdAt: b.created_at.toISOString(),
    confirmedAt: b.confirmed_at ? b.confirmed_at.toISOString() : null,
    tickets: tickets.map((t) => ({
      id: t.id,
      seatId: t.seat_id,
      row: t.row_label,
      number: t.number,
      tier: t.tier,
      priceCents: t.price_cents,
      status: t.status,
    })),
    totalCents: b.total_cents,
    currency: b.currency,
    payments: payments.map(toPayment),
  };
}

type SettleResult = { booking: BookingRow; payment: PaymentRow; outcome: ChargeOutcome };

/**
 * The booking rules: hold, pay, cancel, refund, expire, reconcile. Every state change of a booking happens
 * in a transaction that first locks the booking row; seat availability is decided by the claim statement
 * itself (status and hold_expires_at compared with the database's now()), never by a job having run.
 */
export class BookingsService {
  private readonly repo = new BookingsRepository();

  constructor(private readonly ctx: AppContext) {}

  async holdSeats(userId: string, input: HoldBody): Promise<Booking> {
    const seatIds = [...new Set(input.seatIds)].sort();
    const { db, config } = this.ctx;
    // Six statements in one transaction; the booking is answered from what they return, no re-read.
    return db.transaction().execute(async (trx) => {
      const showtime = await this.repo.findShowtimeForHold(trx, input.showtimeId);
      if (!showtime) throw new ShowtimeNotFoundError();
      if (showtime.started) throw new ShowtimeClosedError();

      if ((await this.repo.lockUserAndCountHolds(trx, userId)) >= config.maxActiveHoldsPerUser) {
        throw new TooManyHoldsError(config.maxActiveHoldsPerUser);
      }

      const booking = await this.repo.insertBooking(trx, {
        reference: newReference(),
        userId,
        showtimeId: input.showtimeId,
        ttlSeconds: config.holdTtlSeconds,
        currency: showtime.currency,
      });
      const claimed = await this.repo.claimSeats(trx, {
        showtimeId: input.showtimeId,
        seatIds,
        bookingId: booking.id,
        expiresAt: booking.expires_at,
      });
      if (claimed.length !== seatIds.length) {
        const existing = new Set(await this.repo.existingSeatIds(trx, input.showtimeId, seatIds));
        const unknown = seatIds.filter((id) => !existing.has(id));
        if (unknown.length > 0) throw new SeatsNotFoundError(unknown);
        const got = new Set(claimed.map((c) => c.seatId));
        throw new SeatsUnavailableError(seatIds.filter((id) => !got.has(id)));
      }
      if (claimed.some((c) => c.takenFromExpiredHold)) {
        await this.repo.voidStaleTickets(trx, input.showtimeId, seatIds, booking.id);
      }
      const { tickets, totalCents } = await this.repo.insertTickets(
        trx,
        booking.id,
        input.showtimeId,
        seatIds,
        tierPrices(showtime),
      );
      await this.ctx.jobs.sendInTransaction(
        trx,
        QUEUES.expireHold,
        { bookingId: booking.id },
        { startAfter: booking.expires_at, singletonKey: `expire:${booking.id}` },
      );
      return toBooking({ ...booking, total_cents: totalCents }, tickets, []);
    });
  }

  async getBooking(userId: string, bookingId: string): Promise<Booking> {
    const b = await this.repo.findBooking(this.ctx.db, bookingId, userId);
    if (!b) throw new BookingNotFoundError();
    return (await this.hydrate([b]))[0]!;
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
      seat: { id: t.seat_id, row: t.row_label, number: t.number, tier: t.tier },
      status: t.status,
      ...(t.status === 'confirmed' ? { code: signTicketCode(this.ctx.config, t.id) } : {}),
    };
  }

  /** Cancels a pending hold; its seats are free the moment this commits. */
  async cancel(userId: string, bookingId: string): Promise<Booking> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId, userId);
      if (!b) throw new BookingNotFoundError();
      if (b.status === 'cancelled') return;
      if (b.status !== 'pending') throw new BookingNotPendingError(b.status);
      if (await this.repo.inFlightPayment(trx, bookingId)) throw new PaymentInProgressError();
      await this.repo.releaseSeats(trx, bookingId);
      await this.repo.closeBooking(trx, bookingId, 'cancelled');
    });
    return this.getBooking(userId, bookingId);
  }

  /**
   * Pays for a pending hold. The attempt (with the key we send to the gateway) is committed before the gateway
   * is called; after a timeout or crash the same key is used again, so the gateway never charges twice.
   */
  async pay(
    userId: string,
    bookingId: string,
    body: CardBody,
  ): Promise<{ booking: Booking; payment: Payment }> {
    const digits = normaliseCardNumber(body.card.number);
    if (!luhnValid(digits)) throw new InvalidCardError();
    const card: CardDetails = {
      number: digits,
      expMonth: body.card.expMonth,
      expYear: body.card.expYear,
      cvc: body.card.cvc,
    };

    const attempt = await this.ctx.db.transaction().execute(async (trx) => {
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
      const inFlight = await this.repo.inFlightPayment(trx, bookingId);
      // Time is up: never start a charge now. An attempt still in flight is settled by key in expireHold.
      if (b.expired_now) return { expired: true as const };
      if (inFlight) {
        const stale = inFlight.age_seconds * 1000 > this.ctx.config.paymentTimeoutMs + 5_000;
        if (inFlight.status === 'pending' && !stale) throw new PaymentInProgressError();
        // An earlier call timed out or its process died: resume it with the same gateway key.
        const resumed = await trx
          .updateTable('payments')
          .set({ status: 'pending', updated_at: sql`now()` })
          .where('id', '=', inFlight.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.repo.extendHold(trx, bookingId, PAYMENT_GRACE_SECONDS);
        return { expired: false as const, payment: resumed, booking: b };
      }
      const payment = await trx
        .insertInto('payments')
        .values({
          booking_id: bookingId,
          user_id: userId,
          gateway_key: `mt_pay_${randomUUID()}`,
          status: 'pending',
          amount_cents: b.total_cents,
          currency: b.currency,
          brand: cardBrand(digits),
          last4: last4(digits),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.repo.extendHold(trx, bookingId, PAYMENT_GRACE_SECONDS);
      return { expired: false as const, payment, booking: b };
    });

    if (attempt.expired) {
      if ((await this.expireHold(bookingId)) === 'reconciled') return this.paidResult(userId, bookingId);
      throw new HoldExpiredError();
    }

    let outcome: ChargeOutcome;
    try {
      outcome = await withDeadline(
        this.ctx.gateway.charge({
          idempotencyKey: attempt.payment.gateway_key,
          amountCents: attempt.payment.amount_cents,
          currency: attempt.payment.currency,
          card,
          description: `Matinee booking ${attempt.booking.reference}`,
        }),
        this.ctx.config.paymentTimeoutMs,
      );
    } catch (err) {
      if (!(err instanceof GatewayUnavailableError)) throw err;
      await this.ctx.db
        .updateTable('payments')
        .set({ status: 'unknown', updated_at: sql`now()` })
        .where('id', '=', attempt.payment.id)
        .where('status', '=', 'pending')
        .execute();
      this.ctx.logger.warn(
        { bookingId, paymentId: attempt.payment.id },
        'payment gateway did not answer in time',
      );
      this.ctx.metrics.payments.inc({ outcome: 'unavailable' });
      throw new PaymentUnavailableError();
    }
    await this.ctx.faults.afterCharge?.(bookingId);

    const settled = await this.settle(attempt.payment.id, outcome);
    this.ctx.metrics.payments.inc({ outcome: settled.outcome.status });
    switch (settled.outcome.status) {
      case 'declined':
        throw new PaymentDeclinedError(settled.outcome.reason);
      case 'failed':
        throw new PaymentFailedError(settled.outcome.reason);
      case 'succeeded':
        break;
    }
    if (settled.booking.status !== 'confirmed') {
      // Paid, but the seats were gone: the charge has been (or will be) refunded by settle().
      throw new HoldExpiredError();
    }
    const [booking] = await this.hydrate([settled.booking]);
    return { booking: booking!, payment: toPayment(settled.payment) };
  }

  private async paidResult(
    userId: string,
    bookingId: string,
  ): Promise<{ booking: Booking; payment: Payment }> {
    const booking = await this.getBooking(userId, bookingId);
    const payment = booking.payments.find((p) => p.status === 'succeeded');
    if (booking.status !== 'confirmed' || !payment) throw new HoldExpiredError();
    return { booking, payment };
  }

  /**
   * Records a gateway outcome for a payment attempt and, on success, confirms its booking — or, when the
   * booking can no longer be confirmed (seats gone, already paid by another attempt), refunds the charge.
   * Idempotent: settling the same outcome twice changes nothing the second time.
   */
  async settle(paymentId: string, outcome: ChargeOutcome): Promise<SettleResult> {
    const result = await this.ctx.db.transaction().execute(async (trx) => {
      const p0 = await trx
        .selectFrom('payments')
        .select('booking_id')
        .where('id', '=', paymentId)
        .executeTakeFirstOrThrow();
      const b = await this.repo.lockBooking(trx, p0.booking_id);
      if (!b) throw new BookingNotFoundError();
      const payment = await trx
        .selectFrom('payments')
        .selectAll()
        .where('id', '=', paymentId)
        .forUpdate()
        .executeTakeFirstOrThrow();

      if (payment.status !== 'pending' && payment.status !== 'unknown') {
        return { booking: b, payment, needsRefund: false };
      }
      if (outcome.status !== 'succeeded') {
        const updated = await trx
          .updateTable('payments')
          .set({
            status: outcome.status,
            charge_id: outcome.chargeId,
            decline_reason: outcome.reason,
            updated_at: sql`now()`,
          })
          .where('id', '=', paymentId)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { booking: b, payment: updated, needsRefund: false };
      }

      const alreadyPaid = await this.repo.succeededPayment(trx, b.id);
      const seatsIntact =
        b.status === 'pending' &&
        !alreadyPaid &&
        (await this.repo.countHeldSeats(trx, b.id)) === (await this.repo.countTickets(trx, b.id));

      if (seatsIntact) {
        const updated = await trx
          .updateTable('payments')
          .set({ status: 'succeeded', charge_id: outcome.chargeId, updated_at: sql`now()` })
          .where('id', '=', paymentId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.repo.sellSeats(trx, b.id);
        await recordBookingEvent(trx, this.ctx, b.id, 'booking.confirmed');
        const confirmed = await this.repo.findBooking(trx, b.id);
        return { booking: confirmed!, payment: updated, needsRefund: false };
      }

      // Charged but not confirmable. Keep the money trail (charge id, refund intent) and give it back.
      const updated = await trx
        .updateTable('payments')
        .set({
          status: alreadyPaid ? 'failed' : 'succeeded',
          charge_id: outcome.chargeId,
          refund_id: `pending:${paymentId}`,
          decline_reason: alreadyPaid ? 'duplicate_charge' : 'seats_released',
          updated_at: sql`now()`,
        })
        .where('id', '=', paymentId)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (b.status === 'pending') {
        await this.repo.releaseSeats(trx, b.id);
        await this.repo.closeBooking(trx, b.id, 'expired');
        await recordBookingEvent(trx, this.ctx, b.id, 'booking.expired');
      }
      const after = await this.repo.findBooking(trx, b.id);
      return { booking: after!, payment: updated, needsRefund: true };
    });

    if (result.needsRefund && outcome.status === 'succeeded') {
      this.ctx.logger.warn(
        { paymentId, chargeId: outcome.chargeId },
        'charge could not confirm its booking: refunding',
      );
      await this.refundOrphanCharge(paymentId);
    }
    const payment = await this.ctx.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .executeTakeFirstOrThrow();
    const booking = await this.repo.findBooking(this.ctx.db, result.booking.id);
    return { booking: booking!, payment, outcome };
  }

  /** Gives back a charge that could not buy its seats. Safe to repeat: the refund key is fixed per payment. */
  async refundOrphanCharge(paymentId: string): Promise<void> {
    const p = await this.ctx.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .executeTakeFirstOrThrow();
    if (!p.charge_id || !p.refund_id?.startsWith('pending:')) return;
    const refund = await this.ctx.gateway.refund(p.charge_id, {
      idempotencyKey: `mt_refund_${p.id}`,
      amountCents: p.amount_cents,
    });
    await this.ctx.db
      .updateTable('payments')
      .set({
        status: p.status === 'succeeded' ? 'refunded' : p.status,
        refund_id: refund.refundId,
        updated_at: sql`now()`,
      })
      .where('id', '=', p.id)
      .where('refund_id', '=', p.refund_id)
      .execute();
  }

  /** Refunds a confirmed booking whose showtime has not started; its seats go back on sale. */
  async refund(userId: string, bookingId: string): Promise<Booking> {
    const intent = await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, bookingId, userId);
      if (!b) throw new BookingNotFoundError();
      if (b.status === 'refunded') return null;
      if (b.status !== 'confirmed') throw new BookingNotConfirmedError(b.status);
      const started = await trx
        .selectFrom('showtimes')
        .select(sql<boolean>`starts_at <= now()`.as('started'))
        .where('id', '=', b.showtime_id)
        .executeTakeFirstOrThrow();
      if (started.started) throw new ShowtimeStartedError();
      const paid = await this.repo.succeededPayment(trx, bookingId);
      if (!paid?.charge_id) throw new BookingNotConfirmedError(b.status);
      // Record the intent first: if we crash after the gateway refunds, the sweep finishes the job.
      await trx
        .updateTable('payments')
        .set({ refund_id: sql`coalesce(refund_id, ${`requested:${paid.id}`})` })
        .where('id', '=', paid.id)
        .execute();
      return paid;
    });
    if (intent) await this.completeRefund(intent.id);
    return this.getBooking(userId, bookingId);
  }

  /** Calls the gateway (idempotent key per payment) and then returns the seats; repeatable after a crash. */
  async completeRefund(paymentId: string): Promise<void> {
    const p = await this.ctx.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .executeTakeFirstOrThrow();
    if (p.status !== 'succeeded' || !p.charge_id) return;
    const refund = await this.ctx.gateway.refund(p.charge_id, {
      idempotencyKey: `mt_refund_${p.id}`,
      amountCents: p.amount_cents,
    });
    await this.ctx.db.transaction().execute(async (trx) => {
      const b = await this.repo.lockBooking(trx, p.booking_id);
      if (!b || b.status !== 'confirmed') return;
      await trx
        .updateTable('payments')
        .set({ status: 'refunded', refund_id: refund.refundId, updated_at: sql`now()` })
        .where('id', '=', p.id)
        .execute();
      await this.repo.releaseSeats(trx, b.id);
      await this.repo.closeBooking(trx, b.id, 'refunded');
      await recordBookingEvent(trx, this.ctx, b.id, 'booking.refunded');
    });
  }

  /**
   * Expires a pending hold whose time is up (the expiry job and the sweep call this). A hold with a payment in
   * flight is first settled with the gateway, so a customer who paid is never expired.
   * Returns what happened, for logs and tests.
   */
  async expireHold(bookingId: string): Promise<'expired' | 'not-due' | 'not-pending' | 'reconciled'> {
    for (let round = 0; round < 2; round++) {
      const step = await this.ctx.db.transaction().execute(async (trx) => {
        const b = await this.repo.lockBooking(trx, bookingId);
        if (!b || b.status !== 'pending') return { kind: 'not-pending' as const };
        if (!b.expired_now) return { kind: 'not-due' as const, expiresAt: b.expires_at };
        const inFlight = await this.repo.inFlightPayment(trx, bookingId);
        if (inFlight) return { kind: 'in-flight' as const, paymentId: inFlight.id };
        await this.expireLocked(trx, bookingId);
        return { kind: 'expired' as const };
      });
      switch (step.kind) {
        case 'not-pending':
        case 'expired':
          return step.kind;
        case 'not-due':
          // The hold was extended (a payment started): check again when it is due.
          await this.ctx.jobs.send(
            QUEUES.expireHold,
            { bookingId },
            { startAfter: step.expiresAt, singletonKey: `expire:${bookingId}:${step.expiresAt.getTime()}` },
          );
          return 'not-due';
        case 'in-flight': {
          const status = await this.reconcilePayment(step.paymentId, { force: true });
          if (status === 'succeeded') return 'reconciled';
          break;
        }
      }
    }
    return 'not-due';
  }

  private async expireLocked(trx: Transaction<Database>, bookingId: string): Promise<void> {
    await this.repo.releaseSeats(trx, bookingId);
    await this.repo.closeBooking(trx, bookingId, 'expired');
    await recordBookingEvent(trx, this.ctx, bookingId, 'booking.expired');
  }

  /**
   * Settles a payment attempt whose outcome we never recorded (timeout, crash) by asking the gateway by key.
   * Not found at the gateway means the charge never happened: the attempt is marked failed.
   */
  async reconcilePayment(paymentId: string, opts: { force?: boolean } = {}): Promise<string> {
    const p = await this.ctx.db
      .selectFrom('payments')
      .selectAll()
      .select(sql<number>`extract(epoch from now() - updated_at)`.as('age_seconds'))
      .where('id', '=', paymentId)
      .executeTakeFirst();
    if (!p || (p.status !== 'pending' && p.status !== 'unknown')) return p?.status ?? 'missing';
    const stale = p.age_seconds * 1000 > this.ctx.config.paymentTimeoutMs + 5_000;
    if (p.status === 'pending' && !stale && !opts.force) return 'pending';
    const outcome = await this.ctx.gateway.findCharge(p.gateway_key);
    if (outcome) {
      const settled = await this.settle(p.id, outcome);
      return settled.payment.status;
    }
    if (p.status === 'pending' && !stale) return 'pending'; // a live request is still talking to the gateway
    await this.ctx.db
      .updateTable('payments')
      .set({ status: 'failed', decline_reason: 'no_charge_at_gateway', updated_at: sql`now()` })
      .where('id', '=', p.id)
      .where('status', 'in', ['pending', 'unknown'])
      .execute();
    return 'failed';
  }

  /** The periodic safety net behind the per-hold expiry jobs. Returns counts for logs. */
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
    const stalePayments = await db
      .selectFrom('payments')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('status', '=', 'unknown'),
          eb.and([
            eb('status', '=', 'pending'),
            eb(
              'updated_at',
              '<',
              sql<Date>`now() - make_interval(secs => ${(this.ctx.config.paymentTimeoutMs + 5_000) / 1000})`,
            ),
          ]),
        ]),
      )
      .limit(limit)
      .execute();
    for (const p of stalePayments) {
      if (await attempt('reconcile payment', p.id, () => this.reconcilePayment(p.id))) reconciled++;
    }
    const unfinishedRefunds = await db
      .selectFrom('payments')
      .select(['id', 'refund_id'])
      .where((eb) => eb.or([eb('refund_id', 'like', 'pending:%'), eb('refund_id', 'like', 'requested:%')]))
      .where('updated_at', '<', sql<Date>`now() - interval '30 seconds'`)
      .limit(limit)
      .execute();
    for (const p of unfinishedRefunds) {
      const finish = () =>
        p.refund_id?.startsWith('pending:') ? this.refundOrphanCharge(p.id) : this.completeRefund(p.id);
      if (await attempt('finish refund', p.id, finish)) refunded++;
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

  private async hydrate(rows: BookingRow[]): Promise<Booking[]> {
    const ids = rows.map((r) => r.id);
    const [tickets, payments] = await Promise.all([
      this.repo.ticketsOf(this.ctx.db, ids),
      this.repo.paymentsOf(this.ctx.db, ids),
    ]);
    return rows.map((r) =>
      toBooking(
        r,
        tickets.filter((t) => t.booking_id === r.id),
        payments.filter((p) => p.booking_id === r.id),
      ),
    );
  }
}
