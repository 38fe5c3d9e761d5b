import { describe, expect, it } from 'vitest';
import {
  addRow,
  applyTool,
  blankDraft,
  checkDraft,
  commit,
  exportLayout,
  historyOf,
  importLayout,
  insertAisle,
  previewSeats,
  redo,
  setRow,
  renumberRow,
  retierTypedSeats,
  toApiRows,
  typeTool,
  undo,
  type DraftRow,
  type DraftSeatType,
} from './layout-draft.js';

/** The web app's seat-layout designer model (pure, no DOM). */
const numbers = (row: DraftRow) => row.seats.map((c) => c?.number ?? '_');

describe('numbering rules', () => {
  const row = insertAisle(blankDraft('R', 1, 6), 3).rows[0]!; // 3 seats, an aisle, 3 seats

  it('counts from the left or from the right, skipping the aisle', () => {
    expect(numbers(renumberRow(row, 'left-to-right'))).toEqual([1, 2, 3, '_', 4, 5, 6]);
    expect(numbers(renumberRow(row, 'right-to-left'))).toEqual([6, 5, 4, '_', 3, 2, 1]);
  });

  it('puts odd numbers left and even right, counting out from the middle', () => {
    expect(numbers(renumberRow(row, 'odd-even'))).toEqual([5, 3, 1, '_', 2, 4, 6]);
  });
});

describe('tools', () => {
  it('places tiers, blocks and unblocks a seat, and makes a gap', () => {
    let d = blankDraft('R', 1, 4);
    d = applyTool(d, 0, 0, 'accessible');
    d = applyTool(d, 0, 1, 'companion');
    d = applyTool(d, 0, 2, 'house');
    expect(d.rows[0]!.seats[2]).toEqual({ number: 3, tier: 'standard', blocked: 'house' });
    expect(applyTool(d, 0, 2, 'house').rows[0]!.seats[2]).toMatchObject({ blocked: null });
    d = applyTool(d, 0, 3, 'gap');
    expect(d.rows[0]!.seats.map((c) => c && `${c.tier}${c.blocked ? `/${c.blocked}` : ''}`)).toEqual([
      'accessible',
      'companion',
      'standard/house',
      null,
    ]);
    // A seat drawn on a gap takes the next free number.
    expect(applyTool(d, 0, 3, 'premium').rows[0]!.seats[3]).toEqual({
      number: 4,
      tier: 'premium',
      blocked: null,
    });
  });

  it('warns about a companion seat with no wheelchair space beside it, and refuses repeated labels', () => {
    let d = applyTool(blankDraft('R', 2, 3), 0, 2, 'companion');
    expect(checkDraft(d)).toEqual([expect.objectContaining({ row: 0, severity: 'warning' })]);
    d = applyTool(d, 0, 1, 'accessible');
    expect(checkDraft(d)).toEqual([]);
    d = { ...d, rows: d.rows.map((r) => ({ ...r, label: 'A' })) };
    expect(checkDraft(d).filter((p) => p.severity === 'error')).toHaveLength(1);
  });

  it('adds a row with the next free label', () => {
    expect(addRow(blankDraft('R', 2, 3)).rows.map((r) => r.label)).toEqual(['A', 'B', 'C']);
  });
});

describe('curved rows', () => {
  it('warns when a row bows so much more than the one in front that its ends would overlap it', () => {
    let d = blankDraft('R', 3, 10);
    d = setRow(setRow(d, 1, { curve: 3 }), 2, { curve: 7 });
    expect(checkDraft(d).filter((p) => p.message.includes('bows'))).toEqual([
      expect.objectContaining({ row: 2, severity: 'warning' }),
    ]);
    expect(checkDraft(d).find((p) => p.row === 2)!.message).toMatch(
      /Curve row B at least 4, or row C at most 6/,
    );
    d = setRow(setRow(d, 0, { curve: 1 }), 1, { curve: 4 });
    expect(checkDraft(d).filter((p) => p.message.includes('bows'))).toEqual([]);
  });
});

