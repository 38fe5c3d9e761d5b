import { useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import type { ScreenPosition, Seat } from '../api/types';
import { formatMoney, tierLabel } from '../lib/format';

export interface SeatMapProps {
  seats: Seat[];
  currency: string;
  screenPosition: ScreenPosition;
  selected: ReadonlySet<string>;
  onToggle: (seat: Seat) => void;
}

type Display = 'available' | 'selected' | 'held' | 'sold';

function displayOf(seat: Seat, selected: ReadonlySet<string>): Display {
  if (selected.has(seat.id)) return 'selected';
  return seat.status;
}

const STATUS_WORDS: Record<Display, string> = {
  available: 'available',
  selected: 'selected',
  held: 'unavailable, held by someone else',
  sold: 'unavailable, sold',
};

export function seatLabel(seat: Seat, currency: string, display: Display): string {
  const tier = seat.tier === 'accessible' ? 'wheelchair accessible' : seat.tier;
  return `Row ${seat.row}, seat ${seat.number}, ${tier}, ${formatMoney(seat.priceCents, currency)}, ${STATUS_WORDS[display]}`;
}

const GLYPH: Record<Display, string> = { available: '', selected: '✓', held: '', sold: '✕' };

interface Row {
  y: number;
  label: string;
  seats: Seat[]; // by x
}

/**
 * The room as it looks: the screen at its side, rows in order from it, seats placed by their x (gaps are
 * aisles), row labels on both sides. One seat is in the tab order at a time; arrow keys move between seats.
 */
export function SeatMap({ seats, currency, screenPosition, selected, onToggle }: SeatMapProps) {
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
    return { rows: ordered, minX: Number.isFinite(lo) ? lo : 0, cols: Number.isFinite(hi) ? hi - lo + 1 : 0 };
  }, [seats, screenPosition]);

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

  return (
    <div className="seatmap-wrap" style={{ '--cols': cols } as CSSProperties}>
      <p id="seatmap-help" className="visually-hidden">
        The screen is at the {screenPosition === 'top' ? 'top' : 'bottom'} of the map. Use the arrow keys to
        move between seats and Enter or Space to select or release a seat.
      </p>
      <div className="seatmap-scroll">
        {screenPosition === 'top' && screen}
        <div className="seatmap" role="group" aria-label="Seat map" aria-describedby="seatmap-help">
          {rows.map((row, rowIndex) => (
            <div className="seat-row" key={row.y} role="group" aria-label={`Row ${row.label}`}>
              <span className="row-label" aria-hidden="true" style={{ gridColumn: 1 }}>
                {row.label}
              </span>
              {row.seats.map((seat) => {
                const display = displayOf(seat, selected);
                const unavailable = display === 'held' || display === 'sold';
                return (
                  <button
                    key={seat.id}
                    ref={(el) => {
                      if (el) buttons.current.set(seat.id, el);
                      else buttons.current.delete(seat.id);
                    }}
                    type="button"
                    className={`seat tier-${seat.tier} is-${display}`}
                    style={{ gridColumn: seat.x - minX + 2 }}
                    tabIndex={seat.id === tabStop ? 0 : -1}
                    aria-label={seatLabel(seat, currency, display)}
                    aria-pressed={display === 'selected'}
                    aria-disabled={unavailable || undefined}
                    data-seat-id={seat.id}
                    data-status={display}
                    title={`${row.label}${seat.number} · ${tierLabel(seat.tier)} · ${formatMoney(seat.priceCents, currency)}`}
                    onFocus={() => setFocusId(seat.id)}
                    onKeyDown={(e) => onKeyDown(e, seat, rowIndex)}
                    onClick={() => {
                      if (!unavailable) onToggle(seat);
                    }}
                  >
                    <span className="seat-glyph" aria-hidden="true">
                      {GLYPH[display] || (seat.tier === 'accessible' ? '♿' : '')}
                    </span>
                  </button>
                );
              })}
              <span className="row-label" aria-hidden="true" style={{ gridColumn: cols + 2 }}>
                {row.label}
              </span>
            </div>
          ))}
        </div>
        {screenPosition === 'bottom' && screen}
      </div>
    </div>
  );
}

/** The key: each state and tier by shape and symbol as well as colour, with the tier prices. */
export function SeatLegend({
  prices,
  currency,
}: {
  prices: Partial<Record<Seat['tier'], number>>;
  currency: string;
}) {
  const tiers = (['standard', 'premium', 'accessible'] as const).filter((t) => prices[t] !== undefined);
  return (
    <div className="legend" aria-label="Seat legend" role="group">
      <ul className="legend-list">
        {tiers.map((t) => (
          <li key={t}>
            <span className={`seat seat-sample tier-${t} is-available`} aria-hidden="true">
              <span className="seat-glyph">{t === 'accessible' ? '♿' : ''}</span>
            </span>
            {t === 'accessible' ? 'Wheelchair accessible' : tierLabel(t)}{' '}
            <strong>{formatMoney(prices[t]!, currency)}</strong>
          </li>
        ))}
        <li>
          <span className="seat seat-sample tier-standard is-selected" aria-hidden="true">
            <span className="seat-glyph">✓</span>
          </span>
          Your choice
        </li>
        <li>
          <span className="seat seat-sample tier-standard is-held" aria-hidden="true">
            <span className="seat-glyph" />
          </span>
          Held by someone
        </li>
        <li>
          <span className="seat seat-sample tier-standard is-sold" aria-hidden="true">
            <span className="seat-glyph">✕</span>
          </span>
          Sold
        </li>
      </ul>
    </div>
  );
}
