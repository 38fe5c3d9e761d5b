import { describe, expect, it } from 'vitest';
import { formatAddress } from './address.js';

describe('formatAddress', () => {
  it('does not repeat a city the address already names', () => {
    expect(formatAddress('151 Mercer St, New York, NY 10012', 'New York')).toBe(
      '151 Mercer St, New York, NY 10012',
    );
    expect(formatAddress('45 Water St, Brooklyn, NY 11201', 'brooklyn')).toBe(
      '45 Water St, Brooklyn, NY 11201',
    );
  });

  it('keeps each part once when the address itself repeats the city', () => {
    expect(formatAddress('12 Main St, Springfield, Springfield IL', 'Springfield')).toBe(
      '12 Main St, Springfield IL',
    );
    expect(formatAddress('12 Main St, Springfield, springfield', 'Springfield')).toBe(
      '12 Main St, Springfield',
    );
  });

  it('adds the city when the address does not name it', () => {
    expect(formatAddress('2310 Broadway', 'New York')).toBe('2310 Broadway, New York');
    expect(formatAddress('2310 Broadway', '')).toBe('2310 Broadway');
    // A street that merely contains the city's name is not the city.
    expect(formatAddress('1 York Ave', 'York')).toBe('1 York Ave, York');
  });
});
