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
      'The payment service did not answer; retrying is safe and will never charge twice',
      { retryable: true },
      { 'retry-after': '2' },
    );
  }
}
