import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { AdminSeatType, AuditoriumDetail } from '../../api/types';
import { NotFound } from '../../components/NotFound';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { SeatMap } from '../../components/SeatMap';
import { visibleColour } from '../../lib/colour';
import { isNotFound } from '../../lib/errors';
import {
  addRow,
  addSeat,
  applyTool,
  blankDraft,
  checkDraft,
  commit,
  exportLayout,
  historyOf,
  importLayout,
  insertAisle,
  MAX_CURVE,
  moveRow,
  previewSeats,
  redo,
  removeLastPosition,
  removeRow,
  renumber,
  retierTypedSeats,
  setRow,
  toApiRows,
  typeTool,
  undo,
  type Draft,
  type DraftCell,
  type History,
  type NumberingRule,
  type Tool,
} from '../../../../src/modules/catalog/layout-draft';
import { plural } from '../../lib/format';
import { Link, navigate } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';
import { SeatTypesPanel } from './SeatTypesPanel';

const TOOLS: { tool: Tool; label: string; hint: string }[] = [
  { tool: 'standard', label: 'Standard seat', hint: 'S' },
  { tool: 'premium', label: 'Premium seat', hint: 'P' },
  { tool: 'accessible', label: 'Wheelchair space', hint: 'W' },
  { tool: 'companion', label: 'Companion seat', hint: 'C' },
  { tool: 'broken', label: 'Blocked: broken', hint: 'B' },
  { tool: 'house', label: 'Blocked: house seat', hint: 'H' },
  { tool: 'gap', label: 'Gap or aisle (no seat)', hint: 'G' },
];

const TIER_WORDS: Record<string, string> = {
  standard: 'standard',
  premium: 'premium',
  accessible: 'wheelchair space',
  companion: 'companion seat',
};

/** Seat types are picked with the digit keys 1 to 9, in the order listed. */
const TYPE_KEYS = '123456789';

function cellLabel(
  rowLabel: string,
  x: number,
  cell: DraftCell,
  types: ReadonlyMap<string, AdminSeatType>,
): string {
  if (!cell) return `Row ${rowLabel}, position ${x + 1}: gap`;
  const blocked = cell.blocked ? `, blocked (${cell.blocked === 'house' ? 'house seat' : 'broken'})` : '';
  const type = cell.seatTypeId ? types.get(cell.seatTypeId) : undefined;
  const kind = type ? `${type.name} (${TIER_WORDS[cell.tier]})` : TIER_WORDS[cell.tier];
  return `Row ${rowLabel}, position ${x + 1}: seat ${cell.number}, ${kind}${blocked}`;
}

function cellGlyph(cell: DraftCell): string {
  if (!cell) return '';
  if (cell.blocked) return cell.blocked === 'house' ? 'H' : '✕';
  if (cell.tier === 'accessible') return '♿';
  return String(cell.number);
}

function draftOf(a: AuditoriumDetail): Draft {
  return {
    name: a.name,
    screenPosition: a.screenPosition,
    rows: a.rows.map((r) => ({
      label: r.label,
      stagger: r.stagger,
      curve: r.curve,
      seats: r.seats.map((s) =>
        s
          ? {
              number: s.number,
              tier: s.tier,
              blocked: s.blocked,
              ...(s.seatTypeId ? { seatTypeId: s.seatTypeId } : {}),
            }
          : null,
      ),
    })),
  };
}

export function LayoutDesignerPage({
  theaterId,
  auditoriumId,
}: {
  theaterId: string;
  auditoriumId: string | null;
}) {
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const loaded = useAsync(
    async (signal) => {
      const [theater, auditorium, seatTypes] = await Promise.all([
        api.admin.theater(theaterId, signal),
        auditoriumId ? api.admin.auditorium(auditoriumId, signal) : Promise.resolve(null),
        api.admin.seatTypes(theaterId, signal),
      ]);
      return {
        theater: theater.theater,
        auditorium: auditorium?.auditorium ?? null,
        seatTypes: seatTypes.seatTypes,
      };
    },
    [theaterId, auditoriumId],
  );
  if (loaded.error !== undefined && isNotFound(loaded.error)) {
    return (
      <NotFound
        what="auditorium"
        back={{ to: `/admin/theaters/${theaterId}`, label: 'Back to the theater' }}
      />
    );
  }
  if (loaded.error !== undefined)
    return <ConsoleError error={loaded.error} title="Could not load the layout" />;
  if (!loaded.data) return <Loading />;
  const { theater, auditorium, seatTypes } = loaded.data;
  return (
    <Designer
      key={`${auditorium?.id ?? 'new'}-${auditorium?.layoutVersion ?? 0}`}
      theaterId={theater.id}
      theaterName={theater.name}
      currency={theater.currency}
      auditorium={auditorium}
      seatTypes={seatTypes}
      justSaved={savedVersion !== null && savedVersion === auditorium?.layoutVersion}
      onSaved={(a) => {
        setSavedVersion(a.layoutVersion);
        loaded.setData({ theater, auditorium: a, seatTypes });
      }}
    />
  );
}

