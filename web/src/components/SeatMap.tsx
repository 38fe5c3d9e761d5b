import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
  type PointerEvent as ReactPointerEvent,
  type ReactNode,
} from 'react';
import type { ScreenPosition, Seat, SeatTier } from '../api/types';
import { visibleColour } from '../lib/colour';
import { formatMoney, tierLabel } from '../lib/format';
import { Icon } from './Icon';

/** The signed-in customer's own seats in this showtime (from their bookings, never from the shared map). */
export interface OwnSeats {
  /** Seats of their paid bookings. */
  booked: ReadonlySet<string>;
  /** Seats of their holds that are still awaiting payment. */
  held: ReadonlySet<string>;
}

export const NO_OWN_SEATS: OwnSeats = { booked: new Set(), held: new Set() };

/** What staff see of a seat (the sales console): its own status and who has it, read aloud with the seat. */
export interface StaffMark {
  display: 'available' | 'held' | 'sold' | 'admitted' | 'blocked';
  note: string;
}

export interface SeatMapProps {
  seats: Seat[];
  currency: string;
  screenPosition: ScreenPosition;
  selected: ReadonlySet<string>;
  own?: OwnSeats;
  onToggle: (seat: Seat) => void;
  /**
   * The staff view: every seat can be selected (to act on it), keeps showing its status while selected (an
   * outline marks the selection) and is named with its staff note ("held by ... until ...").
   */
  staff?: ReadonlyMap<string, StaffMark>;
}

export type Display =
  'available' | 'selected' | 'held' | 'sold' | 'yours' | 'yours-held' | 'admitted' | 'blocked';

export function displayOf(
  seat: Seat,
  selected: ReadonlySet<string>,
  own: OwnSeats = NO_OWN_SEATS,
  staff?: ReadonlyMap<string, StaffMark>,
): Display {
  if (staff) return staff.get(seat.id)?.display ?? seat.status;
  if (selected.has(seat.id)) return 'selected';
  if (seat.status === 'sold' && own.booked.has(seat.id)) return 'yours';
  if (seat.status === 'held' && own.held.has(seat.id)) return 'yours-held';
  return seat.status;
}

const STATUS_WORDS: Record<Display, string> = {
  available: 'available',
  selected: 'selected',
  held: 'unavailable, held by someone else',
  sold: 'unavailable, sold',
  yours: 'yours, booked by you',
  'yours-held': 'yours, on hold for you until you pay',
  admitted: 'sold, admitted at the door',
  blocked: 'blocked, not for sale',
};

const TIER_WORDS: Record<SeatTier, string> = {
  standard: 'standard',
  premium: 'premium',
  accessible: 'wheelchair accessible',
  companion: "companion seat, for a wheelchair user's companion",
};

export function seatLabel(seat: Seat, currency: string, display: Display, note?: string): string {
  // A seat of the theater's own type is named by it ("Recliner"): its tier is what the type is built on.
  const tier = seat.seatType ? seat.seatType.name : TIER_WORDS[seat.tier];
  const status = display === 'held' && note !== undefined ? 'held' : STATUS_WORDS[display];
  return `Row ${seat.row}, seat ${seat.number}, ${tier}, ${formatMoney(seat.priceCents, currency)}, ${status}${note ? `, ${note}` : ''}`;
}

/** State is never colour alone: a symbol per state (inline SVG: emoji fonts are missing on many systems). */
function SeatGlyph({ display, tier, number }: { display: Display; tier: SeatTier; number: ReactNode }) {
  switch (display) {
    case 'selected':
      return <Icon name="check" />;
    case 'sold':
      return <Icon name="cross" />;
    case 'admitted':
      return <Icon name="ticket" />;
    case 'blocked':
      return <Icon name="minus" />;
    case 'yours':
    case 'yours-held':
      return <Icon name="person" />;
    case 'available':
    case 'held':
      return tier === 'accessible' ? <Icon name="wheelchair" /> : number;
  }
}

interface Row {
  y: number;
  label: string;
  seats: Seat[]; // by x
}

/** The biggest seat the map grows to, and the seat size zooming aims for on touch screens (WCAG 2.5.8: 24). */
const MAX_FIT_SEAT = 34;
const TAP_SEAT = 32;
const MAX_ZOOM_SEAT = 44;
/** Below this fitted size the map offers zoom (buttons, pinch, double-tap). */
const ZOOMABLE_BELOW = 28;
const ZOOM_STEP = 1.5;
const DOUBLE_TAP_MS = 320;

