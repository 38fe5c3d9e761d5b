import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PG, isDatabaseUnavailable, pgErrorCode } from '../db/database.js';
import { DomainError } from './errors.js';

interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own client errors, translated into our stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    message: 'The body is empty but Content-Type is application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE', message: 'The body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send JSON with Content-Type: application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'INVALID_CONTENT_LENGTH',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_URL', message: 'The URL is not validly encoded' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'URL_TOO_LONG', message: 'A path parameter is too long' },
};

/** A violated unique, exclusion or foreign-key constraint: the services should have prevented it. */
const CONFLICT_CODES = new Set<string>([PG.uniqueViolation, PG.exclusionViolation, PG.foreignKeyViolation]);

/** invalid text representation, datetime format/overflow, numeric out of range, string too long, NUL byte. */
const BAD_VALUE_CODES = new Set(['22P02', '22007', '22008', '22003', '22001', '22021', '22P05']);

function fieldOf(v: { instancePath?: string; params?: Record<string, unknown> }, part: string): string {
  const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing = v.params?.missingProperty;
  const extra = v.params?.additionalProperty;
  const leaf = typeof missing === 'string' ? missing : typeof extra === 'string' ? extra : '';
  return [part, path, leaf].filter(Boolean).join('.') || part;
}

export function domainErrorBody(err: DomainError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...err.details } };
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof DomainError) {
    for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
    return send(reply, err.status, domainErrorBody(err));
  }

  if (err.validation) {
    const part = err.validationContext ?? 'body';
    const fields = err.validation.map((v) => ({
      field: fieldOf(v as { instancePath?: string; params?: Record<string, unknown> }, part),
      message:
        (v.params as Record<string, unknown> | undefined)?.additionalProperty !== undefined
          ? 'is not a known field'
          : (v.message ?? 'is invalid'),
    }));
    return send(reply, 400, {
      error: {
        code: 'VALIDATION_FAILED',
        message: `Invalid request: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`,
        fields,
      },
    });
  }

  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return send(reply, known.status, { error: { code: known.code, message: known.message } });

  // @fastify/rate-limit throws the body built by errorResponseBuilder.
  const maybeRate = err as unknown as { statusCode?: number; error?: { code?: string; message?: string } };
  if (maybeRate.statusCode === 429 && maybeRate.error?.code) {
    return send(reply, 429, {
      error: { code: maybeRate.error.code, message: maybeRate.error.message ?? 'Too many requests' },
    });
  }

  const pgCode = pgErrorCode(err);
  // Data errors PostgreSQL raises for values validation let through (a NUL byte, a date out of range...).
  if (pgCode && (BAD_VALUE_CODES.has(pgCode) || pgCode === PG.checkViolation)) {
    return send(reply, 400, {
      error: { code: 'VALIDATION_FAILED', message: 'A value in the request is not allowed or out of range' },
    });
  }
  if (pgCode === PG.lockNotAvailable || pgCode === PG.queryCanceled || pgCode === PG.deadlockDetected) {
    req.log.warn({ err }, 'database contention');
    void reply.header('retry-after', '1');
    return send(reply, 503, {
      error: { code: 'BUSY', message: 'The service is busy; try again in a moment', requestId: req.id },
    });
  }

  if (pgCode && CONFLICT_CODES.has(pgCode)) {
    // A constraint is the last line of defence, never the control flow: firing means a design bug to fix.
    req.log.error({ err }, 'constraint violation reached the error handler');
    return send(reply, 409, {
      error: {
        code: 'CONFLICT',
        message: 'The request conflicts with the current state; reload and try again',
        requestId: req.id,
      },
    });
  }
  if (isDatabaseUnavailable(err)) {
    req.log.warn({ err }, 'database unavailable');
    void reply.header('retry-after', '2');
    return send(reply, 503, {
      error: {
        code: 'DATABASE_UNAVAILABLE',
        message: 'The service is briefly unavailable; try again in a moment',
        requestId: req.id,
      },
    });
  }

  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own FST_ERR_* codes are internal names, not part of our API's stable codes.
    const code = !err.code || err.code.startsWith('FST_') ? 'BAD_REQUEST' : err.code;
    return send(reply, status, { error: { code, message: err.message || 'Bad request' } });
  }

  req.log.error({ err }, 'unhandled error');
  return send(reply, 500, {
    error: { code: 'INTERNAL', message: 'Something went wrong on our side', requestId: req.id },
  });
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, 404, {
    error: { code: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0] ?? ''}` },
  });
}

const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'The request headers are too large',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request took too long' },
};

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, garbage, timeouts):
 * answered on the raw socket in our error shape, like the default handler but never in Fastify's.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = (err.code && CLIENT_ERRORS[err.code]) || {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'The request is not valid HTTP',
  };
  this.log.debug({ err }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: known.code, message: known.message } });
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status] ?? 'Error'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
