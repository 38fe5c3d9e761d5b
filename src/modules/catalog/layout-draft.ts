import { MAX_CURVE, MAX_POSITIONS_PER_ROW, MAX_ROWS, seatOffset } from './layout-rules.js';

// The web app's seat-layout designer imports this file: it stays pure (no server code, no DOM).
type SeatTier = 'standard' | 'premium' | 'accessible' | 'companion';
type ScreenPosition = 'top' | 'bottom';

/** A seat as the customers' seat map takes it (the public API's SeatMapSeat), for the designer's preview. */
export interface PreviewSeat {
  id: string;
  row: string;
  number: number;
  x: number;
  y: number;
  tier: SeatTier;
  dx: number;
  dy: number;
  priceCents: number;
  seatType: { id: string; name: string; colour: string } | null;
  status: 'available';
}

/**
 * The seat-layout designer's model, pure: a draft is what the admin API takes (rows front to back, positions
 * left to right, null for a gap or aisle), and every edit returns a new draft so undo/redo is a list of drafts.
 */
export type SeatBlock = 'broken' | 'house';
export interface DraftSeat {
  number: number;
  tier: SeatTier;
  blocked: SeatBlock | null;
  /** One of the theater's seat types (then tier is its base tier); absent or null: a plain seat. */
  seatTypeId?: string | null;
}

/** A theater's seat type as the designer knows it (the admin API's AdminSeatType). */
export interface DraftSeatType {
  id: string;
  name: string;
  colour: string;
  baseTier: 'standard' | 'premium';
  surchargeCents: number;
}
export type DraftCell = DraftSeat | null;
export interface DraftRow {
  label: string;
  stagger: boolean;
  curve: number;
  seats: DraftCell[];
}
export interface Draft {
  name: string;
  screenPosition: ScreenPosition;
  rows: DraftRow[];
}

const MAX_POSITIONS = MAX_POSITIONS_PER_ROW;
export { MAX_CURVE, MAX_ROWS };
export const LAYOUT_FORMAT = 'matinee.seat-layout/1';

/** What a click on a cell does: `type:<id>` places a seat of that seat type. */
export type TypeTool = `type:${string}`;
export type Tool = SeatTier | SeatBlock | 'gap' | TypeTool;

export function typeTool(id: string): TypeTool {
  return `type:${id}`;
}
export type NumberingRule = 'left-to-right' | 'right-to-left' | 'odd-even';

export function rowLabelFor(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `A${String.fromCharCode(65 + ((index - 26) % 26))}`;
}

export function blankDraft(name = '', rows = 5, seats = 10): Draft {
  return {
    name,
    screenPosition: 'top',
    rows: Array.from({ length: rows }, (_, y) => ({
      label: rowLabelFor(y),
      stagger: false,
      curve: 0,
      seats: Array.from({ length: seats }, (_, x) => ({
        number: x + 1,
        tier: 'standard' as const,
        blocked: null,
      })),
    })),
  };
}

function withRow(draft: Draft, y: number, change: (row: DraftRow) => DraftRow): Draft {
  return { ...draft, rows: draft.rows.map((r, i) => (i === y ? change(r) : r)) };
}

function nextNumber(row: DraftRow): number {
  return Math.max(0, ...row.seats.map((s) => s?.number ?? 0)) + 1;
}

/** A label not yet used: the next letter after the last row's, or the first free one. */
function freeLabel(draft: Draft): string {
  const used = new Set(draft.rows.map((r) => r.label.toUpperCase()));
  for (let i = 0; i < 26 * 27; i++) {
    const l = rowLabelFor(i);
    if (!used.has(l)) return l;
  }
  return `R${draft.rows.length + 1}`;
}

export function addRow(draft: Draft): Draft {
  if (draft.rows.length >= MAX_ROWS) return draft;
  const last = draft.rows[draft.rows.length - 1];
  const width = last?.seats.length ?? 10;
  const seats: DraftCell[] = last
    ? last.seats.map((c) => (c ? { number: c.number, tier: 'standard', blocked: null } : null))
    : Array.from({ length: width }, (_, x) => ({ number: x + 1, tier: 'standard', blocked: null }));
  return { ...draft, rows: [...draft.rows, { label: freeLabel(draft), stagger: false, curve: 0, seats }] };
}

