import { ConflictError, DomainError, NotFoundError } from '../../http/errors.js';

/** A hold on a high-demand showtime without a live admission of this account. */
export class AdmissionRequiredError extends DomainError {
  override name = 'AdmissionRequiredError';
  constructor(showtimeId: string) {
    super(
      403,
      'ADMISSION_REQUIRED',
      'This showtime sells through a waiting room: join the queue (POST /showtimes/:id/queue) and hold with ' +
        'the admission token it gives you once admitted',
      { showtimeId },
    );
  }
}

export class WaitingRoomNotFoundError extends NotFoundError {
  override name = 'WaitingRoomNotFoundError';
  constructor() {
    super('Waiting room', 'WAITING_ROOM_NOT_FOUND');
  }
}

export class NotInQueueError extends NotFoundError {
  override name = 'NotInQueueError';
  constructor() {
    super('Place in the queue', 'NOT_IN_QUEUE');
  }
}

/** The on-sale time of a queue that has already opened cannot move (the shuffle has happened). */
export class WaitingRoomOpenError extends ConflictError {
  override name = 'WaitingRoomOpenError';
  constructor() {
    super(
      'WAITING_ROOM_OPEN',
      'The queue has already opened: its on-sale time can no longer change (the rate and the cap can)',
    );
  }
}
