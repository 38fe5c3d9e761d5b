import { describe, expect, it } from 'vitest';
import { estimateWaitSeconds, type WaitInput } from './wait-estimate.js';

const room = (w: Partial<WaitInput>): WaitInput => ({
  position: 1,
  ratePerMinute: 600,
  cap: null,
  active: 0,
  admissionSeconds: 600,
  measuredPerMinute: null,
  ...w,
});

describe('the estimated wait', () => {
  it('follows the admission rate when there is no cap', () => {
    expect(estimateWaitSeconds(room({ position: 61, ratePerMinute: 60 }))).toBe(61);
    expect(estimateWaitSeconds(room({ position: 100, ratePerMinute: 600 }))).toBe(10);
  });

  it('lets the places the cap still has free go at the rate, or at once without a rate', () => {
    expect(estimateWaitSeconds(room({ position: 150, cap: 200, active: 0 }))).toBe(15);
    expect(estimateWaitSeconds(room({ position: 150, cap: 200, active: 0, ratePerMinute: null }))).toBe(0);
  });

  it('beyond the cap, goes at the measured pace once there is one, never faster than the rate', () => {
    // 200 active, full: position 30 waits for 30 places to free at 60 a minute.
    expect(estimateWaitSeconds(room({ position: 30, cap: 200, active: 200, measuredPerMinute: 60 }))).toBe(
      30,
    );
    expect(estimateWaitSeconds(room({ position: 30, cap: 200, active: 200, measuredPerMinute: 6000 }))).toBe(
      3,
    );
  });

  it('before a measure, assumes every admitted customer uses the whole admission window (the long side)', () => {
    // 200 places turning over in 600 s at the slowest: one every 3 s.
    expect(estimateWaitSeconds(room({ position: 10, cap: 200, active: 200 }))).toBe(30);
    // 50 still free at 10/s (5 s), then 10 more at the bound.
    expect(estimateWaitSeconds(room({ position: 60, cap: 200, active: 150 }))).toBe(35);
  });
});
