import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '../db/schema.js';

export interface TokenClaims {
  userId: string;
  role: Role;
  /** The user's token_version when the token was issued; a token with an older one is revoked. */
  tokenVersion: number;
}

export interface StreamTokenClaims {
  userId: string;
  showtimeId: string;
  tokenVersion: number;
}

/** A waiting-room admission: this account may hold seats of this showtime until it expires. */
export interface AdmissionClaims {
  userId: string;
  showtimeId: string;
  /** The queue entry it admits: the hold checks that entry is still admitted (leaving revokes it). */
  entryId: string;
}

export type VerifyResult<C = TokenClaims> =
  { ok: true; claims: C } | { ok: false; reason: 'expired' | 'invalid' };

const ISSUER = 'matinee';
const AUDIENCE = 'matinee-api';
/** A separate audience: a stream token is never accepted as a bearer token, nor the other way round. */
const STREAM_AUDIENCE = 'matinee-seat-stream';
/** Admission tokens are accepted only by the hold, never as a bearer or stream token. */
const ADMISSION_AUDIENCE = 'matinee-admission';
const ROLES: readonly Role[] = ['customer', 'staff', 'admin'];

function versionOf(value: unknown): number | undefined {
  // Tokens issued before versions existed carry none: they belong to version 0.
  if (value === undefined) return 0;
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}

/** HS256 tokens. Stateless to verify, so any API process can; revocation is checked by the auth plugin. */
export class TokenService {
  /**
   * The HMAC key, imported into WebCrypto once: given the secret's bytes, jose imports them again on every
   * sign and verify (a tenth of an API process's CPU at an on-sale, where every customer's first request
   * verifies a token).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;
  /**
   * Bearer tokens already verified, until they expire: the HMAC check was 7% of an API process's CPU under
   * load. Safe because a token's signature never changes; revocation (role, sign-out) is checked per request
   * by the auth plugin against the user's session version, not here. Bounded; oldest entries go first.
   */
  private readonly verified = new Map<string, { claims: TokenClaims; expiresAtMs: number }>();
  private static readonly MAX_VERIFIED = 10_000;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => Date = () => new Date(),
    private readonly streamTtlSeconds = 300,
  ) {
    this.key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    this.key.catch(() => undefined); // a bad key fails each sign and verify, not the process
  }

  /** `tokenVersion` defaults to 0, the version of an account no one has signed out or re-roled yet. */
  async issue(claims: Omit<TokenClaims, 'tokenVersion'> & { tokenVersion?: number }): Promise<string> {
    const iat = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({ role: claims.role, ver: claims.tokenVersion ?? 0 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(await this.key);
  }

  async verify(token: string): Promise<VerifyResult> {
    const known = this.verifiedClaims(token);
    if (known) return { ok: true, claims: known };
    this.verified.delete(token); // expired, if there at all
    const result = await this.verifyFor(token, AUDIENCE);
    if (!result.ok) return result;
    const { payload } = result.claims;
    const role = payload.role as Role;
    const tokenVersion = versionOf(payload.ver);
    if (!ROLES.includes(role) || tokenVersion === undefined) return { ok: false, reason: 'invalid' };
    const claims = { userId: result.claims.sub, role, tokenVersion };
    if (typeof payload.exp === 'number') {
      if (this.verified.size >= TokenService.MAX_VERIFIED) {
        this.verified.delete(this.verified.keys().next().value as string);
      }
      this.verified.set(token, { claims, expiresAtMs: payload.exp * 1000 });
    }
    return { ok: true, claims };
  }

  /** The claims of a bearer token `verify` accepted before and that has not expired, without a promise. */
  verifiedClaims(token: string): TokenClaims | undefined {
    const known = this.verified.get(token);
    return known && this.now().getTime() < known.expiresAtMs ? known.claims : undefined;
  }

  /** A short-lived token for one showtime's seat stream, the only token that may travel in a URL. */
  async issueStreamToken(claims: StreamTokenClaims): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + this.streamTtlSeconds;
    const token = await new SignJWT({ showtimeId: claims.showtimeId, ver: claims.tokenVersion })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(STREAM_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verifyStreamToken(token: string): Promise<VerifyResult<StreamTokenClaims>> {
    const result = await this.verifyFor(token, STREAM_AUDIENCE);
    if (!result.ok) return result;
    const { payload } = result.claims;
    const tokenVersion = versionOf(payload.ver);
    if (typeof payload.showtimeId !== 'string' || tokenVersion === undefined || payload.ver === undefined)
      return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      claims: { userId: result.claims.sub, showtimeId: payload.showtimeId, tokenVersion },
    };
  }

  /** Signed, short-lived, bound to the account and the showtime; it expires with the admission window. */
  async issueAdmissionToken(claims: AdmissionClaims, expiresAt: Date): Promise<string> {
    return new SignJWT({ showtimeId: claims.showtimeId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setJti(claims.entryId)
      .setIssuer(ISSUER)
      .setAudience(ADMISSION_AUDIENCE)
      .setIssuedAt(Math.floor(this.now().getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.key);
  }

  async verifyAdmissionToken(token: string): Promise<VerifyResult<AdmissionClaims>> {
    const result = await this.verifyFor(token, ADMISSION_AUDIENCE);
    if (!result.ok) return result;
    const { payload } = result.claims;
    if (typeof payload.showtimeId !== 'string' || typeof payload.jti !== 'string')
      return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      claims: { userId: result.claims.sub, showtimeId: payload.showtimeId, entryId: payload.jti },
    };
  }

  private async verifyFor(
    token: string,
    audience: string,
  ): Promise<VerifyResult<{ sub: string; payload: Record<string, unknown> }>> {
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        issuer: ISSUER,
        audience,
        algorithms: ['HS256'],
        currentDate: this.now(),
      });
      if (typeof payload.sub !== 'string') return { ok: false, reason: 'invalid' };
      return { ok: true, claims: { sub: payload.sub, payload } };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }
}
