/**
 * Domain errors carry a stable code; only the HTTP error handler maps them to status codes.
 * Services throw these; routes never build error bodies themselves.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  override name = 'ValidationError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends DomainError {
  override name = 'UnauthorizedError';
  constructor(message = 'Authentication required', code = 'UNAUTHORIZED') {
    super(401, code, message, {}, { 'www-authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
  constructor(message = 'You are not allowed to do this') {
    super(403, 'FORBIDDEN', message);
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(what: string, code = 'NOT_FOUND') {
    super(404, code, `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  override name = 'ConflictError';
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(409, code, message, details);
  }
}
