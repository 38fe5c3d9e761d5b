import { describe, expect, it } from 'vitest';
import { cardBrand, luhnValid, normaliseCardNumber } from './card.js';

describe('card numbers', () => {
  it.each([
    '4242424242424242',
    '4000000000000002',
    '4000000000009995',
    '4000000000000119',
    '5555555555554444',
  ])('accepts the valid number %s', (n) => expect(luhnValid(n)).toBe(true));
  it.each(['4242424242424241', '1234567812345678', '42', 'abcd'])('rejects %s', (n) =>
    expect(luhnValid(n)).toBe(false),
  );
  it('normalises spaces and dashes and tells the brand', () => {
    const n = normaliseCardNumber('4242 4242-4242 4242');
    expect(n).toBe('4242424242424242');
    expect(cardBrand(n)).toBe('visa');
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('378282246310005')).toBe('amex');
  });
});
