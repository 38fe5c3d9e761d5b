import { ConflictError } from '../../http/errors.js';

export class SeatsNotBlockableError extends ConflictError {
  override name = 'SeatsNotBlockableError';
  constructor(seatIds: string[]) {
    super('SEATS_NOT_BLOCKABLE', 'Held or sold seats cannot be blocked; release or refund them first', {
      seatIds,
    });
  }
}

export class SeatsNotBlockedError extends ConflictError {
  override name = 'SeatsNotBlockedError';
  constructor(seatIds: string[]) {
    super('SEATS_NOT_BLOCKED', 'These seats are held or sold, not blocked', { seatIds });
  }
}
