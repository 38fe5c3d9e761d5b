import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';

/**
 * Ticket codes (the QR content): `MT1.<ticket id, 16 bytes base64url>.<HMAC-SHA256 tag, base64url>`.
 * The ticket id alone is not secret (UUIDs leak through logs and screenshots); the tag is what makes a code
 * impossible to forge or guess without the key. The tag is truncated to 128 bits — plenty against forgery
 * (a guess succeeds with probability 2^-128) and it keeps the QR code small enough to scan from a phone.
 */
const PREFIX = 'MT1';
const TAG_BYTES = 16;
const CODE_PATTERN = /^MT1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

const keys = new WeakMap<object, Buffer>();

/**
 * TICKET_SIGNING_SECRET when set (required in production); otherwise derived from the JWT secret with HKDF,
 * so development needs no extra setup and the two keys are still never the same bytes. Rotating either one
 * invalidates every ticket code issued under it.
 */
export function ticketSigningKey(config: Pick<Config, 'ticketSigningSecret' | 'jwtSecret'>): Buffer {
  let key = keys.get(config);
  if (key) return key;
  if (config.ticketSigningSecret) {
    key = Buffer.from(config.ticketSigningSecret, 'utf8');
  } else if (config.jwtSecret) {
    key = Buffer.from(hkdfSync('sha256', config.jwtSecret, 'matinee', 'ticket-codes v1', 32));
  } else {
    throw new Error('ticket codes need TICKET_SIGNING_SECRET or JWT_SECRET');
  }
  keys.set(config, key);
  return key;
}

function tag(key: Buffer, idPart: string): Buffer {
  return createHmac('sha256', key).update(`${PREFIX}.${idPart}`).digest().subarray(0, TAG_BYTES);
}

export function signTicketCode(
  config: Pick<Config, 'ticketSigningSecret' | 'jwtSecret'>,
  ticketId: string,
): string {
  const idPart = Buffer.from(ticketId.replace(/-/g, ''), 'hex').toString('base64url');
  return `${PREFIX}.${idPart}.${tag(ticketSigningKey(config), idPart).toString('base64url')}`;
}

export type TicketCodeCheck =
  | { kind: 'ok'; ticketId: string }
  | { kind: 'malformed' }
  /** Well-formed but not signed by us: answered exactly like an unknown ticket. */
  | { kind: 'forged' };

export function readTicketCode(
  config: Pick<Config, 'ticketSigningSecret' | 'jwtSecret'>,
  code: string,
): TicketCodeCheck {
  const m = CODE_PATTERN.exec(code.trim());
  if (!m) return { kind: 'malformed' };
  const idPart = m[1]!;
  const given = Buffer.from(m[2]!, 'base64url');
  const idBytes = Buffer.from(idPart, 'base64url');
  // Only the canonical encoding: base64url's last character carries spare bits, and one ticket must have
  // exactly one valid code.
  if (idBytes.toString('base64url') !== idPart || given.toString('base64url') !== m[2]) {
    return { kind: 'malformed' };
  }
  if (!timingSafeEqual(given, tag(ticketSigningKey(config), idPart))) return { kind: 'forged' };
  const hex = idBytes.toString('hex');
  const ticketId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { kind: 'ok', ticketId };
}
