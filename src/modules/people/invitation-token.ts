import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { Config } from '../../config.js';

const keys = new WeakMap<object, Buffer>();

/** A key of its own for invitation tokens, derived from the JWT secret (HKDF), never the same bytes as it. */
function invitationKey(config: Pick<Config, 'jwtSecret'>): Buffer {
  let key = keys.get(config);
  if (key) return key;
  if (!config.jwtSecret) throw new Error('invitation tokens need JWT_SECRET');
  key = Buffer.from(hkdfSync('sha256', config.jwtSecret, 'matinee', 'invitation v1', 32));
  keys.set(config, key);
  return key;
}

/**
 * The token in an invitation link: an HMAC of the invitation's random id. The database keeps only its SHA-256,
 * and the worker that sends the email derives the token again from the row id (like password reset links).
 */
export function invitationToken(config: Pick<Config, 'jwtSecret'>, invitationId: string): string {
  return createHmac('sha256', invitationKey(config)).update(`invite.${invitationId}`).digest('base64url');
}

export function invitationTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export const INVITATION_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** The web page that takes the token; in the fragment, so it reaches no server log and no Referer header. */
export function invitationLink(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${config.publicUrl}/invitation#token=${token}`;
}
