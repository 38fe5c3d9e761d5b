import { describe, expect, it } from 'vitest';
import {
  estimateWait,
  estimateWaitSeconds,
  likelySoldOut,
  type SeatOutlook,
  type WaitInput,
} from './wait-estimate.js';

const room = (w: Partial<WaitInput>): WaitInput => ({
  position: 1,
  ratePerMinute: 600,
  cap: null,
  active: 0,
  admissionSeconds: 600,
  freedPerMinute: null,
  priorAdmissionSeconds: null,
  ...w,
});

describe('the estimated wait', () => {
  it('follows the admission rate when there is no cap', () => {
    expect(estimateWaitSeconds(room({ position: 61, ratePerMinute: 60 }))).toBe(61);
    expect(estimateWait(room({ position: 100, ratePerMinute: 600 }))).toEqual({ seconds: 10, basis: 'rate' });
  });

  it('lets the places the cap still has free go at the rate, or at once without a rate', () => {
    expect(estimateWaitSeconds(room({ position: 150, cap: 200, active: 0 }))).toBe(15);
    expect(estimateWaitSeconds(room({ position: 150, cap: 200, active: 0, ratePerMinute: null }))).toBe(0);
  });

  it('beyond the cap, goes at the pace places are freed once measured, never faster than the rate', () => {
    // 200 active, full: position 30 waits for 30 places to free at 60 a minute.
    expect(estimateWait(room({ position: 30, cap: 200, active: 200, freedPerMinute: 60 }))).toEqual({
      seconds: 30,
      basis: 'measured',
    });
    expect(estimateWaitSeconds(room({ position: 30, cap: 200, active: 200, freedPerMinute: 6000 }))).toBe(3);
  });

  it('before a measure, turns the cap over in the typical admission of earlier rooms', () => {
    // 200 places kept 100 s each: two free a second.
    expect(estimateWait(room({ position: 10, cap: 200, active: 200, priorAdmissionSeconds: 100 }))).toEqual({
      seconds: 5,
      basis: 'history',
    });
    // A measure of 0 freed in 20 s (everyone still choosing) does not throw the prior away.
    expect(
      estimateWait(
        room({ position: 10, cap: 200, active: 200, freedPerMinute: 0, priorAdmissionSeconds: 100 }),
      ),
    ).toEqual({ seconds: 5, basis: 'history' });
    // A prior longer than the window cannot be: the window ends every admission.
    expect(
      estimateWaitSeconds(room({ position: 10, cap: 200, active: 200, priorAdmissionSeconds: 5000 })),
    ).toBe(30);
  });

  it('with nothing known, assumes every admitted customer uses the whole admission window (the long side)', () => {
    // 200 places turning over in 600 s at the slowest: one every 3 s.
    expect(estimateWait(room({ position: 10, cap: 200, active: 200 }))).toEqual({
      seconds: 30,
      basis: 'bound',
    });
    // 50 still free at 10/s (5 s), then 10 more at the bound.
    expect(estimateWaitSeconds(room({ position: 60, cap: 200, active: 150 }))).toBe(35);
    // A measured pace slower than the window allows is a lull, not the pace: the window still ends admissions.
    expect(estimateWaitSeconds(room({ position: 10, cap: 200, active: 200, freedPerMinute: 1 }))).toBe(30);
  });
});

describe('whether the seats go before your turn', () => {
  const seats = (o: Partial<SeatOutlook>): SeatOutlook => ({
    free: 100,
    held: 0,
    ahead: 0,
    idle: 0,
    purchases: 0,
    tickets: 0,
    ...o,
  });

  it('counts 2 tickets a purchase until 10 purchases measure it', () => {
    expect(likelySoldOut(seats({ ahead: 49 }))).toBe(false);
    expect(likelySoldOut(seats({ ahead: 50 }))).toBe(true);
    // Purchases of 4 seats on average: 25 ahead take them all.
    expect(likelySoldOut(seats({ ahead: 24, purchases: 10, tickets: 40 }))).toBe(false);
    expect(likelySoldOut(seats({ ahead: 25, purchases: 10, tickets: 40 }))).toBe(true);
  });

  it('counts the admitted who have not chosen yet as ahead, and no free seat as sold out', () => {
    expect(likelySoldOut(seats({ ahead: 30, idle: 20 }))).toBe(true);
    expect(likelySoldOut(seats({ free: 0, held: 12 }))).toBe(true);
  });
});
