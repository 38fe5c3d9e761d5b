import { describe, expect, it } from 'vitest';
import { bestSeats, proposeSeats, singleSeatsLeftBy, type SeatForChoice, type Tier } from './best-seats.js';

const PRICES: Record<Tier, number> = { standard: 1000, premium: 1500, accessible: 800, companion: 1000 };

/**
 * A room drawn as text, front row first. '.' free standard, '#' taken standard, 'p' free premium, 'P' taken
 * premium, 'a' free wheelchair space, 'c' free companion seat, ' ' no seat (an aisle). A seat's id is its row
 * letter and x: "C4".
 */
function room(...rows: string[]): SeatForChoice[] {
  const seats: SeatForChoice[] = [];
  rows.forEach((line, y) => {
    const row = String.fromCharCode(65 + y);
    [...line].forEach((ch, x) => {
      if (ch === ' ') return;
      const tier: Tier =
        ch === 'p' || ch === 'P'
          ? 'premium'
          : ch === 'a'
            ? 'accessible'
            : ch === 'c'
              ? 'companion'
              : 'standard';
      seats.push({ id: `${row}${x}`, row, x, y, tier, priceCents: PRICES[tier], free: /[.pac]/.test(ch) });
    });
  });
  return seats;
}

/** What taking these seats leaves, drawn back as text (for assertions on whole maps). */
function take(seats: SeatForChoice[], ids: string[]): SeatForChoice[] {
  const set = new Set(ids);
  return seats.map((s) => (set.has(s.id) ? { ...s, free: false } : s));
}

describe('bestSeats: the best row and the centre', () => {
  it('proposes the centre of the row two thirds of the way back', () => {
    const seats = room(...Array.from({ length: 10 }, () => '..........'));
    const p = bestSeats(seats, { count: 4 })!;
    // rows A (y 0) to J (y 9): two thirds back is y 6 = G; the centre of x 0..9 is 4.5.
    expect(p).toMatchObject({ kind: 'block', leavesSingle: false, rows: ['G'] });
    expect(p.seatIds).toEqual(['G3', 'G4', 'G5', 'G6']);
  });

  it('weighs the row against the centre: a seat off centre in the best row beats the next row', () => {
    const seats = room('..........', '..........', '#####.....');
    // Three rows: two thirds back is y 1.33, so B; B's centre is free.
    expect(bestSeats(seats, { count: 2 })!.seatIds).toEqual(['B4', 'B5']);
  });

  it('moves to a worse row only when the best one is taken, and keeps to the centre there', () => {
    const seats = room('..........', '..........', '..........', '##########');
    // y 2 is the ideal row (2/3 of 0..3) and full; B (y 1) and D (y 3) are 1/3 away... D is taken.
    const p = bestSeats(seats, { count: 4 })!;
    expect(p.rows).toEqual(['C']);
    expect(p.seatIds).toEqual(['C3', 'C4', 'C5', 'C6']);
    const full = take(seats, ['C0', 'C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9']);
    expect(bestSeats(full, { count: 4 })!.seatIds).toEqual(['B3', 'B4', 'B5', 'B6']);
  });

  it('never proposes a taken seat, and is empty when nothing fits', () => {
    const seats = room('#.#.#.#.', '.#.#.#.#');
    expect(bestSeats(seats, { count: 2 })).toBeUndefined();
    expect(proposeSeats(seats, { count: 2 })).toEqual([]);
    expect(bestSeats(seats, { count: 1 })!.seatIds).toHaveLength(1);
    expect(bestSeats([], { count: 1 })).toBeUndefined();
    expect(bestSeats(room('....'), { count: 0 })).toBeUndefined();
  });
});

