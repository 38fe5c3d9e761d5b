import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../db/schema.js';
import type { TokenService, TokenClaims } from './tokens.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

type AuthState =
  | { kind: 'anonymous' }
  | { kind: 'user'; claims: TokenClaims }
  | { kind: 'rejected'; reason: 'expired' | 'invalid' };

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthState;
  }
}

/** The bearer token, or for EventSource (which cannot set headers) the `access_token` query parameter. */
function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, token] = header.split(' ');
    return scheme?.toLowerCase() === 'bearer' && token ? token : '';
  }
  const query = req.query as Record<string, unknown> | undefined;
  const fromQuery = query?.access_token;
  return typeof fromQuery === 'string' && req.method === 'GET' && req.url.includes('/stream')
    ? fromQuery
    : undefined;
}

/**
 * Decodes the token of every request up front (cheap: HS256), so the rate limiter can key on the user.
 * Whether a route *requires* a user is decided by `requireUser`/`requireRole` on the route.
 */
export const authPlugin = fp(
  (app: FastifyInstance, opts: { tokens: TokenService }, done: () => void) => {
    app.decorateRequest('auth', null as never);
    app.addHook('onRequest', async (req) => {
      const token = bearerToken(req);
      if (token === undefined) {
        req.auth = { kind: 'anonymous' };
        return;
      }
      const result = await opts.tokens.verify(token);
      req.auth = result.ok
        ? { kind: 'user', claims: result.claims }
        : { kind: 'rejected', reason: result.reason };
    });
    done();
  },
  { name: 'matinee-auth' },
);

export function currentUser(req: FastifyRequest): TokenClaims {
  const auth = req.auth;
  switch (auth.kind) {
    case 'user':
      return auth.claims;
    case 'rejected':
      throw auth.reason === 'expired'
        ? new UnauthorizedError('Your session has expired; sign in again', 'TOKEN_EXPIRED')
        : new UnauthorizedError('The access token is not valid', 'TOKEN_INVALID');
    case 'anonymous':
      throw new UnauthorizedError('Sign in first: send Authorization: Bearer <token>');
  }
}

/** Use as `onRequest` (so 401/403 come before body validation) or `preHandler`. */
export const requireUser = async (req: FastifyRequest): Promise<void> => {
  currentUser(req);
  return Promise.resolve();
};

export function requireRole(...roles: Role[]): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const user = currentUser(req);
    if (!roles.includes(user.role)) throw new ForbiddenError(`This needs the role ${roles.join(' or ')}`);
    return Promise.resolve();
  };
}