export function removeRow(draft: Draft, y: number): Draft {
  if (draft.rows.length <= 1) return draft;
  return { ...draft, rows: draft.rows.filter((_, i) => i !== y) };
}

export function moveRow(draft: Draft, y: number, by: -1 | 1): Draft {
  const to = y + by;
  if (to < 0 || to >= draft.rows.length) return draft;
  const rows = [...draft.rows];
  [rows[y], rows[to]] = [rows[to]!, rows[y]!];
  return { ...draft, rows };
}

export function addSeat(draft: Draft, y: number): Draft {
  return withRow(draft, y, (row) =>
    row.seats.length >= MAX_POSITIONS
      ? row
      : { ...row, seats: [...row.seats, { number: nextNumber(row), tier: 'standard', blocked: null }] },
  );
}

export function removeLastPosition(draft: Draft, y: number): Draft {
  return withRow(draft, y, (row) =>
    row.seats.length <= 1 ? row : { ...row, seats: row.seats.slice(0, -1) },
  );
}

/** An aisle through every row: a gap inserted at position x (rows shorter than x are left alone). */
export function insertAisle(draft: Draft, x: number): Draft {
  return {
    ...draft,
    rows: draft.rows.map((row) =>
      x > row.seats.length || row.seats.length >= MAX_POSITIONS
        ? row
        : { ...row, seats: [...row.seats.slice(0, x), null, ...row.seats.slice(x)] },
    ),
  };
}

/**
 * Applies a tool to one position: a tier makes (or re-tiers) a plain seat, a seat type makes a seat of that type
 * (with its base tier), a block blocks it, gap removes it. A type tool whose type is not in `types` does nothing.
 */
export function applyTool(
  draft: Draft,
  y: number,
  x: number,
  tool: Tool,
  types: readonly DraftSeatType[] = [],
): Draft {
  return withRow(draft, y, (row) => {
    const seats = [...row.seats];
    const cell = seats[x];
    if (x >= seats.length) return row;
    if (tool === 'gap') seats[x] = null;
    else if (tool === 'broken' || tool === 'house') {
      const base = cell ?? { number: nextNumber(row), tier: 'standard' as const, blocked: null };
      seats[x] = { ...base, blocked: cell?.blocked === tool ? null : tool }; // a second click unblocks
    } else if (tool.startsWith('type:')) {
      const type = types.find((t) => typeTool(t.id) === tool);
      if (!type) return row;
      seats[x] = {
        number: cell?.number ?? nextNumber(row),
        tier: type.baseTier,
        blocked: cell?.blocked ?? null,
        seatTypeId: type.id,
      };
    } else {
      seats[x] = {
        number: cell?.number ?? nextNumber(row),
        tier: tool as SeatTier,
        blocked: cell?.blocked ?? null,
      };
    }
    return { ...row, seats };
  });
}

/** Typed seats take their type's current base tier (after an operator changed it); other seats stay. */
export function retierTypedSeats(draft: Draft, types: readonly DraftSeatType[]): Draft {
  const tiers = new Map(types.map((t) => [t.id, t.baseTier]));
  let changed = false;
  const rows = draft.rows.map((row) => ({
    ...row,
    seats: row.seats.map((c) => {
      const tier = c?.seatTypeId ? tiers.get(c.seatTypeId) : undefined;
      if (!c || !tier || tier === c.tier) return c;
      changed = true;
      return { ...c, tier };
    }),
  }));
  return changed ? { ...draft, rows } : draft;
}

export function setRow(draft: Draft, y: number, patch: Partial<Omit<DraftRow, 'seats'>>): Draft {
  return withRow(draft, y, (row) => ({ ...row, ...patch }));
}

export function setSeatNumber(draft: Draft, y: number, x: number, number: number): Draft {
  return withRow(draft, y, (row) => ({
    ...row,
    seats: row.seats.map((c, i) => (i === x && c ? { ...c, number } : c)),
  }));
}

