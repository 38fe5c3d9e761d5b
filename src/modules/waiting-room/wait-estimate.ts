// Pure: the waiting room's estimate of a customer's wait, unit-tested on its own (wait-estimate.test.ts).

/** How long admissions must have been measured before the measure replaces the bound below. */
export const TURNOVER_MEASURE_SECONDS = 20;

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
  /** Admissions per minute over the last TURNOVER_MEASURE_SECONDS, once the room has been open that long. */
  measuredPerMinute: number | null;
}

/**
 * Seconds until `position` is let in. Places the cap still has free go at the admission rate. Beyond them a
 * place opens only when an admitted customer finishes or their admission runs out, so those positions go at
 * the measured pace of admissions, or, before 20 seconds of it have been measured, at the slowest pace the
 * admission window allows (every admitted customer using all of it): an estimate that errs on the long side
 * rather than promising a wait the queue cannot keep. Never faster than the configured rate.
 */
export function estimateWaitSeconds(w: WaitInput): number {
  const rate = w.ratePerMinute !== null && w.ratePerMinute > 0 ? w.ratePerMinute / 60 : Infinity;
  const free = w.cap === null ? Infinity : Math.max(0, w.cap - w.active);
  if (w.position <= free) return rate === Infinity ? 0 : Math.ceil(w.position / rate);
  const toFill = rate === Infinity ? 0 : free / rate;
  const measured = w.measuredPerMinute !== null && w.measuredPerMinute > 0 ? w.measuredPerMinute / 60 : 0;
  const bound = (w.cap ?? 0) / Math.max(1, w.admissionSeconds);
  const pace = Math.min(rate, measured > 0 ? measured : bound);
  if (!(pace > 0)) return Math.ceil(toFill + (w.position - free) * w.admissionSeconds);
  return Math.ceil(toFill + (w.position - free) / pace);
}
