import { waitingRoomRoutes } from '../modules/waiting-room/waiting-room.routes.js';
import { boxOfficeRoutes } from '../modules/box-office/box-office.routes.js';
import { invitationRoutes, peopleAdminRoutes } from '../modules/people/people.routes.js';
import { auditRoutes } from '../modules/audit/audit.routes.js';
import { salesRoutes } from '../modules/sales/sales.routes.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { authPlugin } from './auth.js';
import { metricsPlugin } from './metrics.js';
import { overloadPlugin } from './overload.js';
import { fallbackStore } from './shared-limits.js';
import { clientErrorHandler, errorHandler, notFoundHandler } from './error-handler.js';
import { serializeRequest } from './redact.js';
import { validatorCompiler } from './validation.js';
import { healthRoutes } from '../modules/health/health.routes.js';
import { accountRoutes } from '../modules/accounts/accounts.routes.js';
import { catalogRoutes } from '../modules/catalog/catalog.routes.js';
import { adminRoutes } from '../modules/catalog/admin.routes.js';
import { usersAdminRoutes } from '../modules/accounts/users-admin.routes.js';
import { bookingRoutes } from '../modules/bookings/bookings.routes.js';
import { seatEventRoutes } from '../modules/seat-events/seat-events.routes.js';
import { checkinRoutes } from '../modules/checkin/checkin.routes.js';
import { notificationAdminRoutes } from '../modules/notifications/notifications.routes.js';
import { devMailRoutes } from '../modules/notifications/dev-mail.routes.js';
import { staticPlugin, tileOrigin } from './static.js';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const API_PREFIX = '/api/v1';
const API_PATH = `${API_PREFIX}/`;

/**
 * Trusts the socket peer and the next `hops - 1` X-Forwarded-For entries from the right: the client address is
 * the one the outermost of our proxies appended. Only sound when clients cannot reach the API but through them.
 */
function trustProxyHops(hops: number): false | ((address: string, hop: number) => boolean) {
  return hops > 0 ? (_address, hop) => hop < hops : false;
}

/** Builds the HTTP app on a context. Never listens: main/api.ts does, tests use app.inject(). */
export async function buildApp(ctx: AppContext): Promise<App> {
  // Request URLs are logged with credential-carrying query values redacted (the seat-stream token).
  const loggerInstance: FastifyBaseLogger = ctx.logger.child({}, { serializers: { req: serializeRequest } });
  const app = Fastify({
    loggerInstance,
    // Errors Fastify answers itself (bad URL encoding, oversized headers) get our error shape too.
    frameworkErrors: (err, req, reply) => {
      void errorHandler(err, req, reply);
    },
    clientErrorHandler,
    bodyLimit: 64 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // A hop count, never `true`: with `true` the left-most X-Forwarded-For entry, which any client can write,
    // would be the client address (and a fresh rate-limit key on every request).
    // (Fastify's own numeric form fails closed, so the hop count is a function.)
    trustProxy: trustProxyHops(ctx.config.trustProxyHops),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.removeContentTypeParser('text/plain'); // the API speaks JSON only: anything else is a clear 415
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // A callback hook, not an async one: it runs on every answer and has nothing to wait for.
  app.addHook('onSend', (req, reply, payload, done) => {
    void reply.header('x-request-id', req.id);
    void reply.header('x-content-type-options', 'nosniff');
    // API answers carry tokens, bookings and tickets: no browser or shared cache may keep them.
    if (req.url.startsWith(API_PATH) && !reply.hasHeader('cache-control'))
      void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Matinee API',
        version: '1.0.0',
        description:
          'Find theaters, browse showtimes, hold seats, pay, and check in. Errors: {error:{code,message}}.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // swagger-ui's own CSP (scripts from 'self' only), never framed, and not forcing https on a plain-http
    // deployment or development server. Its React code sets inline styles, so styles (never scripts) may be inline.
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline' https:")
        .replace(/\s*upgrade-insecure-requests;?/, ''),
    uiHooks: {
      onRequest: (_req, reply, next) => {
        void reply.header('x-frame-options', 'DENY');
        next();
      },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(metricsPlugin, { metrics: ctx.metrics, token: ctx.config.metricsToken });
  await app.register(overloadPlugin, { ctx });
  await app.register(authPlugin, { tokens: ctx.tokens, sessions: ctx.sessions });
  await app.register(rateLimit, {
    global: true,
    // Shared by every API process through Redis when REDIS_URL is set (per process while it is away).
    ...(ctx.redis ? { store: fallbackStore(ctx.redis) } : {}),
    // A signed-in caller is counted per account; anyone else (no token, or one that is no longer valid) per IP,
    // with a budget for a person browsing the catalog, not for a scraper.
    max: (_req, key) =>
      key.startsWith('user:') ? ctx.config.rateLimit.perMinute : ctx.config.rateLimit.anonymousPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.auth.kind === 'user' ? `user:${req.auth.claims.userId}` : `ip:${req.ip}`),
    allowList: (req) => req.url.startsWith('/health') || req.url.startsWith(`${API_PREFIX}/health`),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: {
        code: 'RATE_LIMITED',
        message: `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`,
      },
    }),
  });

  await app.register(healthRoutes, { prefix: API_PREFIX, ctx });
  await app.register(accountRoutes, { prefix: API_PREFIX, ctx });
  await app.register(catalogRoutes, { prefix: API_PREFIX, ctx });
  await app.register(adminRoutes, { prefix: `${API_PREFIX}/admin`, ctx });
  await app.register(usersAdminRoutes, { prefix: `${API_PREFIX}/admin`, ctx });
  await app.register(auditRoutes, { prefix: `${API_PREFIX}/admin`, ctx });
  await app.register(salesRoutes, { prefix: `${API_PREFIX}/admin`, ctx });
  await app.register(peopleAdminRoutes, { prefix: `${API_PREFIX}/admin`, ctx });
  await app.register(invitationRoutes, { prefix: API_PREFIX, ctx });
  await app.register(bookingRoutes, { prefix: API_PREFIX, ctx });
  await app.register(seatEventRoutes, { prefix: API_PREFIX, ctx });
  await app.register(checkinRoutes, { prefix: API_PREFIX, ctx });
  await app.register(boxOfficeRoutes, { prefix: `${API_PREFIX}/box-office`, ctx });
  await app.register(waitingRoomRoutes, { prefix: API_PREFIX, ctx });
  await app.register(notificationAdminRoutes, { prefix: `${API_PREFIX}/admin`, ctx });
  if (ctx.config.env !== 'production') await app.register(devMailRoutes, { prefix: '/dev', ctx });
  await app.register(staticPlugin, { imageOrigins: tileOrigin(ctx.config.map?.tileUrl) });

  return app;
}