/**
 * Numbers a row's seats by a rule. left-to-right and right-to-left count 1, 2, 3 across the row (as seen from
 * the audience); odd-even counts outwards from the middle: odd numbers to the left (1, 3, 5), even to the right
 * (2, 4, 6), as many theaters do either side of a centre aisle.
 */
export function renumberRow(row: DraftRow, rule: NumberingRule): DraftRow {
  const xs = row.seats.flatMap((c, x) => (c ? [x] : []));
  const numbers = new Map<number, number>();
  if (rule === 'left-to-right') xs.forEach((x, i) => numbers.set(x, i + 1));
  else if (rule === 'right-to-left') [...xs].reverse().forEach((x, i) => numbers.set(x, i + 1));
  else {
    const half = Math.ceil(xs.length / 2);
    xs.slice(0, half)
      .reverse()
      .forEach((x, i) => numbers.set(x, 2 * i + 1));
    xs.slice(half).forEach((x, i) => numbers.set(x, 2 * i + 2));
  }
  return { ...row, seats: row.seats.map((c, x) => (c ? { ...c, number: numbers.get(x) ?? c.number } : c)) };
}

export function renumber(draft: Draft, rule: NumberingRule, y?: number): Draft {
  return {
    ...draft,
    rows: draft.rows.map((row, i) => (y === undefined || y === i ? renumberRow(row, rule) : row)),
  };
}

export interface Problem {
  /** Row index, or null for the whole layout. */
  row: number | null;
  message: string;
  /** Warnings save; errors do not. */
  severity: 'error' | 'warning';
}

/** What the API would refuse (errors) and what it would accept but is probably a slip (warnings). */
export function checkDraft(draft: Draft, types?: readonly DraftSeatType[]): Problem[] {
  const known = types ? new Set(types.map((t) => t.id)) : undefined;
  const problems: Problem[] = [];
  if (!draft.name.trim())
    problems.push({ row: null, message: 'The auditorium needs a name.', severity: 'error' });
  const labels = new Map<string, number>();
  let seats = 0;
  draft.rows.forEach((row, y) => {
    const label = row.label.trim();
    if (!/^[A-Za-z0-9]{1,4}$/.test(label)) {
      problems.push({
        row: y,
        message: `Row ${y + 1}: the label must be 1 to 4 letters or digits.`,
        severity: 'error',
      });
    } else if (labels.has(label.toUpperCase())) {
      problems.push({ row: y, message: `Row ${label} appears twice.`, severity: 'error' });
    }
    labels.set(label.toUpperCase(), y);
    const numbers = new Set<number>();
    row.seats.forEach((c, x) => {
      if (!c) return;
      seats++;
      if (numbers.has(c.number)) {
        problems.push({
          row: y,
          message: `Row ${label}: seat number ${c.number} appears twice.`,
          severity: 'error',
        });
      }
      numbers.add(c.number);
      if (known && c.seatTypeId && !known.has(c.seatTypeId)) {
        problems.push({
          row: y,
          message: `Row ${label}, seat ${c.number}: its seat type no longer exists; give the seat another type or tier.`,
          severity: 'error',
        });
      }
      if (c.tier === 'companion') {
        const beside = [row.seats[x - 1], row.seats[x + 1]].some((n) => n?.tier === 'accessible');
        if (!beside) {
          problems.push({
            row: y,
            message: `Row ${label}, seat ${c.number}: a companion seat needs a wheelchair space right beside it; without one it sells as a standard seat.`,
            severity: 'warning',
          });
        }
      }
    });
  });
  draft.rows.forEach((row, y) => {
    const front = draft.rows[y - 1];
    if (!front || row.curve - front.curve <= MAX_CURVE_STEP) return;
    const label = row.label.trim() || String(y + 1);
    const frontLabel = front.label.trim() || String(y);
    problems.push({
      row: y,
      message: `Row ${label} bows more than row ${frontLabel} in front of it (curve ${row.curve} against ${front.curve}): its ends overlap row ${frontLabel} on the seat map. Curve row ${frontLabel} at least ${row.curve - MAX_CURVE_STEP}, or row ${label} at most ${front.curve + MAX_CURVE_STEP}.`,
      severity: 'warning',
    });
  });
  if (seats === 0) problems.push({ row: null, message: 'The layout has no seats.', severity: 'error' });
  return problems;
}

