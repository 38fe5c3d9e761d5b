import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { cardBrand, last4, type CardBrand } from './card.js';
import type { ChargeOutcome, ChargeRequest, PaymentGateway, RefundResult } from './payment-gateway.js';

/** Test cards, as card processors' test modes define them. Any other valid number succeeds. */
export const TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  processingError: '4000000000000119',
  /**
   * Matinee's own: the gateway records (and answers) the charge only after SIM_GATEWAY_SLOW_CARD_MS (30 s), so
   * our call times out (503) and the charge lands late, as a real processor's can.
   */
  slow: '4000000000006975',
} as const;

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

type ChargeRowOutcome = {
  id: string;
  status: 'succeeded' | 'declined' | 'failed';
  decline_code: string | null;
  brand: string;
  last4: string;
};

function toOutcome(row: ChargeRowOutcome): ChargeOutcome {
  switch (row.status) {
    case 'succeeded':
      return { status: 'succeeded', chargeId: row.id, brand: row.brand as CardBrand, last4: row.last4 };
    case 'declined':
      return { status: 'declined', chargeId: row.id, reason: row.decline_code ?? 'card_declined' };
    case 'failed':
      return {
        status: 'failed',
        chargeId: row.id,
        reason: row.decline_code ?? 'processing_error',
        retryable: true,
      };
  }
}

/**
 * A card processor in test mode with its own ledger (schema sim_gateway, on its own connections, never in
 * Matinee's transactions). Charges are idempotent on the key exactly as real processors do it.
 */
export class SimulatedGateway implements PaymentGateway {
  readonly longestProcessingMs: number;

  constructor(
    private readonly db: Db,
    private readonly latencyMs: number,
    private readonly now: () => Date = () => new Date(),
    private readonly slowCardMs = 30_000,
  ) {
    // Its own statement of how late a charge can land: the slow card plus latency, plus a second to write it.
    this.longestProcessingMs = latencyMs + slowCardMs + 1_000;
  }

  async charge(req: ChargeRequest): Promise<ChargeOutcome> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const delayMs = req.card.number === TEST_CARDS.slow ? this.slowCardMs : 0;
    const { status, decline } = this.decide(req);
    // Recorded now, visible (to findCharge) from lands_at: the charge lands even if our caller dies meanwhile.
    const inserted = await this.db
      .insertInto('sim_gateway.charges')
      .values({
        id: id('ch'),
        idempotency_key: req.idempotencyKey,
        amount_cents: req.amountCents,
        currency: req.currency,
        brand: cardBrand(req.card.number),
        last4: last4(req.card.number),
        status,
        decline_code: decline,
        lands_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning(['id', 'status', 'decline_code', 'brand', 'last4', 'lands_at'])
      .executeTakeFirst();
    // The same key again (a retry, a concurrent call): the first outcome, never a second charge.
    const row = inserted ?? (await this.findRow(req.idempotencyKey, { landedOnly: false }));
    if (!row) throw new Error('simulated gateway: charge vanished');
    const wait = row.lands_at.getTime() - Date.now();
    if (wait > 0) await sleep(wait);
    return toOutcome(row);
  }

  async findCharge(idempotencyKey: string): Promise<ChargeOutcome | null> {
    const row = await this.findRow(idempotencyKey, { landedOnly: true });
    return row ? toOutcome(row) : null;
  }

  async refund(
    chargeId: string,
    opts: { idempotencyKey: string; amountCents: number },
  ): Promise<RefundResult> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return this.db.transaction().execute(async (trx) => {
      const charge = await trx
        .selectFrom('sim_gateway.charges')
        .selectAll()
        .where('id', '=', chargeId)
        .forUpdate()
        .executeTakeFirst();
      if (!charge || charge.status !== 'succeeded')
        throw new Error(`simulated gateway: no refundable charge ${chargeId}`);
      // Asked under the charge's lock, so a concurrent call with the same key that refunded while we waited is
      // seen here: the same key answers the same refund, never a second one.
      const done = await trx
        .selectFrom('sim_gateway.refunds')
        .select('id')
        .where('idempotency_key', '=', opts.idempotencyKey)
        .executeTakeFirst();
      if (done) return { refundId: done.id };
      if (charge.refunded_cents + opts.amountCents > charge.amount_cents) {
        throw new Error(`simulated gateway: refund exceeds charge ${chargeId}`);
      }
      const refundId = id('re');
      await trx
        .insertInto('sim_gateway.refunds')
        .values({
          id: refundId,
          charge_id: chargeId,
          idempotency_key: opts.idempotencyKey,
          amount_cents: opts.amountCents,
        })
        .execute();
      await trx
        .updateTable('sim_gateway.charges')
        .set({ refunded_cents: sql`refunded_cents + ${opts.amountCents}` })
        .where('id', '=', chargeId)
        .execute();
      return { refundId };
    });
  }

  private async findRow(
    idempotencyKey: string,
    opts: { landedOnly: boolean },
  ): Promise<(ChargeRowOutcome & { lands_at: Date }) | undefined> {
    let q = this.db
      .selectFrom('sim_gateway.charges')
      .select(['id', 'status', 'decline_code', 'brand', 'last4', 'lands_at'])
      .where('idempotency_key', '=', idempotencyKey);
    if (opts.landedOnly) q = q.where('lands_at', '<=', sql<Date>`now()`);
    return q.executeTakeFirst();
  }

  private decide(req: ChargeRequest): {
    status: 'succeeded' | 'declined' | 'failed';
    decline: string | null;
  } {
    const now = this.now();
    const expired =
      req.card.expYear < now.getUTCFullYear() ||
      (req.card.expYear === now.getUTCFullYear() && req.card.expMonth < now.getUTCMonth() + 1);
    if (expired) return { status: 'declined', decline: 'expired_card' };
    switch (req.card.number) {
      case TEST_CARDS.declined:
        return { status: 'declined', decline: 'card_declined' };
      case TEST_CARDS.insufficientFunds:
        return { status: 'declined', decline: 'insufficient_funds' };
      case TEST_CARDS.processingError:
        return { status: 'failed', decline: 'processing_error' };
      default:
        return { status: 'succeeded', decline: null };
    }
  }
}
