import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { Seat, StaffSeat, StaffSeatView } from '../../api/types';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { SeatMap, type StaffMark } from '../../components/SeatMap';
import { formatDateTime, formatMoney, formatTime, plural } from '../../lib/format';
import { Link } from '../../lib/router';
import { useLiveSeats } from '../../lib/useLiveSeats';
import { ConsoleError } from './ConsoleShell';

const STATUS_NAME: Record<StaffSeat['status'], string> = {
  free: 'free',
  held: 'held',
  sold: 'sold',
  admitted: 'admitted',
  blocked: 'blocked',
};

/** How often the staff view is read again without a seat event (admissions, extended holds). */
const STAFF_REFRESH_MS = 15_000;

const seatName = (s: { row: string; number: number }) => `${s.row}${s.number}`;
const channelName = (c: string) => (c === 'box_office' ? 'box office' : 'online');

function noteOf(s: StaffSeat, timeZone: string): string {
  const b = s.booking;
  if (!b) return '';
  const who = b.customerName ? `${b.customerName} (${b.customerEmail})` : b.customerEmail;
  if (s.status === 'held')
    return `held by ${who}, ${channelName(b.channel)}, until ${b.heldUntil ? formatTime(b.heldUntil, timeZone) : '?'}, booking ${b.reference}`;
  if (s.status === 'admitted')
    return `admitted${s.admittedAt ? ` at ${formatTime(s.admittedAt, timeZone)}` : ''}, sold to ${who}, ${channelName(b.channel)}, booking ${b.reference}`;
  return `sold to ${who}, ${channelName(b.channel)}, booking ${b.reference}`;
}

type SeatBooking = NonNullable<StaffSeat['booking']>;
type Pending =
  | { kind: 'block'; seatIds: string[] }
  | { kind: 'unblock'; seatIds: string[] }
  | { kind: 'release'; booking: SeatBooking; seats: string[] }
  | { kind: 'refund'; booking: SeatBooking; seats: string[] };

/**
 * One showtime's seats, live, as staff see them: who holds and who bought each seat (on hover, focus and
 * selection), blocked and admitted seats drawn apart. Select seats to block or unblock them, or to release
 * the hold or refund the booking they belong to; every action asks to be confirmed and is audited.
 */
export function SalesShowtimePage({ showtimeId }: { showtimeId: string }) {
  const id = useId();
  const [view, setView] = useState<StaffSeatView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [announcement, setAnnouncement] = useState('');
  const viewRef = useRef<StaffSeatView | null>(null);
  const loading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const accept = useCallback((next: StaffSeatView, announce: boolean) => {
    const before = viewRef.current;
    viewRef.current = next;
    setView(next);
    if (!announce || !before) return;
    const old = new Map(before.seats.map((s) => [s.id, s.status]));
    const changed = next.seats.filter((s) => old.get(s.id) !== undefined && old.get(s.id) !== s.status);
    if (changed.length === 0) return;
    const byStatus = new Map<string, string[]>();
    for (const s of changed) byStatus.set(s.status, [...(byStatus.get(s.status) ?? []), seatName(s)]);
    setAnnouncement(
      [...byStatus]
        .map(([status, names]) => `${names.join(', ')} now ${STATUS_NAME[status as StaffSeat['status']]}`)
        .join('; '),
    );
  }, []);

  /** Reads the staff view; reads coalesce: changes during a read cause one more read after it. */
  const refresh = useCallback(() => {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = (async () => {
      do {
        again.current = false;
        try {
          accept(await api.sales.seats(showtimeId), true);
          setLoadError(null);
        } catch (err) {
          setLoadError(err);
        }
      } while (again.current);
      loading.current = null;
    })();
  }, [showtimeId, accept]);

  useEffect(() => {
    viewRef.current = null;
    setView(null);
    setSelected(new Set());
    refresh();
  }, [refresh]);

  // The customer seat stream says when anything changed; the staff view (who has what) is read again then.
  const live = useLiveSeats(showtimeId, refresh);
  // Admissions at the door and extended holds change no seat status, so the stream is silent: read now and then.
  useEffect(() => {
    const timer = window.setInterval(refresh, STAFF_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);

  const timeZone = view?.showtime.timeZone ?? 'UTC';
  const marks = useMemo(() => {
    const m = new Map<string, StaffMark>();
    for (const s of view?.seats ?? []) {
      m.set(s.id, {
        display: s.status === 'free' ? 'available' : s.status,
        note: s.status === 'blocked' ? '' : noteOf(s, timeZone),
      });
    }
    return m;
  }, [view, timeZone]);

  if (loadError && !view) return <ConsoleError error={loadError} title="Could not load this showtime" />;
  if (!view || !live.map) return <Loading label="Loading the seat map" />;

  const byId = new Map(view.seats.map((s) => [s.id, s]));
  const picked = [...selected].map((x) => byId.get(x)).filter((s): s is StaffSeat => s !== undefined);
  const toggle = (seat: Seat) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(seat.id)) next.delete(seat.id);
      else next.add(seat.id);
      return next;
    });
  const c = view.counts;
  const st = view.showtime;

  return (
    <div className="stack-lg" data-testid="sales-showtime">
      <PageHeading title={`${st.movieTitle} · Sales · Console`}>
        {st.movieTitle} · {formatDateTime(st.startsAt, timeZone)}
      </PageHeading>
      <p>
        <Link to="/admin/sales">All showtimes</Link> · {st.theaterName} · {st.auditoriumName}
        {st.started ? ' · started' : ''}
      </p>
      <dl className="sales-counts" data-testid="sales-counts">
        <div>
          <dt>Sold</dt>
          <dd data-testid="count-sold">{c.sold}</dd>
        </div>
        <div>
          <dt>Admitted</dt>
          <dd>{c.admitted}</dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd data-testid="count-held">{c.held}</dd>
        </div>
        <div>
          <dt>Blocked</dt>
          <dd>{c.blocked}</dd>
        </div>
        <div>
          <dt>Free</dt>
          <dd>
            {c.free} of {c.total}
          </dd>
        </div>
      </dl>
      <p className="muted" aria-live="polite" data-testid="sales-live">
        {live.mode === 'live' ? 'Live' : 'Updating'}
        {announcement ? ` · ${announcement}` : ''}
      </p>
      {loadError ? <ConsoleError error={loadError} title="Could not refresh the seats" /> : null}
      <div className="sales-grid">
        <section className="card stack" aria-labelledby={`${id}-map`}>
          <h2 id={`${id}-map`}>Seats</h2>
          <StaffLegend />
          <SeatMap
            seats={live.seats}
            currency={st.currency}
            screenPosition={live.map.showtime.screenPosition}
            selected={selected}
            onToggle={toggle}
            staff={marks}
          />
        </section>
        <Actions
          showtimeId={showtimeId}
          picked={picked}
          currency={st.currency}
          timeZone={timeZone}
          onView={(v) => accept(v, false)}
          onDone={() => refresh()}
          onClear={() => setSelected(new Set())}
        />
      </div>
    </div>
  );
}

