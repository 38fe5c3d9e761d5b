import { DomainError } from '../../http/errors.js';

export class InvalidCardError extends DomainError {
  override name = 'InvalidCardError';
  constructor(message = 'The card number is not valid') {
    super(400, 'INVALID_CARD', message);
  }
}

export class PaymentDeclinedError extends DomainError {
  override name = 'PaymentDeclinedError';
  constructor(reason: string) {
    super(402, 'PAYMENT_DECLINED', 'The card was declined; try another card', { reason });
  }
}

export class PaymentFailedError extends DomainError {
  override name = 'PaymentFailedError';
  constructor(reason: string) {
    super(
      402,
      'PAYMENT_FAILED',
      'The payment could not be processed; nothing was charged, you can try again',
      {
        reason,
        retryable: true,
      },
    );
  }
}

export class PaymentUnavailableError extends DomainError {
  override name = 'PaymentUnavailableError';
  constructor() {
    super(
      503,
      'PAYMENT_UNAVAILABLE',
      'The payment service did not answer in time. Check your booking before paying again: if this attempt ' +
        'went through it confirms the booking, and a charge the booking cannot use is refunded automatically.',
      { retryable: true },
      { 'retry-after': '2' },
    );
  }
}

export class RefundPendingError extends DomainError {
  override name = 'RefundPendingError';
  constructor(bookingId: string) {
    super(
      503,
      'REFUND_PENDING',
      'Your refund is recorded and the seats are released; the payment service did not confirm it yet. It is completed automatically.',
      { bookingId, retryable: true },
      { 'retry-after': '5' },
    );
  }
}
