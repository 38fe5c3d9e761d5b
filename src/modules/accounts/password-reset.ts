import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { Config } from '../../config.js';

const keys = new WeakMap<object, Buffer>();

/** A key of its own for reset tokens, derived from the JWT secret (HKDF), never the same bytes as it. */
function resetKey(config: Pick<Config, 'jwtSecret'>): Buffer {
  let key = keys.get(config);
  if (key) return key;
  if (!config.jwtSecret) throw new Error('password reset tokens need JWT_SECRET');
  key = Buffer.from(hkdfSync('sha256', config.jwtSecret, 'matinee', 'password-reset v1', 32));
  keys.set(config, key);
  return key;
}

/**
 * The token in a reset link: an HMAC of the reset row's random id. The database keeps only its SHA-256
 * (`resetTokenHash`), so a copy of the database cannot reset anyone's password, while the worker that sends the
 * email derives the token again from the row id instead of carrying it in the outbox.
 */
export function resetToken(config: Pick<Config, 'jwtSecret'>, resetId: string): string {
  return createHmac('sha256', resetKey(config)).update(`reset.${resetId}`).digest('base64url');
}

export function resetTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** 32 bytes in base64url: anything else cannot be a token, and is refused before a query. */
export const RESET_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** The web page that takes the token; in the fragment, so it reaches no server log and no Referer header. */
export function resetLink(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${config.publicUrl}/reset-password#token=${token}`;
}
