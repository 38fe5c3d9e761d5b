import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AppContext } from '../../context.js';
import { executePrepared, PG, pgErrorCode } from '../../db/database.js';
import type { Database, PaymentRow, PaymentStatus, RefundReason } from '../../db/schema.js';
import { cardBrand, last4 } from './card.js';
import {
  GatewayUnavailableError,
  withDeadline,
  type CardDetails,
  type ChargeOutcome,
  type RefundResult,
} from './payment-gateway.js';

type Q = Kysely<Database> | Transaction<Database>;

/**
 * The payment state machine, written once. Every status change of a payment attempt goes through `move`,
 * which refuses any transition not listed here (the UPDATE is conditional on the current status).
 *
 *   pending ──timeout/crash──> unknown ──(asked by key)──> succeeded | declined | failed | refund_pending
 *      └──────────answer────────> succeeded | declined | failed | refund_pending
 *   succeeded ──customer/operator refund──> refund_pending ──gateway confirms──> refunded
 *
 * `unknown` is a state, not a failure: the charge may still land. It becomes `failed` only when the gateway
 * has no record of it after the settlement window (PAYMENT_SETTLEMENT_WINDOW_SECONDS).
 */
export const TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  pending: ['unknown', 'succeeded', 'declined', 'failed', 'refund_pending'],
  unknown: ['succeeded', 'declined', 'failed', 'refund_pending'],
  succeeded: ['refund_pending'],
  refund_pending: ['refunded'],
  declined: [],
  failed: [],
  refunded: [],
};

