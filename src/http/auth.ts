import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../db/schema.js';
import type { SessionState } from '../modules/accounts/accounts.repository.js';
import type { UserSessions } from '../modules/accounts/sessions.js';
import type { TokenService, TokenClaims } from './tokens.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

type RejectReason = 'expired' | 'invalid' | 'revoked' | 'user-gone' | 'wrong-stream';

type AuthState =
  | { kind: 'anonymous' }
  /** `claims.role` is the user's current role in the database, not the one the token was issued with. */
  | { kind: 'user'; claims: TokenClaims }
  | { kind: 'rejected'; reason: RejectReason };

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthState;
  }
  interface FastifyContextConfig {
    /** Anyone may call this route of a plugin whose other routes need a user (see `requireUserUnlessPublic`). */
    public?: boolean;
  }
}

/**
 * The bearer token of the Authorization header. Never from the URL: URLs end up in logs, histories and
 * Referer headers (the seat stream has its own short-lived, single-showtime token: `authenticateStreamToken`).
 */
function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  // `Bearer <token>`, the scheme in any case; the token ends at the next space, if any. '' when malformed.
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') return '';
  const end = header.indexOf(' ', space + 1);
  return end < 0 ? header.slice(space + 1) : header.slice(space + 1, end);
}

/** A verified token still counts only if its user exists and it carries the user's current token version. */
function authOf(state: SessionState | undefined, userId: string, tokenVersion: number): AuthState {
  if (!state) return { kind: 'rejected', reason: 'user-gone' };
  if (state.tokenVersion !== tokenVersion) return { kind: 'rejected', reason: 'revoked' };
  return { kind: 'user', claims: { userId, role: state.role, tokenVersion } };
}

async function sessionOf(sessions: UserSessions, userId: string, tokenVersion: number): Promise<AuthState> {
  return authOf(await sessions.lookup(userId), userId, tokenVersion);
}

/**
 * Authenticates every request up front (HS256 plus a cached user look-up), so the rate limiter can key on the
 * user. Whether a route *requires* a user is decided by `requireUser`/`requireRole` on the route.
 */
export const authPlugin = fp(
  (app: FastifyInstance, opts: { tokens: TokenService; sessions: UserSessions }, done: () => void) => {
    app.decorateRequest('auth', null as never);
    const authenticate = async (token: string): Promise<AuthState> => {
      const result = await opts.tokens.verify(token);
      return result.ok
        ? sessionOf(opts.sessions, result.claims.userId, result.claims.tokenVersion)
        : { kind: 'rejected', reason: result.reason };
    };
    // A callback hook: a token verified before, of a user whose session is cached, is decided without a promise.
    app.addHook('onRequest', (req, _reply, done) => {
      const token = bearerToken(req);
      if (token === undefined) {
        req.auth = { kind: 'anonymous' };
        return done();
      }
      const claims = opts.tokens.verifiedClaims(token);
      const known = claims && opts.sessions.peek(claims.userId);
      if (claims && known) {
        req.auth = authOf(known.state, claims.userId, claims.tokenVersion);
        return done();
      }
      authenticate(token).then(
        (auth) => {
          req.auth = auth;
          done();
        },
        (err: Error) => done(err),
      );
    });
    done();
  },
  { name: 'matinee-auth' },
);

/**
 * For the seat stream only (EventSource cannot send headers): a request without an Authorization header is
 * authenticated by a stream token issued for exactly this showtime.
 */
export async function authenticateStreamToken(
  req: FastifyRequest,
  token: string | undefined,
  showtimeId: string,
  deps: { tokens: TokenService; sessions: UserSessions },
): Promise<void> {
  if (req.auth.kind !== 'anonymous' || token === undefined) return;
  const result = await deps.tokens.verifyStreamToken(token);
  if (!result.ok) req.auth = { kind: 'rejected', reason: result.reason };
  else if (result.claims.showtimeId !== showtimeId) req.auth = { kind: 'rejected', reason: 'wrong-stream' };
  else req.auth = await sessionOf(deps.sessions, result.claims.userId, result.claims.tokenVersion);
}

export function currentUser(req: FastifyRequest): TokenClaims {
  const auth = req.auth;
  switch (auth.kind) {
    case 'user':
      return auth.claims;
    case 'rejected':
      switch (auth.reason) {
        case 'expired':
          throw new UnauthorizedError('Your session has expired; sign in again', 'TOKEN_EXPIRED');
        case 'invalid':
          throw new UnauthorizedError('The access token is not valid', 'TOKEN_INVALID');
        case 'revoked':
          throw new UnauthorizedError('This session was signed out; sign in again', 'TOKEN_REVOKED');
        case 'user-gone':
          throw new UnauthorizedError('The account of this token no longer exists', 'USER_NOT_FOUND');
        case 'wrong-stream':
          throw new UnauthorizedError('This stream token is for another showtime', 'TOKEN_INVALID');
      }
    // eslint-disable-next-line no-fallthrough -- the inner switch is exhaustive and always throws
    case 'anonymous':
      throw new UnauthorizedError('Sign in first: send Authorization: Bearer <token>');
  }
}

/** Use as `onRequest` (so 401/403 come before body validation) or `preHandler`. */
export const requireUser = async (req: FastifyRequest): Promise<void> => {
  currentUser(req);
  return Promise.resolve();
};

/** `requireUser` for every route of a plugin but those marked `config: { public: true }`. */
export const requireUserUnlessPublic = async (req: FastifyRequest): Promise<void> => {
  if (req.routeOptions.config.public !== true) currentUser(req);
  return Promise.resolve();
};

/** Checks the user's current role (from the database, cached briefly), never the role a token was issued with. */
export function requireRole(...roles: Role[]): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const user = currentUser(req);
    if (!roles.includes(user.role)) throw new ForbiddenError(`This needs the role ${roles.join(' or ')}`);
    return Promise.resolve();
  };
}
