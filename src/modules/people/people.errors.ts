import { ConflictError, DomainError } from '../../http/errors.js';

export class TheaterNotAllowedError extends DomainError {
  override name = 'TheaterNotAllowedError';
  constructor(theaterId: string) {
    super(403, 'THEATER_NOT_ALLOWED', 'Your account does not work at this theater', { theaterId });
  }
}

export class UnknownTheatersError extends DomainError {
  override name = 'UnknownTheatersError';
  constructor(theaterIds: string[]) {
    super(400, 'UNKNOWN_THEATER', 'No open theater has this id', {
      theaterIds,
      fields: [
        { field: 'body.theaterIds', code: 'UNKNOWN_THEATER', message: 'names a theater that does not exist' },
      ],
    });
  }
}

/** Staff work at one or more theaters; admins at all of them, so they are given none. */
export class TheatersForRoleError extends DomainError {
  override name = 'TheatersForRoleError';
  constructor(role: string) {
    const staff = role === 'staff';
    super(
      400,
      staff ? 'THEATERS_REQUIRED' : 'THEATERS_NOT_ALLOWED',
      staff ? 'Choose at least one theater for a staff member' : `A ${role} is not given theaters`,
      {
        fields: [
          {
            field: 'body.theaterIds',
            code: staff ? 'THEATERS_REQUIRED' : 'THEATERS_NOT_ALLOWED',
            message: staff ? 'needs at least one theater' : `must be left out for the role ${role}`,
          },
        ],
      },
    );
  }
}

export class AlreadyOperatorError extends ConflictError {
  override name = 'AlreadyOperatorError';
  constructor(role: string) {
    super(
      'ALREADY_OPERATOR',
      `This email already has a ${role} account; change its access in the people list`,
      {
        role,
      },
    );
  }
}

export class InvitationNotFoundError extends DomainError {
  override name = 'InvitationNotFoundError';
  constructor() {
    super(404, 'INVITATION_NOT_FOUND', 'Invitation not found');
  }
}

export class InvitationClosedError extends ConflictError {
  override name = 'InvitationClosedError';
  constructor(state: 'accepted' | 'revoked') {
    super('INVITATION_CLOSED', `This invitation was already ${state}`, { state });
  }
}

export type InvitationTokenProblem = 'invalid' | 'accepted' | 'revoked' | 'expired';

const TOKEN_ERRORS: Record<InvitationTokenProblem, { status: number; code: string; message: string }> = {
  invalid: {
    status: 400,
    code: 'INVITATION_INVALID',
    message: 'This invitation link is not valid; it may be mistyped',
  },
  accepted: { status: 410, code: 'INVITATION_USED', message: 'This invitation was already accepted' },
  revoked: {
    status: 410,
    code: 'INVITATION_REVOKED',
    message: 'This invitation was withdrawn; ask for a new one',
  },
  expired: {
    status: 410,
    code: 'INVITATION_EXPIRED',
    message: 'This invitation has expired; ask for a new one',
  },
};

/** An invitation link that cannot be used: unknown (400) or used, withdrawn or expired (410). */
export class InvitationTokenError extends DomainError {
  override name = 'InvitationTokenError';
  constructor(readonly problem: InvitationTokenProblem) {
    const e = TOKEN_ERRORS[problem];
    super(e.status, e.code, e.message);
  }
}

export class InvitationEmailMismatchError extends DomainError {
  override name = 'InvitationEmailMismatchError';
  constructor(email: string) {
    super(403, 'INVITATION_EMAIL_MISMATCH', `This invitation is for ${email}; sign in with that account`, {
      email,
    });
  }
}

export class InvitationAccountExistsError extends ConflictError {
  override name = 'InvitationAccountExistsError';
  constructor() {
    super('ACCOUNT_EXISTS', 'An account with this email exists: sign in to accept the invitation');
  }
}

export class InvitationDetailsRequiredError extends DomainError {
  override name = 'InvitationDetailsRequiredError';
  constructor() {
    super(400, 'VALIDATION_FAILED', 'Invalid request: a new account needs a name and a password', {
      fields: [
        { field: 'body.name', message: 'is required for a new account' },
        { field: 'body.password', message: 'is required for a new account' },
      ],
    });
  }
}
