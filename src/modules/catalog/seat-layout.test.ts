import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../http/errors.js';
import { layoutRows, placeSeats, seatOffset, type LayoutRowInput } from './seat-layout.js';

const s = (number: number, tier: 'standard' | 'premium' | 'accessible' = 'standard') => ({ number, tier });

function problemsOf(rows: LayoutRowInput[]): string[] {
  try {
    placeSeats(rows);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError & { details: { fields: { field: string }[] } }).details.fields.map(
      (f) => f.field,
    );
  }
  throw new Error('expected a ValidationError');
}

describe('placeSeats', () => {
  it('places seats at their row index and position, skipping aisles', () => {
    const seats = placeSeats([
      { label: 'A', seats: [s(1), null, s(2, 'accessible')] },
      { label: 'B', seats: [s(1, 'premium'), s(2, 'premium'), s(3, 'premium')] },
    ]);
    const plain = { stagger: false, curve: 0, blocked: null, seatTypeId: null };
    expect(seats).toEqual([
      { rowLabel: 'A', number: 1, tier: 'standard', x: 0, y: 0, ...plain },
      { rowLabel: 'A', number: 2, tier: 'accessible', x: 2, y: 0, ...plain },
      { rowLabel: 'B', number: 1, tier: 'premium', x: 0, y: 1, ...plain },
      { rowLabel: 'B', number: 2, tier: 'premium', x: 1, y: 1, ...plain },
      { rowLabel: 'B', number: 3, tier: 'premium', x: 2, y: 1, ...plain },
    ]);
  });

  it("gives every seat its row's stagger and curve and its own block", () => {
    const seats = placeSeats([
      {
        label: 'A',
        stagger: true,
        curve: 4,
        seats: [s(1), { number: 2, tier: 'standard', blocked: 'house' }],
      },
    ]);
    expect(seats.map((x) => [x.stagger, x.curve, x.blocked])).toEqual([
      [true, 4, null],
      [true, 4, 'house'],
    ]);
  });

  it('keeps the spacing of a row of aisles', () => {
    const seats = placeSeats([
      { label: 'A', seats: [s(1)] },
      { label: 'X', seats: [null, null] },
      { label: 'B', seats: [s(1)] },
    ]);
    expect(seats.map((seat) => [seat.rowLabel, seat.y])).toEqual([
      ['A', 0],
      ['B', 2],
    ]);
  });

  it('lists every problem at once', () => {
    expect(
      problemsOf([
        { label: 'A', seats: [s(1), s(1)] },
        { label: 'a', seats: [s(1)] },
        { label: 'C', seats: [] },
      ]),
    ).toEqual(['body.rows.0.seats.1.number', 'body.rows.1.label', 'body.rows.2.seats']);
  });

  it('refuses a layout without seats, too many rows or too wide a row', () => {
    expect(problemsOf([{ label: 'A', seats: [null, null] }])).toEqual(['body.rows']);
    expect(problemsOf([])).toContain('body.rows');
    const many = Array.from({ length: 41 }, (_, i) => ({ label: `R${i}`, seats: [s(1)] }));
    expect(problemsOf(many)).toEqual(['body.rows']);
    const wide = [{ label: 'A', seats: Array.from({ length: 61 }, (_, i) => s(i + 1)) }];
    expect(problemsOf(wide)).toEqual(['body.rows.0.seats']);
  });
});

describe('layoutRows', () => {
  it('rebuilds the rows with gaps from stored seats', () => {
    const input: LayoutRowInput[] = [
      { label: 'A', seats: [s(1), null, s(2, 'accessible')] },
      { label: 'X', seats: [null] },
      { label: 'B', seats: [null, s(1, 'premium')] },
    ];
    const stored = placeSeats(input).map((seat, i) => ({ ...seat, id: `id-${i}` }));
    expect(layoutRows([...stored].reverse())).toEqual([
      {
        label: 'A',
        y: 0,
        stagger: false,
        curve: 0,
        seats: [
          { id: 'id-0', number: 1, tier: 'standard', x: 0, blocked: null, seatTypeId: null },
          null,
          { id: 'id-1', number: 2, tier: 'accessible', x: 2, blocked: null, seatTypeId: null },
        ],
      },
      {
        label: 'B',
        y: 2,
        stagger: false,
        curve: 0,
        seats: [null, { id: 'id-2', number: 1, tier: 'premium', x: 1, blocked: null, seatTypeId: null }],
      },
    ]);
  });
});

describe('seatOffset', () => {
  const row = { minX: 0, maxX: 4 };
  it('shifts a staggered row half a seat and leaves a straight one alone', () => {
    expect(seatOffset({ x: 2, stagger: true, curve: 0 }, row)).toEqual({ dx: 0.5, dy: 0 });
    expect(seatOffset({ x: 0, stagger: false, curve: 0 }, row)).toEqual({ dx: 0, dy: 0 });
  });
  it('bows a curved row: the middle stays, the ends come half a row nearer the screen at the most', () => {
    expect(seatOffset({ x: 2, stagger: false, curve: 10 }, row).dy).toBe(0);
    expect(seatOffset({ x: 0, stagger: false, curve: 10 }, row).dy).toBe(-0.5);
    expect(seatOffset({ x: 4, stagger: false, curve: 10 }, row).dy).toBe(-0.5);
    expect(seatOffset({ x: 1, stagger: false, curve: 10 }, row).dy).toBe(-0.125);
    expect(seatOffset({ x: 0, stagger: false, curve: 10 }, { minX: 0, maxX: 0 }).dy).toBe(0);
  });
});

describe('seat types in a layout', () => {
  it('keeps a seat type by id, or by name (trimmed) for the service to resolve', () => {
    const seats = placeSeats([
      {
        label: 'A',
        seats: [
          { number: 1, tier: 'premium', seatTypeId: 'type-1' },
          { number: 2, tier: 'standard', seatType: ' Recliner ' },
          { number: 3, tier: 'standard' },
        ],
      },
    ]);
    expect(seats.map((x) => [x.seatTypeId, x.seatTypeName])).toEqual([
      ['type-1', undefined],
      [null, 'Recliner'],
      [null, undefined],
    ]);
  });
});
