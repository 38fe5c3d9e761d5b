/**
 * Best available: Matinee's rule for choosing seats together. Pure (no I/O, no imports), so the API and the
 * web app (which imports this file for its orphan-seat warning) apply the very same rule.
 *
 * Geometry. Seats sit at integer positions: `y` is the row (0 is the row nearest the screen, whichever side
 * of the map the screen is drawn on), `x` the position in the row. Two seats are adjacent when they share a
 * row and their x differ by exactly 1; a larger gap in x is an aisle. A row is cut into *segments* at aisles.
 *
 * Scoring (lower is better), per auditorium:
 * - Row: the best row is IDEAL_DEPTH (2/3) of the way from the front row to the back row, measured on `y`.
 *   A row costs |depth - 2/3|, from 0 (the best row) to 2/3 (the front row).
 * - Centre: the screen's centre line is the middle of the auditorium's seats (min x to max x). A block costs
 *   CENTRE_WEIGHT (0.5) x |block centre - centre line| / half the auditorium's width, from 0 to 0.5. So in
 *   an auditorium of 11 rows, one row nearer the ideal is worth two seats nearer the centre of a 20-seat row.
 * - Split (4 or more seats): two parts of at least two seats in adjacent rows, the larger half first, cost the mean of their scores plus SPLIT_ALIGN_WEIGHT x how far apart
 *   their centres are (again over half the width).
 *
 * Ranking, first to last (a later class is proposed only after every proposal of the earlier ones):
 * 1. one block in one row that leaves no single empty seat;
 * 2. a split (the closest two parts in adjacent rows) that leaves no single empty seat;
 * 3. a block that leaves a single seat; 4. a split that does.
 * Within a class: with no tier asked for, the cheapest proposal first ("best value"), then the lowest score;
 * then front rows and left seats first, so the order is total and the same on every process.
 *
 * Single seats. Taking a block out of a run of free seats leaves what is left of the run on each side; a side
 * with exactly one seat left is a single seat stuck between taken seats or against an aisle or row end, which
 * nobody can buy with a companion. Seats of every tier count as seats here (a single empty premium seat beside
 * a standard block is still stranded).
 *
 * Tiers. With a tier, every chosen seat is of that tier. Without one, wheelchair spaces and their companion
 * seats are never proposed (they are for those who ask for them) and a block may mix standard and premium seats
 * (priced as they are).
 *
 * Wheelchair spaces (tier=accessible). A block is wheelchair spaces and the companion seats beside them: at
 * least one wheelchair space, and every companion seat next to a wheelchair space of the same block (the hold
 * refuses a companion seat without one). Fewest wheelchair spaces first, so "2, wheelchair" proposes a space and
 * its companion seat before two spaces. A single seat left beside such a block is not avoided here: a lone
 * wheelchair space or companion seat is still sold on its own terms.
 */

export type Tier = 'standard' | 'premium' | 'accessible' | 'companion';

export interface SeatForChoice {
  id: string;
  row: string;
  x: number;
  y: number;
  tier: Tier;
  priceCents: number;
  /** Free to hold now (seatIsFree): available, or held by a hold that has ended. */
  free: boolean;
}

export interface ChoiceRequest {
  count: number;
  tier?: Tier | undefined;
}

export interface Proposal {
  kind: 'block' | 'split';
  /** In row order, then left to right. */
  seatIds: string[];
  /** Taking these seats leaves a single empty seat (offered only when nothing better is left). */
  leavesSingle: boolean;
  totalCents: number;
  score: number;
  /** Row labels, front first (two for a split). */
  rows: string[];
}

export const IDEAL_DEPTH = 2 / 3;
export const CENTRE_WEIGHT = 0.5;
export const SPLIT_ALIGN_WEIGHT = 0.5;
export const MAX_COUNT = 10;
/** A split is two parts of at least two seats ("two pairs"): nobody is proposed a seat on their own. */
export const MIN_SPLIT_COUNT = 4;

