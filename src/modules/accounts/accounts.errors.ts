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