describe('bestSeats: no single empty seat left', () => {
  it('shifts a block off the centre rather than strand a seat at the row end', () => {
    // 7 seats: the centred blocks (1..4, 2..5) each leave one seat alone at an end.
    const p = bestSeats(room('.......'), { count: 4 })!;
    expect(p.leavesSingle).toBe(false);
    expect(p.seatIds).toEqual(['A0', 'A1', 'A2', 'A3']);
  });

  it('does not strand a seat between taken ones', () => {
    // Free run 2..9 (8 seats); centre 5.5: block 4..7 would leave 2..3 and 8..9 (fine), but 3..6 leaves 2 alone.
    const seats = room('##........##');
    const p = bestSeats(seats, { count: 4 })!;
    expect(p.seatIds).toEqual(['A4', 'A5', 'A6', 'A7']);
    const rest = take(seats, p.seatIds);
    // Both pairs left are 3 seats from the centre: the tie goes to the left.
    expect(bestSeats(rest, { count: 2 })!.seatIds).toEqual(['A2', 'A3']);
  });

  it('does not strand a seat against an aisle', () => {
    // Segments 0..4 and 6..12 (the aisle at 5). Block 6..9 is nearest the centre (6) and leaves 10..12.
    // In the left segment any 4 of 5 strands a seat.
    const seats = room('..... .......');
    const p = bestSeats(seats, { count: 4 })!;
    expect(p.seatIds).toEqual(['A6', 'A7', 'A8', 'A9']);
    expect(singleSeatsLeftBy(seats, ['A1', 'A2', 'A3', 'A4'])).toEqual(['A0']);
  });

  it('prefers a clean split to a block that strands a seat, and takes the block when nothing else is left', () => {
    const two = room('..... .....', '..... .....');
    const p = bestSeats(two, { count: 4 })!;
    expect(p).toMatchObject({ kind: 'split', leavesSingle: false });
    const one = room('..... .....');
    expect(bestSeats(one, { count: 4 })).toMatchObject({ kind: 'block', leavesSingle: true });
  });

  it('every proposal of an empty room is clean while clean ones exist', () => {
    const seats = room(...Array.from({ length: 6 }, () => '........ ............'));
    const ps = proposeSeats(seats, { count: 4 }, 40);
    expect(ps).toHaveLength(30); // 6 rows x (2 + 3) blocks: every seat, packed without a gap
    expect(ps.every((p) => p.kind === 'block' && !p.leavesSingle)).toBe(true);
  });

  it('any set of proposals taken together leaves no single seat that none of them left (random rooms)', () => {
    let state = 7;
    const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const width = 6 + Math.floor(rand() * 14);
      const aisle = Math.floor(rand() * width);
      const lines = Array.from({ length: 2 + Math.floor(rand() * 5) }, () =>
        Array.from({ length: width }, (_, x) => (x === aisle && x > 0 ? ' ' : rand() < 0.3 ? '#' : '.')).join(
          '',
        ),
      );
      const seats = room(...lines);
      const count = 2 + Math.floor(rand() * 4);
      const ps = proposeSeats(seats, { count }, 50).filter((p) => !p.leavesSingle);
      const subset = ps.filter(() => rand() < 0.5).flatMap((p) => p.seatIds);
      expect(new Set(subset).size).toBe(subset.length);
      expect(singleSeatsLeftBy(seats, subset), `${lines.join('/')} count ${count}`).toEqual([]);
    }
  });
});

describe('bestSeats: aisles and splits', () => {
  it('never joins seats across an aisle', () => {
    const seats = room('... ...');
    expect(bestSeats(seats, { count: 4 })).toBeUndefined();
    expect(bestSeats(seats, { count: 3 })!.seatIds).toEqual(['A0', 'A1', 'A2']);
  });

  it('splits into two pairs in adjacent rows, one behind the other, when no block fits', () => {
    const seats = room('##..####..##', '####..##..##', '############', '.##..#..##..');
    const p = bestSeats(seats, { count: 4 })!;
    expect(p.kind).toBe('split');
    expect(p.rows).toEqual(['A', 'B']); // D's pairs have no row free behind or in front
    // The aligned pairs (8..9 above 8..9) beat the staggered ones (2..3 above 4..5).
    expect(p.seatIds).toEqual(['A8', 'A9', 'B8', 'B9']);
  });

  it('splits an odd count into the larger part and the smaller, in either row order', () => {
    const seats = room('##..######', '#...######');
    const p = bestSeats(seats, { count: 5 })!;
    expect(p).toMatchObject({ kind: 'split', rows: ['A', 'B'] });
    expect(p.seatIds).toEqual(['A2', 'A3', 'B1', 'B2', 'B3']);
  });

  it('never splits across rows that are not adjacent, nor fewer than four seats', () => {
    expect(bestSeats(room('##..', '####', '##..'), { count: 4 })).toBeUndefined();
    expect(bestSeats(room('#.#.', '.#.#'), { count: 2 })).toBeUndefined();
    expect(bestSeats(room('#..#', '..##'), { count: 3 })).toBeUndefined();
  });
});