/** Every length of the grid follows the seat size, so a zoom scales the room as a whole. */
function metrics(seat: number) {
  const gap = Math.max(1, Math.round(seat * 0.14));
  return {
    seat,
    gap,
    rowGap: Math.max(2, Math.round(seat * 0.2)),
    label: Math.max(12, Math.round(seat * 0.8)),
  };
}

/** The largest seat size (to 0.1 px) at which `cols` columns and the two row-label columns fit in `width`. */
export function fitSeatSize(width: number, cols: number): number {
  if (width <= 0 || cols <= 0) return MAX_FIT_SEAT;
  const total = (s: number) => {
    const m = metrics(s);
    return 2 * m.label + cols * s + (cols + 1) * m.gap;
  };
  let lo = 2;
  let hi = MAX_FIT_SEAT;
  if (total(hi) <= width) return hi;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (total(mid) <= width) lo = mid;
    else hi = mid;
  }
  return Math.floor(lo * 10) / 10;
}

/**
 * The room as it looks: the screen at its side, rows in order from it, seats placed by their x (gaps are
 * aisles), row labels on both sides. Seats are sized from the width of the map's own panel, so the whole
 * room is visible at once; where that makes them small, the map zooms (buttons, pinch, double-tap) and pans
 * (native scrolling), with a mini-map while zoomed. One seat is in the tab order at a time; arrow keys move
 * between seats.
 */