describe('undo and redo', () => {
  it('goes back and forth, and a new edit drops what was undone', () => {
    const a = blankDraft('R', 1, 2);
    const b = applyTool(a, 0, 0, 'premium');
    const c = applyTool(b, 0, 1, 'premium');
    let h = commit(commit(historyOf(a), b), c);
    h = undo(h);
    expect(h.present).toBe(b);
    h = undo(h);
    expect(h.present).toBe(a);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toBe(b);
    const d = applyTool(b, 0, 0, 'gap');
    h = commit(h, d);
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
  });

  it('makes typing into one field one step, and a different field or a seat edit a new one', () => {
    const a = blankDraft('', 1, 2);
    let h = historyOf(a);
    for (const name of ['S', 'Sc', 'Scr', 'Screen 1']) h = commit(h, { ...h.present, name }, 'name');
    expect(h.past).toEqual([a]);
    h = commit(h, setRow(h.present, 0, { label: 'Z' }), 'label-0');
    h = commit(h, applyTool(h.present, 0, 0, 'premium'));
    h = commit(h, { ...h.present, name: 'Screen 12' }, 'name');
    expect(h.past.length).toBe(4);
    h = undo(h);
    expect(h.present.name).toBe('Screen 1');
    expect(h.present.rows[0]!.seats[0]!.tier).toBe('premium');
    h = undo(undo(h));
    expect(h.present.name).toBe('Screen 1');
    expect(h.present.rows[0]!.label).not.toBe('Z');
    h = undo(h);
    expect(h.present).toBe(a);
    // After an undo, typing again starts a new step rather than rewriting the one undone to.
    h = redo(h);
    h = commit(h, { ...h.present, name: 'Screen 1b' }, 'name');
    expect(undo(h).present.name).toBe('Screen 1');
  });
});

describe('export and import', () => {
  it('round-trips a layout through its JSON file, trailing gaps dropped', () => {
    let d = insertAisle(blankDraft('Screen 1', 2, 4), 2);
    d = { ...d, rows: d.rows.map((r, i) => (i === 1 ? { ...r, stagger: true, curve: 3 } : r)) };
    d = applyTool(applyTool(d, 0, 0, 'accessible'), 0, 1, 'companion');
    d = applyTool(d, 1, 4, 'broken');
    const withTrailingGap = { ...d, rows: d.rows.map((r) => ({ ...r, seats: [...r.seats, null] })) };
    const file = exportLayout(withTrailingGap);
    expect(JSON.parse(file)).toMatchObject({ format: 'matinee.seat-layout/1', name: 'Screen 1' });
    const back = importLayout(file, 'x');
    expect(back).toEqual(d);
    expect(toApiRows(back)).toEqual(toApiRows(d));
  });

  it('says what is wrong with a file that is not a layout', () => {
    expect(() => importLayout('nope', 'x')).toThrow('not JSON');
    expect(() => importLayout('{"format":"other/9","rows":[]}', 'x')).toThrow('Unknown format');
    expect(() => importLayout('{"rows":[]}', 'x')).toThrow('1 to 40 rows');
    expect(() => importLayout('{"rows":[{"label":"A","seats":[{"number":1,"tier":"vip"}]}]}', 'x')).toThrow(
      'position 1 is not a seat',
    );
    expect(() => importLayout('{"rows":[{"label":"A","curve":12,"seats":[null]}]}', 'x')).toThrow('curve');
    // A bare API body (no format, no name) takes the name it is given.
    expect(
      importLayout('{"rows":[{"label":"A","seats":[{"number":1,"tier":"standard"}]}]}', 'Screen 9').name,
    ).toBe('Screen 9');
  });
});

describe('preview', () => {
  it('is what customers will see: no blocked seats, staggered and curved rows drawn aside', () => {
    let d = blankDraft('R', 2, 5);
    d = { ...d, rows: d.rows.map((r, i) => (i === 0 ? { ...r, stagger: true } : { ...r, curve: 10 })) };
    d = applyTool(d, 1, 2, 'broken');
    const seats = previewSeats(d);
    expect(seats).toHaveLength(9);
    expect(seats.filter((s) => s.row === 'A').every((s) => s.dx === 0.5)).toBe(true);
    expect(seats.find((s) => s.row === 'B' && s.x === 0)!.dy).toBe(-0.5);
    expect(seats.some((s) => s.row === 'B' && s.x === 2)).toBe(false);
  });
});

