/** A random id for Idempotency-Key headers. crypto.randomUUID needs a secure context (https or localhost);
 * getRandomValues works everywhere, e.g. on a phone opening the dev server by its LAN address. */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