export function SeatMap({
  seats,
  currency,
  screenPosition,
  selected,
  own = NO_OWN_SEATS,
  onToggle,
  staff,
}: SeatMapProps) {
  const { rows, minX, cols } = useMemo(() => {
    const byY = new Map<number, Seat[]>();
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of seats) {
      const list = byY.get(s.y) ?? [];
      list.push(s);
      byY.set(s.y, list);
      lo = Math.min(lo, s.x);
      hi = Math.max(hi, s.x);
    }
    const ordered: Row[] = [...byY.entries()]
      .sort((a, b) => (screenPosition === 'bottom' ? b[0] - a[0] : a[0] - b[0]))
      .map(([y, list]) => ({ y, label: list[0]?.row ?? '', seats: list.sort((a, b) => a.x - b.x) }));
    // A staggered row reaches half a seat further right: one more column keeps it clear of the row label.
    const extra = seats.some((s) => s.dx > 0) ? 1 : 0;
    return {
      rows: ordered,
      minX: Number.isFinite(lo) ? lo : 0,
      cols: Number.isFinite(hi) ? hi - lo + 1 + extra : 0,
    };
  }, [seats, screenPosition]);

  // ---- size: from the panel's width, not the window's ----
  const wrapRef = useRef<HTMLDivElement>(null);
  const viewportRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const [panelWidth, setPanelWidth] = useState(0);
  useLayoutEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const measure = () => setPanelWidth(el.clientWidth);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const fit = fitSeatSize(panelWidth - 2, cols); // 2 px for rounding in the browser's layout
  const zoomable = fit < ZOOMABLE_BELOW;
  const maxZoom = zoomable ? Math.max(1, MAX_ZOOM_SEAT / fit) : 1;
  const tapZoom = Math.min(maxZoom, Math.max(1, TAP_SEAT / fit));
  const [zoomWanted, setZoom] = useState(1);
  const zoom = Math.min(Math.max(zoomWanted, 1), maxZoom);
  const zoomed = zoom > 1.001;
  const m = metrics(Math.round(fit * zoom * 10) / 10);

  // A zoom keeps the point under the fingers (or the centre, for the buttons) where it was.
  const anchor = useRef<{ fx: number; fy: number; px: number; py: number } | null>(null);
  const zoomAt = useCallback((next: number, clientX?: number, clientY?: number) => {
    const vp = viewportRef.current;
    if (vp) {
      const r = vp.getBoundingClientRect();
      const px = clientX === undefined ? vp.clientWidth / 2 : clientX - r.left;
      const py = clientY === undefined ? vp.clientHeight / 2 : clientY - r.top;
      anchor.current = {
        fx: (vp.scrollLeft + px) / Math.max(1, vp.scrollWidth),
        fy: (vp.scrollTop + py) / Math.max(1, vp.scrollHeight),
        px,
        py,
      };
    }
    setZoom(next);
  }, []);
  useLayoutEffect(() => {
    const vp = viewportRef.current;
    const a = anchor.current;
    anchor.current = null;
    if (!vp || !a) return;
    vp.scrollLeft = a.fx * vp.scrollWidth - a.px;
    vp.scrollTop = a.fy * vp.scrollHeight - a.py;
  }, [zoom]);

  // ---- touch: pinch to zoom, double-tap to zoom in (or back out); one tap still selects ----
  const zoomRef = useRef({ zoom, maxZoom, tapZoom, zoomable });
  zoomRef.current = { zoom, maxZoom, tapZoom, zoomable };
  // Kept across re-renders: the first tap selects a seat, which re-renders the map (and may re-attach these
  // listeners), and the second tap must still find the first.
  const lastTapRef = useRef<{ t: number; x: number; y: number } | null>(null);
  useEffect(() => {
    const vp = viewportRef.current;
    if (!vp) return;
    let pinch: { dist: number; zoom: number } | null = null;
    let start: { x: number; y: number; multi: boolean } | null = null;
    const dist = (t: TouchList) => Math.hypot(t[0]!.clientX - t[1]!.clientX, t[0]!.clientY - t[1]!.clientY);
    const onStart = (e: TouchEvent) => {
      if (!zoomRef.current.zoomable) return;
      if (e.touches.length === 1) {
        start = { x: e.touches[0]!.clientX, y: e.touches[0]!.clientY, multi: false };
      } else if (e.touches.length === 2) {
        if (start) start.multi = true;
        pinch = { dist: dist(e.touches), zoom: zoomRef.current.zoom };
      }
    };
    const onMove = (e: TouchEvent) => {
      if (!pinch || e.touches.length !== 2) return;
      e.preventDefault(); // ours, not the page's zoom or a scroll
      const { maxZoom: max } = zoomRef.current;
      const next = Math.min(max, Math.max(1, (pinch.zoom * dist(e.touches)) / Math.max(1, pinch.dist)));
      const mx = (e.touches[0]!.clientX + e.touches[1]!.clientX) / 2;
      const my = (e.touches[0]!.clientY + e.touches[1]!.clientY) / 2;
      zoomAt(next, mx, my);
    };
    const onEnd = (e: TouchEvent) => {
      if (e.touches.length < 2) pinch = null;
      if (e.touches.length > 0 || !start) return;
      const t = e.changedTouches[0];
      const tap = t && !start.multi && Math.hypot(t.clientX - start.x, t.clientY - start.y) < 12;
      start = null;
      if (!tap) {
        lastTapRef.current = null;
        return;
      }
      const now = performance.now();
      if (
        lastTapRef.current &&
        now - lastTapRef.current.t < DOUBLE_TAP_MS &&
        Math.hypot(t.clientX - lastTapRef.current.x, t.clientY - lastTapRef.current.y) < 30
      ) {
        // The second tap's click still reaches the seat and undoes the first tap's toggle: a double-tap
        // zooms without changing the selection, and a single tap selects at once, without waiting.
        lastTapRef.current = null;
        const { zoom: z, tapZoom: target, maxZoom: max } = zoomRef.current;
        const next = z < target - 0.01 ? target : z < max - 0.01 ? max : 1;
        const x = t.clientX;
        const y = t.clientY;
        window.setTimeout(() => zoomAt(next, x, y), 0);
      } else {
        lastTapRef.current = { t: now, x: t.clientX, y: t.clientY };
      }
    };
    vp.addEventListener('touchstart', onStart, { passive: true });
    vp.addEventListener('touchmove', onMove, { passive: false });
    vp.addEventListener('touchend', onEnd, { passive: true });
    vp.addEventListener('touchcancel', onEnd, { passive: true });
    return () => {
      vp.removeEventListener('touchstart', onStart);
      vp.removeEventListener('touchmove', onMove);
      vp.removeEventListener('touchend', onEnd);
      vp.removeEventListener('touchcancel', onEnd);
    };
  }, [zoomAt]);

  // ---- the visible part, for the mini-map ----
  const [view, setView] = useState({ x0: 0, x1: 1, y0: 0, y1: 1 });
  const measureView = useCallback(() => {
    const vp = viewportRef.current;
    const grid = gridRef.current;
    if (!vp || !grid) return;
    const colPitch = m.seat + m.gap;
    const rowPitch = m.seat + m.rowGap;
    const left = grid.offsetLeft + m.label + m.gap;
    const top = grid.offsetTop;
    setView({
      x0: (vp.scrollLeft - left) / colPitch,
      x1: (vp.scrollLeft + vp.clientWidth - left) / colPitch,
      y0: (vp.scrollTop - top) / rowPitch,
      y1: (vp.scrollTop + vp.clientHeight - top) / rowPitch,
    });
  }, [m.seat, m.gap, m.rowGap, m.label]);
  useLayoutEffect(measureView, [measureView, zoom, panelWidth]);

  const panTo = useCallback(
    (col: number, row: number) => {
      const vp = viewportRef.current;
      const grid = gridRef.current;
      if (!vp || !grid) return;
      vp.scrollLeft = grid.offsetLeft + m.label + m.gap + col * (m.seat + m.gap) - vp.clientWidth / 2;
      vp.scrollTop = grid.offsetTop + row * (m.seat + m.rowGap) - vp.clientHeight / 2;
    },
    [m.seat, m.gap, m.rowGap, m.label],
  );

  // ---- keyboard ----
  const [focusId, setFocusId] = useState<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const tabStop = focusId && seats.some((s) => s.id === focusId) ? focusId : (rows[0]?.seats[0]?.id ?? null);

  function moveTo(seat: Seat | undefined) {
    if (!seat) return;
    setFocusId(seat.id);
    buttons.current.get(seat.id)?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>, seat: Seat, rowIndex: number) {
    const row = rows[rowIndex]!;
    const i = row.seats.indexOf(seat);
    const nearestIn = (r: Row | undefined) =>
      r?.seats.reduce(
        (best, s) => (Math.abs(s.x - seat.x) < Math.abs(best.x - seat.x) ? s : best),
        r.seats[0]!,
      );
    const moves: Record<string, () => Seat | undefined> = {
      ArrowLeft: () => row.seats[i - 1],
      ArrowRight: () => row.seats[i + 1],
      ArrowUp: () => nearestIn(rows[rowIndex - 1]),
      ArrowDown: () => nearestIn(rows[rowIndex + 1]),
      Home: () => row.seats[0],
      End: () => row.seats[row.seats.length - 1],
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      moveTo(move());
    }
  }

  const screen = (
    <div className={`screen screen-${screenPosition}`} aria-hidden="true">
      <span>Screen</span>
    </div>
  );

  const showNumbers = m.seat >= 22 && (zoomed || m.seat >= 30);
  const size = m.seat < 14 ? 'xs' : m.seat < 22 ? 'sm' : 'md';
  const vars = {
    '--cols': cols,
    '--seat': `${m.seat}px`,
    '--gap': `${m.gap}px`,
    '--row-gap': `${m.rowGap}px`,
    '--label': `${m.label}px`,
  } as CSSProperties;

  return (
    <div className="seatmap-wrap" ref={wrapRef} data-testid="seatmap-panel">
      <p id="seatmap-help" className="visually-hidden">
        The screen is at the {screenPosition === 'top' ? 'top' : 'bottom'} of the map. Use the arrow keys to
        move between seats and Enter or Space to select or release a seat.
      </p>
      {zoomable && (
        <div className="seatmap-tools">
          <div className="zoom-buttons" role="group" aria-label="Zoom the seat map">
            <button
              type="button"
              className="btn btn-secondary btn-icon-square"
              aria-label="Zoom out"
              disabled={!zoomed}
              onClick={() => zoomAt(zoom / ZOOM_STEP < 1.05 ? 1 : zoom / ZOOM_STEP)}
            >
              <Icon name="minus" />
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-icon-square"
              aria-label="Zoom in"
              disabled={zoom >= maxZoom - 0.01}
              onClick={() => zoomAt(Math.min(maxZoom, zoom * ZOOM_STEP))}
            >
              <Icon name="plus" />
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-icon-square"
              aria-label="Show the whole auditorium"
              disabled={!zoomed}
              onClick={() => zoomAt(1)}
            >
              <Icon name="fit" />
            </button>
            <span className="zoom-level muted small" aria-live="polite" data-testid="zoom-level">
              {zoomed ? `${Math.round(zoom * 100)}%` : 'Whole room'}
            </span>
          </div>
          {zoomed && (
            <MiniMap
              rows={rows}
              minX={minX}
              cols={cols}
              selected={selected}
              own={own}
              staff={staff}
              view={view}
              onPan={panTo}
            />
          )}
        </div>
      )}
      <div
        ref={viewportRef}
        className={`seatmap-viewport${zoomed ? ' is-zoomed' : ''}${zoomable ? ' is-zoomable' : ''}`}
        onScroll={measureView}
        data-testid="seatmap-viewport"
      >
        <div className={`seatmap-stage size-${size}${showNumbers ? ' show-numbers' : ''}`} style={vars}>
          {screenPosition === 'top' && screen}
          <div
            className="seatmap"
            role="group"
            aria-label="Seat map"
            aria-describedby="seatmap-help"
            ref={gridRef}
          >
            {rows.map((row, rowIndex) => (
              <div className="seat-row" key={row.y} role="group" aria-label={`Row ${row.label}`}>
                <span className="row-label row-label-start" aria-hidden="true" style={{ gridColumn: 1 }}>
                  {row.label}
                </span>
                {row.seats.map((seat) => {
                  const display = displayOf(seat, selected, own, staff);
                  const picked = staff !== undefined && selected.has(seat.id);
                  const unavailable = !staff && display !== 'available' && display !== 'selected';
                  return (
                    <button
                      key={seat.id}
                      ref={(el) => {
                        if (el) buttons.current.set(seat.id, el);
                        else buttons.current.delete(seat.id);
                      }}
                      type="button"
                      className={`seat tier-${seat.tier} is-${display}${picked ? ' is-picked' : ''}${seat.seatType ? ' has-type' : ''}`}
                      style={{
                        ...typeColour(seat),
                        gridColumn: seat.x - minX + 2,
                        // Staggered and curved rows: drawn aside, while x keeps who sits beside whom.
                        translate:
                          seat.dx || seat.dy
                            ? `${seat.dx * (m.seat + m.gap)}px ${seat.dy * (m.seat + m.rowGap)}px`
                            : undefined,
                      }}
                      tabIndex={seat.id === tabStop ? 0 : -1}
                      aria-label={seatLabel(seat, currency, display, staff?.get(seat.id)?.note)}
                      title={staff ? seatLabel(seat, currency, display, staff.get(seat.id)?.note) : undefined}
                      aria-pressed={display === 'selected' || picked}
                      aria-disabled={unavailable || undefined}
                      data-seat-id={seat.id}
                      data-status={display}
                      data-name={`${row.label}${seat.number}`}
                      onFocus={() => setFocusId(seat.id)}
                      onKeyDown={(e) => onKeyDown(e, seat, rowIndex)}
                      onClick={() => {
                        if (!unavailable) onToggle(seat);
                      }}
                    >
                      <span className="seat-glyph" aria-hidden="true">
                        <SeatGlyph
                          display={display}
                          tier={seat.tier}
                          number={<span className="seat-number">{seat.number}</span>}
                        />
                      </span>
                    </button>
                  );
                })}
                <span className="row-label row-label-end" aria-hidden="true" style={{ gridColumn: cols + 2 }}>
                  {row.label}
                </span>
              </div>
            ))}
          </div>
          {screenPosition === 'bottom' && screen}
        </div>
      </div>
    </div>
  );
}

