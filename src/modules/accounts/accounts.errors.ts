import { ConflictError, UnauthorizedError } from '../../http/errors.js';

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
