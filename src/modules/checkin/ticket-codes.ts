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

/**
 * Short codes, printed beside the QR for people to read out and staff to type: `ABCDE-FGHJK` in Crockford's
 * base32 (no I, L, O or U; typing O for 0 or I/L for 1 is forgiven). The first five characters are the ticket
 * id's first 25 bits, so a typed code is found with a range scan of the tickets' primary key (ids are random
 * v4 UUIDs: a range holds one ticket in 33 million); the last five are 25 bits of an HMAC of the ticket id
 * under the ticket signing key, so a code cannot be made up: a guess is right about once in 2^50.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SHORT_PATTERN = /^[0-9A-HJKMNP-TV-Z]{10}$/;
const LOCATOR_BITS = 25;

function base32(value: number, chars: number): string {
  let out = '';
  for (let i = chars - 1; i >= 0; i--) out += CROCKFORD[Math.floor(value / 32 ** i) % 32];
  return out;
}

function shortTag(key: Buffer, ticketId: string): string {
  const mac = createHmac('sha256', key).update(`${PREFIX}.short.${ticketId}`).digest();
  return base32(mac.readUIntBE(0, 4) >>> 7, 5);
}

export function shortTicketCode(
  config: Pick<Config, 'ticketSigningSecret' | 'jwtSecret'>,
  ticketId: string,
): string {
  const locator = parseInt(ticketId.replace(/-/g, '').slice(0, 8), 16) >>> (32 - LOCATOR_BITS);
  return `${base32(locator, 5)}-${shortTag(ticketSigningKey(config), ticketId.toLowerCase())}`;
}

/** Uppercase, without spaces or dashes, with the look-alikes people type mapped: the canonical 10 characters. */
export function normalizeShortCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** The range of ticket ids a short code's locator points at, or null if it is not a short code at all. */
export function shortCodeRange(input: string): { from: string; to: string; code: string } | null {
  const code = normalizeShortCode(input);
  if (!SHORT_PATTERN.test(code)) return null;
  let locator = 0;
  for (const ch of code.slice(0, 5)) locator = locator * 32 + CROCKFORD.indexOf(ch);
  const lo = BigInt(locator) << BigInt(128 - LOCATOR_BITS);
  const hi = lo | ((1n << BigInt(128 - LOCATOR_BITS)) - 1n);
  const uuid = (n: bigint) => {
    const h = n.toString(16).padStart(32, '0');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  return { from: uuid(lo), to: uuid(hi), code };
}

/** Whether a (normalized) short code is this ticket's, in constant time. */
export function shortCodeMatches(
  config: Pick<Config, 'ticketSigningSecret' | 'jwtSecret'>,
  ticketId: string,
  code: string,
): boolean {
  const expected = Buffer.from(shortTicketCode(config, ticketId).replace('-', ''));
  const given = Buffer.from(code);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