/**
 * How much more a row may bow than the row in front of it before its ends reach into that row on the map:
 * the map's gap between rows is a sixth of a row's pitch, and a curve step moves the ends 1/20 of a row.
 */
const MAX_CURVE_STEP = 3;

/**
 * The layout as the customers' seat map shows it: blocked seats are not for sale, so not shown. Prices are a
 * showtime's, so the preview has none (0) beyond a seat type's surcharge.
 */
export function previewSeats(draft: Draft, types: readonly DraftSeatType[] = []): PreviewSeat[] {
  const byId = new Map(types.map((t) => [t.id, t]));
  const seats: PreviewSeat[] = [];
  draft.rows.forEach((row, y) => {
    const xs = row.seats.flatMap((c, x) => (c ? [x] : []));
    const extent = { minX: Math.min(...xs), maxX: Math.max(...xs) };
    row.seats.forEach((c, x) => {
      if (!c || c.blocked) return;
      const type = c.seatTypeId ? byId.get(c.seatTypeId) : undefined;
      seats.push({
        id: `preview-${y}-${x}`,
        row: row.label,
        number: c.number,
        x,
        y,
        tier: c.tier,
        ...seatOffset({ x, stagger: row.stagger, curve: row.curve }, extent),
        priceCents: type?.surchargeCents ?? 0,
        seatType: type ? { id: type.id, name: type.name, colour: type.colour } : null,
        status: 'available',
      });
    });
  });
  return seats;
}

/** The body of POST/PUT, without empty trailing positions. A typed seat carries its seatTypeId. */
export function toApiRows(draft: Draft) {
  return draft.rows.map((row) => {
    const seats = [...row.seats];
    while (seats.length > 1 && seats[seats.length - 1] === null) seats.pop();
    return {
      label: row.label.trim(),
      stagger: row.stagger,
      curve: row.curve,
      seats: seats.map((c) =>
        c
          ? {
              number: c.number,
              tier: c.tier,
              blocked: c.blocked,
              ...(c.seatTypeId ? { seatTypeId: c.seatTypeId } : {}),
            }
          : null,
      ),
    };
  });
}

/**
 * The layout file: the API body, with a typed seat's type by name (`seatType`) rather than id, so the file
 * fits any theater that has types of those names (importLayout, and the API itself, map names back).
 */
export function exportLayout(draft: Draft, types: readonly DraftSeatType[] = []): string {
  const names = new Map(types.map((t) => [t.id, t.name]));
  const rows = toApiRows(draft).map((row) => ({
    ...row,
    seats: row.seats.map((c) => {
      if (!c?.seatTypeId) return c;
      const { seatTypeId, ...seat } = c;
      const name = names.get(seatTypeId);
      return name ? { ...seat, seatType: name } : seat;
    }),
  }));
  return `${JSON.stringify(
    { format: LAYOUT_FORMAT, name: draft.name, screenPosition: draft.screenPosition, rows },
    null,
    2,
  )}\n`;
}

const TIERS: readonly string[] = ['standard', 'premium', 'accessible', 'companion'];

/**
 * Reads an exported layout (or a bare API body): throws an Error with a sentence for anything else. Seat types
 * come by name (any case) and become this theater's types of that name (`types`); a seatTypeId is kept only if
 * it is one of `types`. Names this theater does not have are listed in one error.
 */
