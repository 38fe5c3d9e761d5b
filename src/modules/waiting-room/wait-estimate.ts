// Pure: the waiting room's estimate of a customer's wait and of their chance of seats, unit-tested on its own
// (wait-estimate.test.ts).

/** How long places must have been coming free before their pace replaces the prior below. */
export const TURNOVER_MEASURE_SECONDS = 20;
/** Finished admissions of earlier rooms needed before their typical length is trusted as a prior. */
export const PRIOR_MIN_SAMPLES = 20;
/** Tickets a purchase is assumed to take until this showtime has enough purchases to measure it. */
export const DEFAULT_TICKETS_PER_PURCHASE = 2;
/** Purchases on the showtime needed before their measured size replaces the default. */
const PURCHASES_TO_MEASURE = 10;

export type EstimateBasis = 'rate' | 'measured' | 'history' | 'bound';

export interface WaitInput {
  /** 1 = the next to be let in. */
  position: number;
  /** The room's admission rate per minute, or null (cap only). */
  ratePerMinute: number | null;
  /** Customers active on the showtime at once, or null (rate only). */
  cap: number | null;
  /** Admitted now. */
  active: number;
  /** How long an admission lasts (an admitted customer frees the place by then at the latest). */
  admissionSeconds: number;
  /** Admitted places that came free (bought, left, ran out) over the last TURNOVER_MEASURE_SECONDS, per minute,
   * once the room has been open that long; null before. */
  freedPerMinute: number | null;
  /** How long an admitted customer kept their place in earlier rooms (median seconds), or null without enough. */
  priorAdmissionSeconds: number | null;
}

export interface WaitEstimate {
  seconds: number;
  /**
   * What the pace beyond the cap's free places rests on: `rate` (no place beyond them is needed), `measured`
   * (places freed over the last 20 s), `history` (earlier rooms' typical admission), `bound` (nothing known: the
   * slowest the admission window allows, every admitted customer using all of it).
   */
  basis: EstimateBasis;
}

/**
 * Seconds until `position` is let in. Places the cap still has free go at the admission rate. Beyond them a
 * place opens only when an admitted customer finishes or their admission runs out, so those positions go at
 * the pace places are freed: measured over the last 20 s once the room has been open that long (places freed,
 * not admissions: the burst that fills the cap at the opening is not a pace anyone beyond it will see); before
 * that, the cap over the typical admission of earlier rooms; without those, the admission window's bound, an
 * estimate that errs on the long side rather than promising a wait the queue cannot keep. Never faster than the
 * configured rate.
 */
export function estimateWait(w: WaitInput): WaitEstimate {
  const rate = w.ratePerMinute !== null && w.ratePerMinute > 0 ? w.ratePerMinute / 60 : Infinity;
  const free = w.cap === null ? Infinity : Math.max(0, w.cap - w.active);
  if (w.position <= free) {
    return { seconds: rate === Infinity ? 0 : Math.ceil(w.position / rate), basis: 'rate' };
  }
  const toFill = rate === Infinity ? 0 : free / rate;
  const cap = w.cap ?? 0;
  const bound = cap / Math.max(1, w.admissionSeconds);
  let pace: number;
  let basis: EstimateBasis;
  if (w.freedPerMinute !== null && w.freedPerMinute > 0) {
    pace = w.freedPerMinute / 60;
    basis = 'measured';
  } else if (w.priorAdmissionSeconds !== null && w.priorAdmissionSeconds > 0) {
    // Not measured yet (or nobody finished in the last 20 s): the cap turns over in the typical admission.
    pace = cap / Math.min(w.admissionSeconds, w.priorAdmissionSeconds);
    basis = 'history';
  } else {
    // Nothing known: the slowest the window allows.
    pace = bound;
    basis = 'bound';
  }
  pace = Math.max(bound, Math.min(rate, pace));
  if (!(pace > 0)) return { seconds: Math.ceil(toFill + (w.position - free) * w.admissionSeconds), basis };
  return { seconds: Math.ceil(toFill + (w.position - free) / pace), basis };
}

/** Seconds until `position` is let in (estimateWait without its basis). */
export function estimateWaitSeconds(w: WaitInput): number {
  return estimateWait(w).seconds;
}

export interface SeatOutlook {
  /** Seats free now (not held, sold or blocked). */
  free: number;
  /** Seats held now: they may be bought, or come free again. */
  held: number;
  /** People ahead in line. */
  ahead: number;
  /** Admitted now without a hold or purchase yet: they will take seats before anyone behind them. */
  idle: number;
  /** Confirmed purchases on the showtime so far, and the tickets they took. */
  purchases: number;
  tickets: number;
}

/**
 * Whether the seats are likely gone before this customer's turn: the people ahead, plus the admitted who have
 * not chosen yet, at the tickets a purchase takes on this showtime (2 until 10 purchases measure it), want at
 * least the seats still free. Held seats are not counted as coming back: the warning errs towards telling.
 */
export function likelySoldOut(o: SeatOutlook): boolean {
  if (o.free <= 0) return true;
  const perPurchase =
    o.purchases >= PURCHASES_TO_MEASURE ? Math.max(1, o.tickets / o.purchases) : DEFAULT_TICKETS_PER_PURCHASE;
  return (o.ahead + o.idle) * perPurchase >= o.free;
}