describe('bestSeats: wheelchair spaces and their companion seats', () => {
  const seats = room('aac....caa', '..........', '..........');

  it('proposes a wheelchair space with its companion seat before two spaces', () => {
    const p = bestSeats(seats, { count: 2, tier: 'accessible' })!;
    expect(p.seatIds).toEqual(['A1', 'A2']); // space + companion (A0 left alone is still a wheelchair space)
    const ids = proposeSeats(seats, { count: 2, tier: 'accessible' }, 10).map((x) => x.seatIds.join(','));
    expect(ids.slice(0, 2).sort()).toEqual(['A1,A2', 'A7,A8']);
  });

  it('never proposes a companion seat without a wheelchair space beside it in the block', () => {
    for (const p of proposeSeats(seats, { count: 1, tier: 'accessible' }, 20)) {
      expect(p.seatIds).toHaveLength(1);
      expect(['A0', 'A1', 'A8', 'A9']).toContain(p.seatIds[0]);
    }
    const threes = proposeSeats(seats, { count: 3, tier: 'accessible' }, 20).map((x) => x.seatIds.join(','));
    expect(threes.sort()).toEqual(['A0,A1,A2', 'A7,A8,A9']);
  });

  it('keeps companion seats out of proposals for everyone else', () => {
    for (const p of proposeSeats(seats, { count: 2 }, 20)) {
      expect(p.seatIds.some((id) => ['A0', 'A1', 'A2', 'A7', 'A8', 'A9'].includes(id))).toBe(false);
    }
  });
});

describe('bestSeats: tiers', () => {
  const seats = room('aa........', '..........', 'pppppppppp', '..........');

  it('takes only the tier asked for', () => {
    const p = bestSeats(seats, { count: 4, tier: 'premium' })!;
    expect(p.seatIds).toEqual(['C3', 'C4', 'C5', 'C6']);
    expect(p.totalCents).toBe(6000);
    const acc = bestSeats(seats, { count: 2, tier: 'accessible' })!;
    expect(acc.seatIds).toEqual(['A0', 'A1']);
    expect(bestSeats(seats, { count: 3, tier: 'accessible' })).toBeUndefined();
  });

  it('with no tier, the best value: standard before premium, never accessible spaces', () => {
    const p = bestSeats(seats, { count: 4 })!;
    expect(p.totalCents).toBe(4000);
    expect(p.rows).toEqual(['B']); // the best standard row (C is premium; D is further from 2/3 than B)
    const onlyFront = room('aa..', 'pppp');
    expect(bestSeats(onlyFront, { count: 2 })!.seatIds).toEqual(['A2', 'A3']);
    expect(bestSeats(room('aaaa'), { count: 2 })).toBeUndefined();
  });

  it('counts a free seat of another tier when judging what a block leaves', () => {
    // Standard 0..4, premium 5: the standard block 2..5 is impossible; 1..4 would strand 0; 0..3 leaves 4 + p5.
    const p = bestSeats(room('.....p'), { count: 4, tier: 'standard' })!;
    expect(p.seatIds).toEqual(['A0', 'A1', 'A2', 'A3']);
    expect(p.leavesSingle).toBe(false);
  });
});

describe('proposeSeats: next proposals', () => {
  it('lists different seats each time, best first, and stops at the limit', () => {
    const seats = room(...Array.from({ length: 5 }, () => '............'));
    const ps = proposeSeats(seats, { count: 4 }, 6);
    expect(ps).toHaveLength(6);
    const all = ps.flatMap((p) => p.seatIds);
    expect(new Set(all).size).toBe(all.length);
    expect(ps[0]!.seatIds).toEqual(bestSeats(seats, { count: 4 })!.seatIds);
    const scores = ps.map((p) => p.score);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
  });

  it('falls back to splits after the last block', () => {
    const seats = room('####....####', '####..######', '##..########');
    const ps = proposeSeats(seats, { count: 4 });
    expect(ps.map((p) => p.kind)).toEqual(['block', 'split']);
    expect(ps[0]!.seatIds).toEqual(['A4', 'A5', 'A6', 'A7']);
    expect(ps[1]).toMatchObject({ seatIds: ['B4', 'B5', 'C2', 'C3'], rows: ['B', 'C'] });
  });
});

describe('singleSeatsLeftBy: the warning for seats picked by hand', () => {
  it('names the seats a selection would strand, and only new ones', () => {
    const seats = room('#.....#.#');
    expect(singleSeatsLeftBy(seats, ['A2', 'A3'])).toEqual(['A1']);
    expect(singleSeatsLeftBy(seats, ['A1', 'A2'])).toEqual([]);
    expect(singleSeatsLeftBy(seats, ['A4'])).toEqual(['A5']);
    expect(singleSeatsLeftBy(seats, [])).toEqual([]);
    // A7 was alone before; taking seats elsewhere is not blamed for it.
    expect(singleSeatsLeftBy(seats, ['A1', 'A2', 'A3', 'A4', 'A5'])).toEqual([]);
  });

  it('treats an aisle like a row end', () => {
    expect(singleSeatsLeftBy(room('... ...'), ['A4', 'A5'])).toEqual(['A6']);
    expect(singleSeatsLeftBy(room('... ...'), ['A0', 'A1', 'A2'])).toEqual([]);
  });
});