interface Geometry {
  minY: number;
  depthRange: number;
  centreX: number;
  halfWidth: number;
}

interface Block {
  seats: SeatForChoice[];
  y: number;
  centre: number;
  leavesSingle: boolean;
  score: number;
  totalCents: number;
}

function geometry(seats: readonly SeatForChoice[]): Geometry {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const s of seats) {
    minX = Math.min(minX, s.x);
    maxX = Math.max(maxX, s.x);
    minY = Math.min(minY, s.y);
    maxY = Math.max(maxY, s.y);
  }
  return {
    minY,
    depthRange: Math.max(maxY - minY, 1),
    centreX: (minX + maxX) / 2,
    halfWidth: Math.max((maxX - minX) / 2, 1),
  };
}

/** Rows (by y, front first), each cut into segments of adjacent seats (sorted by x). */
function segmentsByRow(seats: readonly SeatForChoice[]): Map<number, SeatForChoice[][]> {
  const rows = new Map<number, SeatForChoice[]>();
  for (const s of seats) {
    const row = rows.get(s.y);
    if (row) row.push(s);
    else rows.set(s.y, [s]);
  }
  const out = new Map<number, SeatForChoice[][]>();
  for (const y of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(y)!.sort((a, b) => a.x - b.x);
    const segments: SeatForChoice[][] = [];
    let current: SeatForChoice[] = [];
    for (const s of row) {
      const last = current[current.length - 1];
      if (last && s.x !== last.x + 1) {
        segments.push(current);
        current = [];
      }
      current.push(s);
    }
    if (current.length > 0) segments.push(current);
    out.set(y, segments);
  }
  return out;
}

function allowed(seat: SeatForChoice, tier: Tier | undefined): boolean {
  if (!seat.free) return false;
  if (tier === 'accessible') return seat.tier === 'accessible' || seat.tier === 'companion';
  return tier ? seat.tier === tier : seat.tier !== 'accessible' && seat.tier !== 'companion';
}

/** A wheelchair block: a space at least, and each companion seat beside a space of the same block. */
function keepsCompanions(chosen: readonly SeatForChoice[]): boolean {
  const spaces = chosen.filter((s) => s.tier === 'accessible');
  return (
    spaces.length > 0 &&
    chosen.every((c) => c.tier !== 'companion' || spaces.some((w) => Math.abs(w.x - c.x) === 1))
  );
}

/** Extra cost per wheelchair space beyond the first: a space and its companion before two spaces. */
const EXTRA_SPACE_COST = 0.25;

/** Every block of `size` free, allowed, adjacent seats of one row, scored. */
function blocksInRow(
  y: number,
  segments: SeatForChoice[][],
  g: Geometry,
  size: number,
  tier: Tier | undefined,
): Block[] {
  const blocks: Block[] = [];
  const rowCost = Math.abs((y - g.minY) / g.depthRange - IDEAL_DEPTH);
  for (const seg of segments) {
    // Runs of free seats (of any tier): what a block leaves on each side is measured within its run.
    let i = 0;
    while (i < seg.length) {
      if (!seg[i]!.free) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < seg.length && seg[j + 1]!.free) j++;
      for (let start = i; start + size - 1 <= j; start++) {
        const chosen = seg.slice(start, start + size);
        if (!chosen.every((s) => allowed(s, tier))) continue;
        const wheelchair = tier === 'accessible';
        if (wheelchair && !keepsCompanions(chosen)) continue;
        const left = start - i;
        const right = j - (start + size - 1);
        const centre = (chosen[0]!.x + chosen[chosen.length - 1]!.x) / 2;
        const spaces = chosen.filter((s) => s.tier === 'accessible').length;
        blocks.push({
          seats: chosen,
          y,
          centre,
          leavesSingle: !wheelchair && (left === 1 || right === 1),
          score:
            rowCost +
            (CENTRE_WEIGHT * Math.abs(centre - g.centreX)) / g.halfWidth +
            (wheelchair ? EXTRA_SPACE_COST * (spaces - 1) : 0),
          totalCents: chosen.reduce((sum, s) => sum + s.priceCents, 0),
        });
      }
      i = j + 1;
    }
  }
  return blocks;
}

