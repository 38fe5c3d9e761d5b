import type { CardBrand } from './card.js';

export interface CardDetails {
  /** Digits only. Lives in memory for the length of one charge call; never stored or logged. */
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface ChargeRequest {
  /** The gateway deduplicates on this: the same key never charges twice and returns the first outcome. */
  idempotencyKey: string;
  amountCents: number;
  currency: string;
  card: CardDetails;
  description: string;
}

export type ChargeOutcome =
  | { status: 'succeeded'; chargeId: string; brand: CardBrand; last4: string }
  | { status: 'declined'; chargeId: string; reason: string }
  | { status: 'failed'; chargeId: string; reason: string; retryable: boolean };

export interface RefundResult {
  refundId: string;
}

/** The gateway did not answer in time or could not be reached: the charge may or may not have happened. */
export class GatewayUnavailableError extends Error {
  override name = 'GatewayUnavailableError';
}

/** What Matinee needs from a card processor. A real one (Stripe, Adyen...) is an adapter to this. */
export interface PaymentGateway {
  /**
   * The longest a charge can take to be recorded at the gateway after it was requested (its processing time).
   * An attempt whose outcome we never heard is asked about by key at least this long before we take "no record"
   * as "never charged" (PAYMENT_SETTLEMENT_WINDOW_SECONDS must exceed it).
   */
  readonly longestProcessingMs?: number;
  charge(req: ChargeRequest): Promise<ChargeOutcome>;
  /** The outcome of an earlier charge by its idempotency key, or null if the gateway never saw it. */
  findCharge(idempotencyKey: string): Promise<ChargeOutcome | null>;
  refund(chargeId: string, opts: { idempotencyKey: string; amountCents: number }): Promise<RefundResult>;
  close?(): Promise<void>;
}

/** Bounds a gateway call: past the deadline the outcome is unknown and must be looked up by key later. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GatewayUnavailableError(`no answer from the gateway in ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