function StaffLegend() {
  const items: [string, string][] = [
    ['available', 'Free'],
    ['held', 'Held'],
    ['sold', 'Sold'],
    ['admitted', 'Admitted'],
    ['blocked', 'Blocked'],
  ];
  return (
    <ul className="legend-list" aria-label="Seat legend">
      {items.map(([cls, label]) => (
        <li key={cls}>
          <span className={`seat seat-sample tier-standard is-${cls}`} aria-hidden="true" /> {label}
        </li>
      ))}
    </ul>
  );
}

function Actions({
  showtimeId,
  picked,
  currency,
  timeZone,
  onView,
  onDone,
  onClear,
}: {
  showtimeId: string;
  picked: StaffSeat[];
  currency: string;
  timeZone: string;
  onView: (v: StaffSeatView) => void;
  onDone: () => void;
  onClear: () => void;
}) {
  const id = useId();
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const confirmRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (pending) confirmRef.current?.querySelector<HTMLElement>('textarea, button')?.focus();
  }, [pending]);

  const free = picked.filter((s) => s.status === 'free');
  const blocked = picked.filter((s) => s.status === 'blocked');
  const bookings = new Map<string, { booking: SeatBooking; seats: StaffSeat[]; held: boolean }>();
  for (const s of picked) {
    if (!s.booking) continue;
    const e = bookings.get(s.booking.id) ?? { booking: s.booking, seats: [], held: s.status === 'held' };
    e.seats.push(s);
    bookings.set(s.booking.id, e);
  }

  const ask = (p: Pending) => {
    setPending(p);
    setReason('');
    setReasonError('');
    setError(null);
    setDone('');
  };

  const confirm = async () => {
    if (!pending) return;
    if (pending.kind === 'refund' && !reason.trim()) {
      setReasonError('Give the reason for the refund: it is kept in the audit log.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const why = reason.trim() || undefined;
      if (pending.kind === 'block') {
        const r = await api.sales.block(showtimeId, pending.seatIds, why);
        onView(r.view);
        setDone(`Blocked ${plural(r.changed.length, 'seat')}.`);
      } else if (pending.kind === 'unblock') {
        const r = await api.sales.unblock(showtimeId, pending.seatIds, why);
        onView(r.view);
        setDone(`Unblocked ${plural(r.changed.length, 'seat')}.`);
      } else if (pending.kind === 'release') {
        await api.sales.release(pending.booking.id, why);
        setDone(`Released the hold ${pending.booking.reference}: its seats are free.`);
        onDone();
      } else {
        await api.sales.refund(pending.booking.id, reason.trim());
        setDone(
          `Refunded booking ${pending.booking.reference} (${formatMoney(pending.booking.totalCents, pending.booking.currency)}).`,
        );
        onDone();
      }
      setPending(null);
      onClear();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const describe = (p: Pending): string => {
    switch (p.kind) {
      case 'block':
        return `Block ${plural(p.seatIds.length, 'seat')} for this showtime? Nobody can buy them until they are unblocked.`;
      case 'unblock':
        return `Put ${plural(p.seatIds.length, 'seat')} back on sale?`;
      case 'release':
        return `Release the hold ${p.booking.reference} (${p.booking.customerEmail}, seats ${p.seats.join(', ')})? Its seats become free at once.`;
      case 'refund':
        return `Refund booking ${p.booking.reference} to ${p.booking.customerEmail}: ${formatMoney(p.booking.totalCents, p.booking.currency)} for seats ${p.seats.join(', ')}? The seats go back on sale and the customer is emailed.`;
    }
  };

  return (
    <section className="card stack" aria-labelledby={`${id}-h`} data-testid="sales-actions">
      <h2 id={`${id}-h`}>Selected seats</h2>
      <div aria-live="polite">{done ? <Notice kind="success">{done}</Notice> : null}</div>
      {picked.length === 0 && (
        <p className="muted">Select seats on the map to see who has them and act on them.</p>
      )}
      {picked.length > 0 && (
        <ul className="console-list" data-testid="sales-picked">
          {picked.map((s) => (
            <li key={s.id}>
              <strong>{seatName(s)}</strong> · {STATUS_NAME[s.status]}
              {s.booking ? ` · ${noteOf(s, timeZone)}` : ''}
            </li>
          ))}
        </ul>
      )}
      {!pending && picked.length > 0 && (
        <div className="stack">
          <div className="actions">
            {free.length > 0 && (
              <button
                type="button"
                className="btn btn-secondary"
                disabled={free.length !== picked.length}
                onClick={() => ask({ kind: 'block', seatIds: free.map((s) => s.id) })}
              >
                Block {plural(free.length, 'seat')}
              </button>
            )}
            {blocked.length > 0 && (
              <button
                type="button"
                className="btn btn-secondary"
                disabled={blocked.length !== picked.length}
                onClick={() => ask({ kind: 'unblock', seatIds: blocked.map((s) => s.id) })}
              >
                Unblock {plural(blocked.length, 'seat')}
              </button>
            )}
            <button type="button" className="btn btn-link" onClick={onClear}>
              Clear selection
            </button>
          </div>
          {(free.length > 0 || blocked.length > 0) &&
            free.length !== picked.length &&
            blocked.length !== picked.length && (
              <p className="muted small">Block works on free seats only, unblock on blocked ones.</p>
            )}
          {[...bookings.values()].map(({ booking, seats, held }) => (
            <div key={booking.id} className="sales-booking">
              <p>
                Booking <strong>{booking.reference}</strong> · {booking.customerEmail} ·{' '}
                {formatMoney(booking.totalCents, booking.currency || currency)} ·{' '}
                {channelName(booking.channel)}
              </p>
              {held ? (
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => ask({ kind: 'release', booking, seats: seats.map(seatName) })}
                >
                  Release hold {booking.reference}
                </button>
              ) : (
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => ask({ kind: 'refund', booking, seats: seats.map(seatName) })}
                >
                  Refund {booking.reference}…
                </button>
              )}
            </div>
          ))}
        </div>
      )}
      {pending && (
        <div className="stack sales-confirm" ref={confirmRef} role="group" aria-labelledby={`${id}-q`}>
          <p id={`${id}-q`}>{describe(pending)}</p>
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason{pending.kind === 'refund' ? '' : ' (optional)'}</label>
            <textarea
              id={`${id}-reason`}
              rows={2}
              maxLength={500}
              value={reason}
              required={pending.kind === 'refund'}
              aria-invalid={reasonError ? true : undefined}
              aria-describedby={reasonError ? `${id}-reason-error` : undefined}
              onChange={(e) => {
                setReason(e.target.value);
                setReasonError('');
              }}
              data-testid="sales-reason"
            />
            {reasonError && (
              <p className="field-error" id={`${id}-reason-error`}>
                {reasonError}
              </p>
            )}
          </div>
          {error ? <ConsoleError error={error} /> : null}
          <div className="actions">
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void confirm()}>
              {pending.kind === 'block'
                ? 'Confirm block'
                : pending.kind === 'unblock'
                  ? 'Confirm unblock'
                  : pending.kind === 'release'
                    ? 'Confirm release'
                    : 'Confirm refund'}
            </button>
            <button
              type="button"
              className="btn btn-secondary"
              disabled={busy}
              onClick={() => setPending(null)}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
