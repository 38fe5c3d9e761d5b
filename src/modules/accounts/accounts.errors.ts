import { ConflictError, DomainError, UnauthorizedError } from '../../http/errors.js';

export class EmailTakenError extends ConflictError {
  override name = 'EmailTakenError';
  constructor() {
    super('EMAIL_TAKEN', 'An account with this email already exists');
  }
}

export class InvalidCredentialsError extends UnauthorizedError {
  override name = 'InvalidCredentialsError';
  constructor() {
    super('Wrong email or password', 'INVALID_CREDENTIALS');
  }
}

export class OwnRoleError extends ConflictError {
  override name = 'OwnRoleError';
  constructor() {
    super('OWN_ROLE', 'You cannot change your own role; ask another admin');
  }
}

export class InvalidPhoneError extends DomainError {
  override name = 'InvalidPhoneError';
  /** reason: libphonenumber's TOO_SHORT, TOO_LONG, INVALID_LENGTH, INVALID_COUNTRY, NOT_A_NUMBER or INVALID_NUMBER. */
  constructor(field: string, reason: string) {
    super(400, 'INVALID_PHONE', 'This is not a phone number we can send texts to', {
      reason,
      fields: [{ field, code: 'INVALID_PHONE', message: 'is not a valid phone number' }],
    });
  }
}

export class WrongPasswordError extends DomainError {
  override name = 'WrongPasswordError';
  // 400, not 401: the session is fine, only the confirmation typed into the form is wrong.
  constructor() {
    super(400, 'WRONG_PASSWORD', 'The current password is not right', {
      fields: [{ field: 'body.currentPassword', code: 'WRONG_PASSWORD', message: 'is not right' }],
    });
  }
}

export type ResetTokenProblem = 'invalid' | 'used' | 'expired' | 'superseded';

const RESET_TOKEN_ERRORS: Record<ResetTokenProblem, { status: number; code: string; message: string }> = {
  invalid: {
    status: 400,
    code: 'RESET_TOKEN_INVALID',
    message: 'This password reset link is not valid; it may be mistyped',
  },
  used: { status: 410, code: 'RESET_TOKEN_USED', message: 'This password reset link was already used' },
  expired: { status: 410, code: 'RESET_TOKEN_EXPIRED', message: 'This password reset link has expired' },
  superseded: {
    status: 410,
    code: 'RESET_TOKEN_SUPERSEDED',
    message: 'A newer password reset link was sent; use the newest one',
  },
};

/** A reset link that cannot be used: unknown (400) or used, expired or replaced by a newer one (410). */
export class ResetTokenError extends DomainError {
  override name = 'ResetTokenError';
  constructor(readonly problem: ResetTokenProblem) {
    const e = RESET_TOKEN_ERRORS[problem];
    super(e.status, e.code, e.message);
  }
}
