/**
 * A provider refused this message for good (a rejected recipient, a malformed number): retrying the same
 * message would be refused again, so the notification is marked failed at once for an operator to look at.
 * Every other error is treated as transient and retried with backoff.
 */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/** A short, log- and column-safe description of a delivery error (no stack, bounded length). */
export function describeDeliveryError(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
    return `${err.name} ${code}${err.message}`.slice(0, 1000);
  }
  return String(err).slice(0, 1000);
}