interface Candidate {
  proposal: Proposal;
  rank: number;
  firstY: number;
  firstX: number;
}

/** Blocks of a split's parts kept per row: the best ones, so a split is found in bounded time in any room. */
const SPLIT_PARTS_PER_ROW = 24;

/**
 * Chooses on its own copy of the seats: `next()` is the best proposal now, `take()` marks seats taken, so a
 * list of proposals is what successive customers would be offered. Only rows whose seats were taken are
 * scored again.
 */
class Chooser {
  private readonly g: Geometry;
  private readonly rows: Map<number, SeatForChoice[][]>;
  private readonly byId = new Map<string, SeatForChoice>();
  private readonly rowBlocks = new Map<number, Candidate[]>();
  private readonly valid: boolean;

  constructor(
    seats: readonly SeatForChoice[],
    private readonly req: ChoiceRequest,
  ) {
    const own = seats.map((s) => ({ ...s }));
    for (const s of own) this.byId.set(s.id, s);
    this.valid = own.length > 0 && Number.isInteger(req.count) && req.count >= 1;
    this.g = geometry(own);
    this.rows = segmentsByRow(own);
  }

  next(): Proposal | undefined {
    if (!this.valid) return undefined;
    const clean = this.bestBlock(0);
    if (clean) return clean.proposal;
    const splits = this.splits();
    return (splits.find((c) => c.rank === 1) ?? this.bestBlock(2) ?? splits[0])?.proposal;
  }

  take(seatIds: readonly string[]): void {
    for (const id of seatIds) {
      const seat = this.byId.get(id);
      if (!seat) continue;
      seat.free = false;
      this.rowBlocks.delete(seat.y);
    }
  }

  /** The best whole block of this rank (0: leaves no single seat, 2: does), over every row. */
  private bestBlock(rank: 0 | 2): Candidate | undefined {
    let best: Candidate | undefined;
    for (const y of this.rows.keys()) {
      const found = this.blocksOfRow(y).find((c) => c.rank === rank);
      if (found && (!best || this.compare(found, best) < 0)) best = found;
    }
    return best;
  }

  private blocksOfRow(y: number): Candidate[] {
    let cached = this.rowBlocks.get(y);
    if (!cached) {
      cached = blocksInRow(y, this.rows.get(y)!, this.g, this.req.count, this.req.tier)
        .map((b) => ({
          proposal: {
            kind: 'block' as const,
            seatIds: b.seats.map((s) => s.id),
            leavesSingle: b.leavesSingle,
            totalCents: b.totalCents,
            score: b.score,
            rows: [b.seats[0]!.row],
          },
          rank: b.leavesSingle ? 2 : 0,
          firstY: b.y,
          firstX: b.seats[0]!.x,
        }))
        .sort((a, b) => this.compare(a, b));
      this.rowBlocks.set(y, cached);
    }
    return cached;
  }