/** A typed seat's colour for the stylesheet (.seat.has-type): its top and sides, whatever its state. */
function typeColour(seat: Pick<Seat, 'seatType'>): CSSProperties {
  return seat.seatType ? ({ '--type-colour': visibleColour(seat.seatType.colour) } as CSSProperties) : {};
}

export interface LegendSeatType {
  id: string;
  name: string;
  colour: string;
  /** The lowest price of its seats (they share a tier, so one price unless tiers changed under old showtimes). */
  priceCents: number;
}

/** The seat types a room has, by name, each with its price: for the legend. */
export function seatTypesOf(seats: readonly Seat[]): LegendSeatType[] {
  const types = new Map<string, LegendSeatType>();
  for (const s of seats) {
    if (!s.seatType) continue;
    const known = types.get(s.seatType.id);
    if (!known) types.set(s.seatType.id, { ...s.seatType, priceCents: s.priceCents });
    else known.priceCents = Math.min(known.priceCents, s.priceCents);
  }
  return [...types.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The whole room in miniature with the visible part outlined; tap or drag on it to move there. */
function MiniMap({
  rows,
  minX,
  cols,
  selected,
  own,
  staff,
  view,
  onPan,
}: {
  rows: Row[];
  minX: number;
  cols: number;
  selected: ReadonlySet<string>;
  own: OwnSeats;
  staff?: ReadonlyMap<string, StaffMark>;
  view: { x0: number; x1: number; y0: number; y1: number };
  onPan: (col: number, row: number) => void;
}) {
  const height = rows.length;
  const panFrom = (e: ReactPointerEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    onPan(((e.clientX - r.left) / r.width) * cols - 0.5, ((e.clientY - r.top) / r.height) * height - 0.5);
  };
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const x0 = clamp(view.x0, cols);
  const y0 = clamp(view.y0, height);
  return (
    <svg
      className="minimap"
      viewBox={`-0.5 -0.5 ${cols + 1} ${height + 1}`}
      aria-hidden="true"
      data-testid="minimap"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        panFrom(e);
      }}
      onPointerMove={(e) => {
        if (e.buttons) panFrom(e);
      }}
    >
      {rows.map((row, y) =>
        row.seats.map((s) => (
          <rect
            key={s.id}
            x={s.x - minX + 0.1}
            y={y + 0.1}
            width={0.8}
            height={0.8}
            className={`mini-${displayOf(s, selected, own, staff)}`}
          />
        )),
      )}
      <rect
        className="minimap-view"
        x={x0}
        y={y0}
        width={Math.max(0.5, clamp(view.x1, cols) - x0)}
        height={Math.max(0.5, clamp(view.y1, height) - y0)}
      />
    </svg>
  );
}

