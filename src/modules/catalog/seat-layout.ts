import type { SeatBlock, SeatTier } from '../../db/schema.js';
import { ValidationError } from '../../http/errors.js';
import { MAX_POSITIONS_PER_ROW, MAX_ROWS } from './layout-rules.js';

export { MAX_CURVE, MAX_POSITIONS_PER_ROW, MAX_ROWS, seatOffset } from './layout-rules.js';

/** A row as operators draw it: positions left to right, `null` for an aisle or a gap. */
export interface LayoutRowInput {
  label: string;
  stagger?: boolean | undefined;
  curve?: number | undefined;
  seats: ({
    number: number;
    tier: SeatTier;
    blocked?: SeatBlock | null | undefined;
    seatTypeId?: string | null | undefined;
    seatType?: string | undefined;
  } | null)[];
}

export interface PlacedSeat {
  rowLabel: string;
  number: number;
  tier: SeatTier;
  stagger: boolean;
  curve: number;
  blocked: SeatBlock | null;
  /** An operator-defined seat type of the auditorium's theater (the service checks it belongs there). */
  seatTypeId: string | null;
  /** The type by name (an imported file), resolved to seatTypeId by the service. */
  seatTypeName?: string | undefined;
  /** position in the row, 0 = leftmost as seen from the audience */
  x: number;
  /** row index, 0 = the row nearest the first row the operator listed */
  y: number;
}

export interface StoredSeat extends PlacedSeat {
  id: string;
}

export interface LayoutRowOutput {
  label: string;
  y: number;
  stagger: boolean;
  curve: number;
  seats: ({
    id: string;
    number: number;
    tier: SeatTier;
    x: number;
    blocked: SeatBlock | null;
    seatTypeId: string | null;
  } | null)[];
}

/**
 * Turns rows of positions into seats with x/y coordinates, or throws a ValidationError listing every problem.
 * The request schema already bounds lengths and types; this checks what a schema cannot (uniqueness, totals).
 */
export function placeSeats(rows: LayoutRowInput[]): PlacedSeat[] {
  const problems: { field: string; message: string }[] = [];
  if (rows.length < 1 || rows.length > MAX_ROWS) {
    problems.push({ field: 'body.rows', message: `must have 1 to ${MAX_ROWS} rows` });
  }
  const labels = new Map<string, number>();
  const seats: PlacedSeat[] = [];
  rows.forEach((row, y) => {
    const label = row.label.trim();
    const key = label.toUpperCase();
    const first = labels.get(key);
    if (first !== undefined) {
      problems.push({
        field: `body.rows.${y}.label`,
        message: `repeats the label of row ${first} (${label})`,
      });
    } else {
      labels.set(key, y);
    }
    if (row.seats.length < 1 || row.seats.length > MAX_POSITIONS_PER_ROW) {
      problems.push({
        field: `body.rows.${y}.seats`,
        message: `must have 1 to ${MAX_POSITIONS_PER_ROW} positions`,
      });
    }
    const numbers = new Set<number>();
    row.seats.forEach((seat, x) => {
      if (seat === null) return;
      if (numbers.has(seat.number)) {
        problems.push({
          field: `body.rows.${y}.seats.${x}.number`,
          message: `seat ${label}${seat.number} appears twice in the row`,
        });
        return;
      }
      numbers.add(seat.number);
      seats.push({
        rowLabel: label,
        number: seat.number,
        tier: seat.tier,
        x,
        y,
        stagger: row.stagger ?? false,
        curve: row.curve ?? 0,
        blocked: seat.blocked ?? null,
        seatTypeId: seat.seatTypeId ?? null,
        ...(seat.seatType !== undefined ? { seatTypeName: seat.seatType.trim() } : {}),
      });
    });
  });
  if (seats.length === 0) problems.push({ field: 'body.rows', message: 'must contain at least one seat' });
  if (problems.length > 0) {
    throw new ValidationError(
      `Invalid seat layout: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      { fields: problems },
    );
  }
  return seats;
}

/**
 * Rebuilds the rows from stored seats: one entry per row that has seats, positions 0..max x with null gaps.
 * Rows without seats and trailing gaps are not stored, so they do not come back; `y` keeps the spacing.
 */
export function layoutRows(seats: StoredSeat[]): LayoutRowOutput[] {
  const byY = new Map<number, StoredSeat[]>();
  for (const seat of seats) {
    const row = byY.get(seat.y);
    if (row) row.push(seat);
    else byY.set(seat.y, [seat]);
  }
  return [...byY.entries()]
    .sort(([a], [b]) => a - b)
    .map(([y, rowSeats]) => {
      const width = Math.max(...rowSeats.map((s) => s.x)) + 1;
      const positions: LayoutRowOutput['seats'] = Array.from({ length: width }, () => null);
      for (const s of rowSeats) {
        positions[s.x] = {
          id: s.id,
          number: s.number,
          tier: s.tier,
          x: s.x,
          blocked: s.blocked,
          seatTypeId: s.seatTypeId,
        };
      }
      const first = rowSeats[0];
      return {
        label: first?.rowLabel ?? '',
        y,
        stagger: first?.stagger ?? false,
        curve: first?.curve ?? 0,
        seats: positions,
      };
    });
}