  /** Splits into two parts (the larger half in either row) in adjacent rows, ranked (ranks 1 and 3). */
  private splits(): Candidate[] {
    if (this.req.count < MIN_SPLIT_COUNT) return [];
    const big = Math.ceil(this.req.count / 2);
    const small = this.req.count - big;
    const best = (size: number) => {
      const m = new Map<number, Block[]>();
      for (const [y, segments] of this.rows) {
        const blocks = blocksInRow(y, segments, this.g, size, this.req.tier);
        blocks.sort((a, b) => Number(a.leavesSingle) - Number(b.leavesSingle) || a.score - b.score);
        m.set(y, blocks.slice(0, SPLIT_PARTS_PER_ROW));
      }
      return m;
    };
    const bigBlocks = best(big);
    const smallBlocks = big === small ? bigBlocks : best(small);
    const ys = [...this.rows.keys()];
    const out: Candidate[] = [];
    for (let k = 0; k + 1 < ys.length; k++) {
      const front = ys[k]!;
      const back = ys[k + 1]!;
      const pairings: [Block[] | undefined, Block[] | undefined][] = [
        [bigBlocks.get(front), smallBlocks.get(back)],
      ];
      if (big !== small) pairings.push([smallBlocks.get(front), bigBlocks.get(back)]);
      for (const [fs, bs] of pairings) {
        for (const f of fs ?? []) {
          for (const b of bs ?? []) {
            const leavesSingle = f.leavesSingle || b.leavesSingle;
            out.push({
              proposal: {
                kind: 'split',
                seatIds: [...f.seats, ...b.seats].map((s) => s.id),
                leavesSingle,
                totalCents: f.totalCents + b.totalCents,
                score:
                  (f.score + b.score) / 2 +
                  (SPLIT_ALIGN_WEIGHT * Math.abs(f.centre - b.centre)) / this.g.halfWidth,
                rows: [f.seats[0]!.row, b.seats[0]!.row],
              },
              rank: leavesSingle ? 3 : 1,
              firstY: f.y,
              firstX: f.seats[0]!.x,
            });
          }
        }
      }
    }
    return out.sort((a, b) => this.compare(a, b));
  }

  private compare(a: Candidate, b: Candidate): number {
    const byPrice = this.req.tier === undefined;
    return (
      a.rank - b.rank ||
      (byPrice ? a.proposal.totalCents - b.proposal.totalCents : 0) ||
      a.proposal.score - b.proposal.score ||
      a.firstY - b.firstY ||
      a.firstX - b.firstX
    );
  }
}

/**
 * Up to `limit` proposals for `count` seats, best first, each chosen as if the ones before it had been taken:
 * what successive customers would be offered. No two share a seat, and taking any of them together leaves no
 * single seat that taking each alone would not (a free run that loses none of them keeps a length of 0 or 2+).
 * "Next proposal" walks this list; concurrent holds spread over it. Empty when no block or split is left.
 */
export function proposeSeats(seats: readonly SeatForChoice[], req: ChoiceRequest, limit = 20): Proposal[] {
  const chooser = new Chooser(seats, req);
  const out: Proposal[] = [];
  while (out.length < limit) {
    const p = chooser.next();
    if (!p) break;
    out.push(p);
    chooser.take(p.seatIds);
  }
  return out;
}

/** The best proposal now, or undefined when none is left. */
export function bestSeats(seats: readonly SeatForChoice[], req: ChoiceRequest): Proposal | undefined {
  return new Chooser(seats, req).next();
}

/**
 * The free seats that taking `chosenIds` would leave single (alone between taken seats, an aisle or a row
 * end) and that were not single before: what a customer picking by hand is warned about.
 */
export function singleSeatsLeftBy(
  seats: readonly Pick<SeatForChoice, 'id' | 'x' | 'y' | 'free'>[],
  chosenIds: Iterable<string>,
): string[] {
  const chosen = new Set(chosenIds);
  if (chosen.size === 0) return [];
  const rows = segmentsByRow(seats as SeatForChoice[]);
  const out: string[] = [];
  for (const segments of rows.values()) {
    for (const seg of segments) {
      if (!seg.some((s) => chosen.has(s.id))) continue;
      const before = singles(seg, (s) => s.free);
      for (const id of singles(seg, (s) => s.free && !chosen.has(s.id))) {
        if (!before.has(id)) out.push(id);
      }
    }
  }
  return out;
}

function singles(seg: SeatForChoice[], free: (s: SeatForChoice) => boolean): Set<string> {
  const out = new Set<string>();
  seg.forEach((s, i) => {
    if (!free(s)) return;
    const left = seg[i - 1];
    const right = seg[i + 1];
    if ((!left || !free(left)) && (!right || !free(right))) out.add(s.id);
  });
  return out;
}
