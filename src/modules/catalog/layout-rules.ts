// Pure (no imports): the web app's layout designer checks and draws with the same limits and rule as the API.

export const MAX_ROWS = 40;
export const MAX_POSITIONS_PER_ROW = 60;

/** A row's bow: at 10 its ends sit half a row nearer the screen than its middle. */
export const MAX_CURVE = 10;

/**
 * Where the map draws a seat, in seat pitches from its grid cell: a staggered row half a seat to the right, a
 * curved row's seats nearer the screen the further they are from the row's middle (a parabola). Drawing only:
 * neighbours (the companion seat rule, best available) go by x.
 */
export function seatOffset(
  seat: { x: number; stagger: boolean; curve: number },
  row: { minX: number; maxX: number },
): { dx: number; dy: number } {
  const half = (row.maxX - row.minX) / 2;
  const t = half > 0 ? (seat.x - (row.minX + half)) / half : 0;
  const dy = -(seat.curve / MAX_CURVE) * 0.5 * t * t;
  return { dx: seat.stagger ? 0.5 : 0, dy: Math.round(dy * 1000) / 1000 || 0 };
}