export function importLayout(
  text: string,
  fallbackName: string,
  types: readonly DraftSeatType[] = [],
): Draft {
  const byName = new Map(types.map((t) => [t.name.trim().toLowerCase(), t]));
  const byId = new Map(types.map((t) => [t.id, t]));
  const unknown = new Set<string>();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('The file is not JSON.');
  }
  if (typeof data !== 'object' || data === null) throw new Error('The file is not a seat layout.');
  const o = data as Record<string, unknown>;
  if (o.format !== undefined && o.format !== LAYOUT_FORMAT) {
    throw new Error(`Unknown format ${JSON.stringify(o.format)}: expected ${LAYOUT_FORMAT}.`);
  }
  if (!Array.isArray(o.rows) || o.rows.length < 1 || o.rows.length > MAX_ROWS) {
    throw new Error(`A seat layout has 1 to ${MAX_ROWS} rows.`);
  }
  const rows = o.rows.map((raw: unknown, y): DraftRow => {
    const r = (raw ?? {}) as Record<string, unknown>;
    if (typeof r.label !== 'string' || !Array.isArray(r.seats)) {
      throw new Error(`Row ${y + 1} needs a label and seats.`);
    }
    if (r.seats.length < 1 || r.seats.length > MAX_POSITIONS) {
      throw new Error(`Row ${r.label} has 1 to ${MAX_POSITIONS} positions.`);
    }
    const curve = typeof r.curve === 'number' ? r.curve : 0;
    if (!Number.isInteger(curve) || curve < 0 || curve > MAX_CURVE) {
      throw new Error(`Row ${r.label}: curve is 0 to ${MAX_CURVE}.`);
    }
    return {
      label: r.label,
      stagger: r.stagger === true,
      curve,
      seats: r.seats.map((cell: unknown, x): DraftCell => {
        if (cell === null) return null;
        const c = cell as Record<string, unknown>;
        const blocked = c.blocked ?? null;
        if (
          typeof c.number !== 'number' ||
          !Number.isInteger(c.number) ||
          typeof c.tier !== 'string' ||
          !TIERS.includes(c.tier) ||
          (blocked !== null && blocked !== 'broken' && blocked !== 'house')
        ) {
          throw new Error(`Row ${String(r.label)}, position ${x + 1} is not a seat (number, tier, blocked).`);
        }
        const seat: DraftSeat = { number: c.number, tier: c.tier as SeatTier, blocked: blocked };
        let type: DraftSeatType | undefined;
        if (typeof c.seatType === 'string') {
          type = byName.get(c.seatType.trim().toLowerCase());
          if (!type) unknown.add(c.seatType.trim());
        } else if (typeof c.seatTypeId === 'string') {
          type = byId.get(c.seatTypeId);
          if (!type) unknown.add(`id ${c.seatTypeId}`);
        }
        return type ? { ...seat, tier: type.baseTier, seatTypeId: type.id } : seat;
      }),
    };
  });
  if (unknown.size > 0) {
    const list = [...unknown].map((n) => `“${n}”`).join(', ');
    throw new Error(
      `The file uses seat types this theater does not have: ${list}. Create them under Seat types (same name), then import again.`,
    );
  }
  return {
    name: typeof o.name === 'string' && o.name.trim() ? o.name : fallbackName,
    screenPosition: o.screenPosition === 'bottom' ? 'bottom' : 'top',
    rows,
  };
}

/** Undo/redo: the drafts before and after the present one. */
export interface History {
  past: Draft[];
  present: Draft;
  future: Draft[];
  /** What the last commit changed, when it was a field being typed into (see `commit`). */
  typing?: string;
}
const HISTORY_KEPT = 100;

export function historyOf(draft: Draft): History {
  return { past: [], present: draft, future: [] };
}
/**
 * A new present, with the old one kept for undo. `typing` names a text field being typed into: keystrokes
 * in the same field one after another are one undo step (the whole word), not one step per character.
 */
export function commit(h: History, next: Draft, typing?: string): History {
  if (next === h.present) return h;
  if (typing !== undefined && typing === h.typing && h.past.length > 0) {
    return { past: h.past, present: next, future: [], typing };
  }
  return { past: [...h.past, h.present].slice(-HISTORY_KEPT), present: next, future: [], typing };
}
export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  return prev ? { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future] } : h;
}
export function redo(h: History): History {
  const next = h.future[0];
  return next ? { past: [...h.past, h.present], present: next, future: h.future.slice(1) } : h;
}