/** The key: each state and tier by shape and symbol as well as colour. Only tiers this room has are listed. */
export function SeatLegend({
  tiers,
  prices,
  currency,
  seats,
  showYours = false,
}: {
  tiers: readonly SeatTier[];
  prices: Partial<Record<SeatTier, number>>;
  currency: string;
  /** The room's seats: its seat types are listed with their colour and price, and tiers only of plain seats. */
  seats?: readonly Seat[];
  showYours?: boolean;
}) {
  const plain = seats ? new Set(seats.filter((s) => !s.seatType).map((s) => s.tier)) : undefined;
  const listed = (['standard', 'premium', 'accessible', 'companion'] as const).filter(
    (t) => tiers.includes(t) && (!plain || plain.has(t)),
  );
  const types = seats ? seatTypesOf(seats) : [];
  return (
    <div className="legend" aria-label="Seat legend" role="group">
      <ul className="legend-list" data-testid="legend">
        {listed.map((t) => (
          <li key={t}>
            <span className={`seat seat-sample tier-${t} is-available`} aria-hidden="true">
              <span className="seat-glyph">{t === 'accessible' && <Icon name="wheelchair" />}</span>
            </span>
            {t === 'accessible'
              ? 'Wheelchair accessible'
              : t === 'companion'
                ? 'Companion seat (with a wheelchair space)'
                : tierLabel(t)}{' '}
            {prices[t] !== undefined && <strong>{formatMoney(prices[t], currency)}</strong>}
          </li>
        ))}
        {types.map((type) => (
          <li key={type.id} data-seat-type={type.name}>
            <span
              className="seat seat-sample tier-standard is-available has-type"
              style={typeColour({ seatType: type })}
              aria-hidden="true"
            >
              <span className="seat-glyph" />
            </span>
            {type.name} <strong>{formatMoney(type.priceCents, currency)}</strong>
          </li>
        ))}
        <li>
          <span className="seat seat-sample tier-standard is-selected" aria-hidden="true">
            <span className="seat-glyph">
              <Icon name="check" />
            </span>
          </span>
          Your choice
        </li>
        {showYours && (
          <li>
            <span className="seat seat-sample tier-standard is-yours" aria-hidden="true">
              <span className="seat-glyph">
                <Icon name="person" />
              </span>
            </span>
            Yours
          </li>
        )}
        <li>
          <span className="seat seat-sample tier-standard is-held" aria-hidden="true">
            <span className="seat-glyph" />
          </span>
          Held by someone
        </li>
        <li>
          <span className="seat seat-sample tier-standard is-sold" aria-hidden="true">
            <span className="seat-glyph">
              <Icon name="cross" />
            </span>
          </span>
          Sold
        </li>
      </ul>
    </div>
  );
}