/** Statuses a payment may be in to move to `to`. */
export function sourcesOf(to: PaymentStatus): PaymentStatus[] {
  return (Object.keys(TRANSITIONS) as PaymentStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}

export type MoveFields = Partial<
  Pick<PaymentRow, 'charge_id' | 'refund_id' | 'decline_reason' | 'refund_reason'>
>;

/** The payment row plus how long ago it last changed and was created, by the database's clock. */
export type AttemptRow = PaymentRow & { age_seconds: number; created_seconds_ago: number };

/** The outcome of asking the gateway about an attempt by its key. */
export type Lookup =
  | { kind: 'found'; outcome: ChargeOutcome }
  | { kind: 'not-yet' }
  | { kind: 'never-charged' }
  | { kind: 'unavailable' };

/** Payment attempts: their rows, their transitions and every call to the gateway, each with a deadline. */
export class PaymentAttempts {
  constructor(private readonly ctx: AppContext) {}

  /** A live charge call lasts at most the gateway deadline; past this an attempt still `pending` lost its caller. */
  get liveCallSeconds(): number {
    return this.ctx.config.paymentTimeoutMs / 1000 + 5;
  }

  private withAges(db: Q) {
    return db
      .selectFrom('payments')
      .selectAll()
      .select(sql<number>`extract(epoch from now() - updated_at)::float8`.as('age_seconds'))
      .select(sql<number>`extract(epoch from now() - created_at)::float8`.as('created_seconds_ago'));
  }

  async find(db: Q, paymentId: string, opts: { lock?: boolean } = {}): Promise<AttemptRow | undefined> {
    const q = this.withAges(db).where('id', '=', paymentId);
    return opts.lock ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst();
  }

  async ofBooking(db: Q, bookingId: string): Promise<AttemptRow[]> {
    return this.withAges(db).where('booking_id', '=', bookingId).orderBy('created_at').execute();
  }

  /** Records a new attempt (with the key the gateway deduplicates on) before the gateway is ever called. */
  async start(
    trx: Transaction<Database>,
    a: { bookingId: string; userId: string; amountCents: number; currency: string; cardDigits: string },
  ): Promise<PaymentRow> {
    return trx
      .insertInto('payments')
      .values({
        booking_id: a.bookingId,
        user_id: a.userId,
        gateway_key: `mt_pay_${randomUUID()}`,
        status: 'pending',
        amount_cents: a.amountCents,
        currency: a.currency,
        brand: cardBrand(a.cardDigits),
        last4: last4(a.cardDigits),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Cash taken at the box office: kept at once (no gateway), with what was handed over for the till. */
  async recordCash(
    trx: Transaction<Database>,
    a: { bookingId: string; userId: string; amountCents: number; currency: string; tenderedCents: number },
  ): Promise<PaymentRow> {
    return trx
      .insertInto('payments')
      .values({
        booking_id: a.bookingId,
        user_id: a.userId,
        gateway_key: `mt_cash_${a.bookingId}`,
        status: 'succeeded',
        method: 'cash',
        tendered_cents: a.tenderedCents,
        amount_cents: a.amountCents,
        currency: a.currency,
        brand: 'cash',
        last4: '----',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * The first attempt of a hold in one autocommit statement: keeps the hold for the call (never past its hard
   * deadline) and records the attempt, only when the booking is this customer's live hold with no attempt yet.
   * Undefined otherwise, and for a concurrent attempt (the one-live-call index refuses it): the caller then takes
   * the general path, which settles earlier attempts, counts them and says what is wrong. Later attempts always
   * take that path, so the attempt count is read after the booking lock there.
   */
  async startFirst(
    db: Q,
    a: { bookingId: string; userId: string; cardDigits: string; holdSeconds: number },
  ): Promise<(PaymentRow & { reference: string }) | undefined> {
    try {
      const r = await executePrepared(
        db,
        sql<PaymentRow & { reference: string }>`
        WITH b AS (
          UPDATE bookings
             SET expires_at = greatest(expires_at, now() + make_interval(secs => ${a.holdSeconds})),
                 updated_at = now()
           WHERE id = ${a.bookingId} AND user_id = ${a.userId} AND status = 'pending' AND expires_at > now()
             AND now() + make_interval(secs => ${a.holdSeconds}) <= max_expires_at
             AND NOT EXISTS (SELECT 1 FROM payments WHERE booking_id = ${a.bookingId})
          RETURNING id, reference, total_cents, currency
        ), p AS (
          INSERT INTO payments (booking_id, user_id, gateway_key, status, amount_cents, currency, brand, last4)
          SELECT b.id, ${a.userId}, ${`mt_pay_${randomUUID()}`}, 'pending', b.total_cents, b.currency,
                 ${cardBrand(a.cardDigits)}, ${last4(a.cardDigits)}
            FROM b
          RETURNING *
        )
        SELECT p.*, b.reference FROM p CROSS JOIN b`,
      );
      return r.rows[0];
    } catch (err) {
      if (pgErrorCode(err) === PG.uniqueViolation) return undefined;
      throw err;
    }
  }

  /** The one way a payment's status changes. Undefined when the payment was not in a state that allows it. */
  async move(
    db: Q,
    paymentId: string,
    to: PaymentStatus,
    fields: MoveFields = {},
  ): Promise<PaymentRow | undefined> {
    return db
      .updateTable('payments')
      .set({ ...fields, status: to, updated_at: sql`now()` })
      .where('id', '=', paymentId)
      .where('status', 'in', sourcesOf(to))
      .returningAll()
      .executeTakeFirst();
  }

  /** Records a gateway answer: declined/failed are final; a success is kept only by the caller's decision. */
  outcomeFields(outcome: ChargeOutcome): MoveFields {
    return outcome.status === 'succeeded'
      ? { charge_id: outcome.chargeId }
      : { charge_id: outcome.chargeId, decline_reason: outcome.reason };
  }

  /** Charges with a deadline; `unknown` when the gateway did not answer in time (it may still charge). */
  async charge(
    payment: PaymentRow,
    card: CardDetails,
    description: string,
  ): Promise<ChargeOutcome | 'unknown'> {
    try {
      return await withDeadline(
        this.ctx.gateway.charge({
          idempotencyKey: payment.gateway_key,
          amountCents: payment.amount_cents,
          currency: payment.currency,
          card,
          description,
        }),
        this.ctx.config.paymentTimeoutMs,
      );
    } catch (err) {
      // Whatever went wrong (deadline, network, an error from the gateway's side), the request may have
      // reached the gateway: the outcome is unknown, asked about by key later, never a 500.
      if (!(err instanceof GatewayUnavailableError)) {
        this.ctx.logger.warn({ err, paymentId: payment.id }, 'payment gateway call failed');
      }
      return 'unknown';
    }
  }

  /**
   * Asks the gateway about an attempt by its key. "No record" means "never charged" only once the attempt is
   * older than the settlement window; before that the charge may still land.
   */
  async lookup(payment: AttemptRow): Promise<Lookup> {
    let outcome: ChargeOutcome | null;
    try {
      outcome = await withDeadline(
        this.ctx.gateway.findCharge(payment.gateway_key),
        this.ctx.config.paymentTimeoutMs,
      );
    } catch (err) {
      this.ctx.logger.warn({ err, paymentId: payment.id }, 'payment lookup failed');
      return { kind: 'unavailable' };
    }
    if (outcome) return { kind: 'found', outcome };
    return payment.created_seconds_ago > this.ctx.config.paymentSettlementWindowSeconds
      ? { kind: 'never-charged' }
      : { kind: 'not-yet' };
  }

  /** Refunds a charge in full; the key is fixed per payment, so repeating it never refunds twice. */
  async refundAtGateway(payment: PaymentRow): Promise<RefundResult> {
    if (!payment.charge_id) throw new Error(`payment ${payment.id} has no charge to refund`);
    return withDeadline(
      this.ctx.gateway.refund(payment.charge_id, {
        idempotencyKey: `mt_refund_${payment.id}`,
        amountCents: payment.amount_cents,
      }),
      this.ctx.config.paymentTimeoutMs,
    );
  }

  /** Marks a charge to be given back; the money trail (charge id, reason) stays on the row. */
  async requestRefund(
    db: Q,
    paymentId: string,
    reason: RefundReason,
    chargeId?: string,
  ): Promise<PaymentRow | undefined> {
    return this.move(db, paymentId, 'refund_pending', {
      refund_reason: reason,
      ...(chargeId ? { charge_id: chargeId } : {}),
    });
  }

  /**
   * Finishes a refund: calls the gateway and records it. Throws GatewayUnavailableError when the gateway does
   * not answer; the refund stays `refund_pending` and the sweep finishes it.
   */
  async completeRefund(paymentId: string): Promise<PaymentRow | undefined> {
    const p = await this.find(this.ctx.db, paymentId);
    if (!p || p.status !== 'refund_pending') return p;
    // Cash is handed back at the counter when the refund is made: there is no gateway to wait for.
    if (p.method === 'cash') {
      return (
        (await this.move(this.ctx.db, p.id, 'refunded', { refund_id: `cash_${p.id}` })) ??
        (await this.find(this.ctx.db, p.id))
      );
    }
    let refund: RefundResult;
    try {
      refund = await this.refundAtGateway(p);
    } catch (err) {
      if (err instanceof GatewayUnavailableError) throw err;
      throw new GatewayUnavailableError(`refund failed at the gateway: ${(err as Error).message}`);
    }
    return (
      (await this.move(this.ctx.db, p.id, 'refunded', { refund_id: refund.refundId })) ??
      (await this.find(this.ctx.db, p.id))
    );
  }
}