describe('seat types', () => {
  const recliner: DraftSeatType = {
    id: 'type-1',
    name: 'Recliner',
    colour: '#8a2be2',
    baseTier: 'premium',
    surchargeCents: 300,
  };
  const dbox: DraftSeatType = {
    id: 'type-2',
    name: 'D-BOX',
    colour: '#ff8800',
    baseTier: 'standard',
    surchargeCents: 800,
  };
  const typed = () => {
    let d = blankDraft('Screen 1', 2, 3);
    d = applyTool(d, 0, 1, typeTool(recliner.id), [recliner, dbox]);
    return applyTool(d, 1, 2, typeTool(dbox.id), [recliner, dbox]);
  };

  it('a type tool places a seat of the type with its base tier; a tier tool makes it plain again', () => {
    const d = typed();
    expect(d.rows[0]!.seats[1]).toEqual({
      number: 2,
      tier: 'premium',
      blocked: null,
      seatTypeId: recliner.id,
    });
    expect(d.rows[1]!.seats[2]).toMatchObject({ tier: 'standard', seatTypeId: dbox.id });
    const plain = applyTool(d, 0, 1, 'standard');
    expect(plain.rows[0]!.seats[1]).toEqual({ number: 2, tier: 'standard', blocked: null });
    // A type that is not (or no longer) the theater's does nothing.
    expect(applyTool(d, 0, 0, typeTool('gone'), [recliner])).toEqual(d);
    expect(toApiRows(d)[0]!.seats[1]).toEqual({
      number: 2,
      tier: 'premium',
      blocked: null,
      seatTypeId: recliner.id,
    });
  });

  it('exports a type by name and imports it as this theater’s type of that name, any case', () => {
    const file = exportLayout(typed(), [recliner, dbox]);
    const parsed = JSON.parse(file) as { rows: { seats: Record<string, unknown>[] }[] };
    expect(parsed.rows[0]!.seats[1]).toEqual({
      number: 2,
      tier: 'premium',
      blocked: null,
      seatType: 'Recliner',
    });
    expect(file).not.toContain(recliner.id);

    // Another theater: the same names, other ids, and its Recliner is built on standard.
    const theirs: DraftSeatType[] = [
      { ...recliner, id: 'other-1', name: 'RECLINER', baseTier: 'standard' },
      { ...dbox, id: 'other-2' },
    ];
    const back = importLayout(file, 'x', theirs);
    expect(back.rows[0]!.seats[1]).toEqual({
      number: 2,
      tier: 'standard',
      blocked: null,
      seatTypeId: 'other-1',
    });
    expect(back.rows[1]!.seats[2]).toMatchObject({ seatTypeId: 'other-2' });
    expect(back.rows[0]!.seats[0]).toEqual({ number: 1, tier: 'standard', blocked: null });
  });

  it('names every seat type the theater does not have, in one message', () => {
    const file = exportLayout(typed(), [recliner, dbox]);
    expect(() => importLayout(file, 'x', [])).toThrow(
      'The file uses seat types this theater does not have: “Recliner”, “D-BOX”.',
    );
    expect(() => importLayout(file, 'x', [dbox])).toThrow(/does not have: “Recliner”\./);
  });

  it('the preview shows the type and its surcharge; a seat of a deleted type is an error', () => {
    const seat = previewSeats(typed(), [recliner, dbox]).find((p) => p.row === 'A' && p.number === 2)!;
    expect(seat).toMatchObject({
      tier: 'premium',
      priceCents: 300,
      seatType: { id: recliner.id, name: 'Recliner', colour: '#8a2be2' },
    });
    expect(checkDraft(typed(), [recliner, dbox])).toEqual([]);
    expect(checkDraft(typed(), [dbox]).map((p) => [p.severity, p.message])).toEqual([
      ['error', 'Row A, seat 2: its seat type no longer exists; give the seat another type or tier.'],
    ]);
  });

  it('typed seats follow a change of their type’s base tier', () => {
    const d = typed();
    const next = retierTypedSeats(d, [{ ...recliner, baseTier: 'standard' }, dbox]);
    expect(next.rows[0]!.seats[1]).toMatchObject({ tier: 'standard', seatTypeId: recliner.id });
    expect(next.rows[0]!.seats[0]).toBe(d.rows[0]!.seats[0]);
    expect(retierTypedSeats(d, [recliner, dbox])).toBe(d);
  });
});