function Designer({
  theaterId,
  theaterName,
  currency,
  auditorium,
  seatTypes,
  justSaved,
  onSaved,
}: {
  theaterId: string;
  theaterName: string;
  currency: string;
  auditorium: AuditoriumDetail | null;
  seatTypes: AdminSeatType[];
  justSaved: boolean;
  onSaved: (a: AuditoriumDetail) => void;
}) {
  const [history, setHistory] = useState<History>(() =>
    historyOf(auditorium ? draftOf(auditorium) : blankDraft('', 6, 12)),
  );
  const draft = history.present;
  const edit = useCallback(
    (change: (d: Draft) => Draft, typing?: string) => setHistory((h) => commit(h, change(h.present), typing)),
    [],
  );
  const [tool, setTool] = useState<Tool>('standard');
  const [types, setTypes] = useState<AdminSeatType[]>(seatTypes);
  const typesById = useMemo(() => new Map(types.map((t) => [t.id, t])), [types]);
  const typeTools = useMemo(
    () =>
      types.map((t, i) => ({
        tool: typeTool(t.id),
        label: t.name,
        hint: TYPE_KEYS[i] ?? '',
        colour: visibleColour(t.colour),
      })),
    [types],
  );
  const [rule, setRule] = useState<NumberingRule>('left-to-right');
  const [aisleAt, setAisleAt] = useState('6');
  const [focus, setFocus] = useState({ y: 0, x: 0 });
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cells = useRef(new Map<string, HTMLButtonElement>());
  const problems = useMemo(() => checkDraft(draft, types), [draft, types]);
  const errors = problems.filter((p) => p.severity === 'error');
  const preview = useMemo(() => previewSeats(draft, types), [draft, types]);
  const counts = useMemo(() => {
    const c = { seats: 0, accessible: 0, companion: 0, blocked: 0, typed: new Map<string, number>() };
    for (const row of draft.rows)
      for (const s of row.seats) {
        if (!s) continue;
        c.seats++;
        if (s.seatTypeId) c.typed.set(s.seatTypeId, (c.typed.get(s.seatTypeId) ?? 0) + 1);
        if (s.tier === 'accessible') c.accessible++;
        if (s.tier === 'companion') c.companion++;
        if (s.blocked) c.blocked++;
      }
    return c;
  }, [draft]);

  const dirty = history.past.length > 0;

  // Undo and redo from the keyboard, except while typing in a field (where the field's own undo applies).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (
        target &&
        (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')
      )
        return;
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) {
        e.preventDefault();
        setHistory(undo);
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        e.preventDefault();
        setHistory(redo);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  function moveFocus(y: number, x: number) {
    const row = draft.rows[y];
    if (!row) return;
    const nx = Math.max(0, Math.min(row.seats.length - 1, x));
    setFocus({ y, x: nx });
    cells.current.get(`${y}:${nx}`)?.focus();
  }

  function onCellKey(e: KeyboardEvent<HTMLButtonElement>, y: number, x: number) {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [y, x - 1],
      ArrowRight: [y, x + 1],
      ArrowUp: [y - 1, x],
      ArrowDown: [y + 1, x],
    };
    const to = moves[e.key];
    if (to) {
      e.preventDefault();
      moveFocus(to[0], to[1]);
      return;
    }
    const pick = [...TOOLS, ...typeTools].find((t) => t.hint !== '' && t.hint === e.key.toUpperCase());
    if (pick && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      setTool(pick.tool);
      edit((d) => applyTool(d, y, x, pick.tool, types));
    }
  }

  async function save() {
    setError(undefined);
    setMessage(null);
    if (errors.length > 0) {
      setError(new Error(errors.map((p) => p.message).join(' ')));
      return;
    }
    setBusy(true);
    try {
      const rows = toApiRows(draft);
      if (auditorium) {
        const saved = await api.admin.saveLayout(auditorium.id, {
          baseVersion: auditorium.layoutVersion,
          name: draft.name.trim(),
          screenPosition: draft.screenPosition,
          rows,
        });
        onSaved(saved.auditorium);
      } else {
        const created = await api.admin.createAuditorium(theaterId, {
          name: draft.name.trim(),
          screenPosition: draft.screenPosition,
          rows,
        });
        navigate(`/admin/theaters/${theaterId}/auditoriums/${created.auditorium.id}?saved=1`, {
          replace: true,
        });
      }
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'LAYOUT_VERSION_CONFLICT'
          ? new Error(
              'Someone else saved this layout after you opened it. Export your version to keep it, reload the page, then import it again.',
            )
          : err,
      );
    } finally {
      setBusy(false);
    }
  }

  function download() {
    const blob = new Blob([exportLayout(draft, types)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${(draft.name.trim() || 'layout').replace(/[^A-Za-z0-9_-]+/g, '-')}.layout.json`;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    setMessage('Exported the layout as JSON.');
  }

  async function importFile(file: File | undefined) {
    if (!file) return;
    setError(undefined);
    setMessage(null);
    try {
      const imported = importLayout(await file.text(), draft.name, types);
      // The auditorium keeps the name typed here: a file from another auditorium brings its seats, not its name.
      edit((d) => ({ ...imported, name: d.name.trim() ? d.name : imported.name }));
      setMessage(`Imported ${file.name}. Check it, then save.`);
    } catch (err) {
      setError(err);
    }
  }

  const justCreated = new URLSearchParams(window.location.search).get('saved') === '1';
  const upcoming = auditorium?.upcomingShowtimes;
  const title = auditorium ? auditorium.name : 'New auditorium';

  return (
    <div className="stack-lg designer" data-testid="designer">
      <PageHeading
        title={`${title} · ${theaterName} · Console`}
        sub={<Link to={`/admin/theaters/${theaterId}`}>{theaterName}</Link>}
      >
        {title}
      </PageHeading>

      {auditorium && (
        <Notice kind="info" title={`Layout version ${auditorium.layoutVersion}`} testId="versioning">
          <p>
            Saving creates a new version for showtimes scheduled from now on. Existing showtimes keep the
            seats they were sold with
            {upcoming && upcoming.onCurrentLayout + upcoming.onOlderLayouts > 0
              ? `: ${plural(upcoming.onCurrentLayout + upcoming.onOlderLayouts, 'upcoming showtime')}${
                  upcoming.withSales > 0 ? ` (${upcoming.withSales} with seats sold or held)` : ''
                } will not change.`
              : '.'}
          </p>
        </Notice>
      )}
      {(justCreated || justSaved) && !dirty && auditorium && (
        <Notice kind="success" testId="saved">
          <p>
            Saved as layout version {auditorium.layoutVersion}: showtimes scheduled from now on get this
            layout.
          </p>
        </Notice>
      )}

      <section className="card stack" aria-labelledby="room-title">
        <h2 id="room-title">Room</h2>
        <div className="field-row">
          <div className="field">
            <label htmlFor="aud-name">Auditorium name</label>
            <input
              id="aud-name"
              value={draft.name}
              maxLength={100}
              onChange={(e) => {
                const name = e.target.value;
                edit((d) => ({ ...d, name }), 'name');
              }}
            />
          </div>
          <div className="field">
            <label htmlFor="aud-screen">Screen</label>
            <select
              id="aud-screen"
              value={draft.screenPosition}
              onChange={(e) => {
                const screenPosition = e.target.value === 'bottom' ? 'bottom' : 'top';
                edit((d) => ({ ...d, screenPosition }));
              }}
            >
              <option value="top">In front of row 1, drawn at the top</option>
              <option value="bottom">In front of row 1, drawn at the bottom</option>
            </select>
          </div>
        </div>
      </section>

      <SeatTypesPanel
        theaterId={theaterId}
        currency={currency}
        types={types}
        onChange={(next) => {
          setTypes(next);
          // A type's new base tier is its seats' tier (the API does the same when they are saved).
          setHistory((h) => {
            const present = retierTypedSeats(h.present, next);
            return present === h.present ? h : { ...h, present };
          });
          // A deleted type's tool cannot stay picked.
          setTool((current) =>
            current.startsWith('type:') && !next.some((t) => typeTool(t.id) === current)
              ? 'standard'
              : current,
          );
        }}
      />

      <section className="card stack" aria-labelledby="draw-title">
        <h2 id="draw-title">Draw</h2>
        <div className="designer-toolbar">
          <fieldset className="designer-tools">
            <legend>Click or press Enter on a position to place</legend>
            {TOOLS.map((t) => (
              <label key={t.tool} className={`tool tool-${t.tool}`}>
                <input
                  type="radio"
                  name="tool"
                  value={t.tool}
                  checked={tool === t.tool}
                  onChange={() => setTool(t.tool)}
                />
                <span className={`cell-swatch cell-${t.tool}`} aria-hidden="true" />
                {t.label} <kbd aria-hidden="true">{t.hint}</kbd>
              </label>
            ))}
            {typeTools.map((t) => (
              <label key={t.tool} className="tool tool-type">
                <input
                  type="radio"
                  name="tool"
                  value={t.tool}
                  checked={tool === t.tool}
                  onChange={() => setTool(t.tool)}
                />
                <span
                  className="cell-swatch has-type"
                  style={{ ['--type-colour' as string]: t.colour }}
                  aria-hidden="true"
                />
                {t.label}
                <span className="visually-hidden"> seat</span>
                {t.hint && <kbd aria-hidden="true">{t.hint}</kbd>}
              </label>
            ))}
          </fieldset>
          <div className="actions">
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => setHistory(undo)}
              disabled={history.past.length === 0}
              aria-keyshortcuts="Control+Z"
            >
              Undo
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => setHistory(redo)}
              disabled={history.future.length === 0}
              aria-keyshortcuts="Control+Shift+Z Control+Y"
            >
              Redo
            </button>
            <button type="button" className="btn btn-secondary btn-small" onClick={() => edit(addRow)}>
              Add row
            </button>
          </div>
          <div className="actions">
            <div className="field-inline">
              <label htmlFor="aisle-at">Aisle after position</label>
              <input
                id="aisle-at"
                className="input-narrow"
                inputMode="numeric"
                value={aisleAt}
                onChange={(e) => setAisleAt(e.target.value)}
              />
            </div>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => {
                const n = Number(aisleAt);
                if (Number.isInteger(n) && n >= 0) edit((d) => insertAisle(d, n));
              }}
            >
              Insert aisle in every row
            </button>
          </div>
          <div className="actions">
            <div className="field-inline">
              <label htmlFor="numbering">Numbering</label>
              <select id="numbering" value={rule} onChange={(e) => setRule(e.target.value as NumberingRule)}>
                <option value="left-to-right">1, 2, 3 from the left</option>
                <option value="right-to-left">1, 2, 3 from the right</option>
                <option value="odd-even">Odd left, even right, from the middle</option>
              </select>
            </div>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => edit((d) => renumber(d, rule))}
            >
              Renumber all rows
            </button>
          </div>
        </div>
        <p className="field-hint">
          Left and right as the audience sees them; row 1 is nearest the screen. Arrow keys move between
          positions; S, P, W, C, B, H and G place with that tool
          {types.length > 0 ? `, 1 to ${Math.min(types.length, 9)} with a seat type` : ''}.
        </p>

        <div className="designer-grid" role="group" aria-label="Seat layout editor">
          <div className="designer-screen" aria-hidden="true">
            Screen
          </div>
          {draft.rows.map((row, y) => (
            <div className="designer-row" key={y} role="group" aria-label={`Row ${row.label || y + 1}`}>
              <div className="designer-row-tools">
                <input
                  className="input-narrow"
                  aria-label={`Row ${y + 1} label`}
                  value={row.label}
                  maxLength={4}
                  onChange={(e) => {
                    const label = e.target.value;
                    edit((d) => setRow(d, y, { label }), `label-${y}`);
                  }}
                />
                <label className="check">
                  <input
                    type="checkbox"
                    checked={row.stagger}
                    onChange={(e) => {
                      const stagger = e.target.checked;
                      edit((d) => setRow(d, y, { stagger }));
                    }}
                  />
                  Staggered<span className="visually-hidden"> row {row.label}</span>
                </label>
                <label className="check">
                  Curve<span className="visually-hidden"> of row {row.label}</span>
                  <select
                    value={row.curve}
                    onChange={(e) => {
                      const curve = Number(e.target.value);
                      edit((d) => setRow(d, y, { curve }));
                    }}
                  >
                    {Array.from({ length: MAX_CURVE + 1 }, (_, i) => (
                      <option key={i} value={i}>
                        {i === 0 ? 'none' : i}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <div className={`designer-cells${row.stagger ? ' is-staggered' : ''}`}>
                {row.seats.map((cell, x) => {
                  const type = cell?.seatTypeId ? typesById.get(cell.seatTypeId) : undefined;
                  return (
                    <button
                      key={x}
                      type="button"
                      ref={(el) => {
                        if (el) cells.current.set(`${y}:${x}`, el);
                        else cells.current.delete(`${y}:${x}`);
                      }}
                      className={`cell ${cell ? `cell-${cell.blocked ?? cell.tier}` : 'cell-gap'}${type ? ' has-type' : ''}`}
                      style={type ? { ['--type-colour' as string]: visibleColour(type.colour) } : undefined}
                      aria-label={cellLabel(row.label, x, cell, typesById)}
                      tabIndex={focus.y === y && focus.x === x ? 0 : -1}
                      data-cell={`${y}:${x}`}
                      onFocus={() => setFocus({ y, x })}
                      onKeyDown={(e) => onCellKey(e, y, x)}
                      onClick={() => edit((d) => applyTool(d, y, x, tool, types))}
                    >
                      <span aria-hidden="true">{cellGlyph(cell)}</span>
                    </button>
                  );
                })}
              </div>
              <div className="designer-row-tools">
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Add a seat to row ${row.label}`}
                  title="Add a seat at the end"
                  onClick={() => edit((d) => addSeat(d, y))}
                >
                  +
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Remove the last position of row ${row.label}`}
                  title="Remove the last position"
                  onClick={() => edit((d) => removeLastPosition(d, y))}
                >
                  −
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Renumber row ${row.label}`}
                  title="Renumber this row"
                  onClick={() => edit((d) => renumber(d, rule, y))}
                >
                  #
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Move row ${row.label} towards the screen`}
                  title="Move towards the screen"
                  disabled={y === 0}
                  onClick={() => edit((d) => moveRow(d, y, -1))}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Move row ${row.label} away from the screen`}
                  title="Move away from the screen"
                  disabled={y === draft.rows.length - 1}
                  onClick={() => edit((d) => moveRow(d, y, 1))}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Remove row ${row.label}`}
                  title="Remove this row"
                  disabled={draft.rows.length <= 1}
                  onClick={() => edit((d) => removeRow(d, y))}
                >
                  ✕
                </button>
              </div>
            </div>
          ))}
        </div>
        <p className="muted" data-testid="designer-counts">
          {plural(counts.seats, 'seat')}: {plural(counts.accessible, 'wheelchair space')},{' '}
          {plural(counts.companion, 'companion seat')}, {counts.blocked} blocked
          {[...counts.typed].map(
            ([typeId, n]) => `; ${n} ${typesById.get(typeId)?.name ?? 'of a deleted type'}`,
          )}
          .
        </p>
        {problems.length > 0 && (
          <ul className="designer-problems" aria-label="Problems in the layout">
            {problems.map((p, i) => (
              <li key={i} className={p.severity === 'error' ? 'field-error' : 'field-hint'}>
                {p.message}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="card stack" aria-labelledby="preview-title">
        <h2 id="preview-title">Preview: what customers see</h2>
        <p className="field-hint">Blocked seats are not for sale, so customers do not see them.</p>
        {preview.length > 0 ? (
          <div data-testid="designer-preview">
            <SeatMap
              seats={preview}
              currency={currency}
              screenPosition={draft.screenPosition}
              selected={new Set()}
              onToggle={() => undefined}
            />
          </div>
        ) : (
          <p className="muted">No seats for sale yet.</p>
        )}
      </section>

      <section className="card stack" aria-labelledby="save-title">
        <h2 id="save-title">Save, export, import</h2>
        {error !== undefined && <ConsoleError error={error} title="Not saved" />}
        {message && (
          <Notice kind="success">
            <p>{message}</p>
          </Notice>
        )}
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void save()}
            disabled={busy}
            aria-busy={busy}
          >
            {auditorium ? 'Save as a new version' : 'Create auditorium'}
          </button>
          <button type="button" className="btn btn-secondary" onClick={download}>
            Export JSON
          </button>
          <label className="btn btn-secondary file-button">
            Import JSON
            <input
              type="file"
              accept="application/json,.json"
              className="visually-hidden"
              onChange={(e) => {
                void importFile(e.target.files?.[0]);
                e.target.value = '';
              }}
            />
          </label>
        </div>
        <p className="field-hint">
          The file format is documented in the API guide (docs/api.md, “Seat layouts”): the body of the layout
          API with a <code>format</code> of <code>matinee.seat-layout/1</code>.
        </p>
      </section>
    </div>
  );
}
