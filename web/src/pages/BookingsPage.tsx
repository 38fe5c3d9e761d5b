import { useEffect, useRef, useState, type Ref } from 'react';
import { api } from '../api/client';
import type { Booking, BookingStatus, ShowtimeDetail } from '../api/types';
import { Icon, type IconName } from '../components/Icon';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { Poster } from '../components/Poster';
import { formatDateTime, formatMoney, paidWith, plural } from '../lib/format';
import { PriceBreakdown } from '../components/PriceBreakdown';
import { Link } from '../lib/router';

const STATUS: Record<BookingStatus, { label: string; icon: IconName }> = {
  pending: { label: 'Awaiting payment', icon: 'clock' },
  confirmed: { label: 'Confirmed', icon: 'check' },
  expired: { label: 'Expired', icon: 'hourglass' },
  cancelled: { label: 'Cancelled', icon: 'cross' },
  refunded: { label: 'Refunded', icon: 'refund' },
};

export function StatusBadge({ status }: { status: BookingStatus }) {
  const s = STATUS[status];
  return (
    <span className={`badge badge-${status}`} data-testid="booking-status">
      <Icon name={s.icon} size={16} />
      {s.label}
    </span>
  );
}

/** Showtime details for the listed bookings, fetched once per showtime. */
function useShowtimes(ids: string[]): Map<string, ShowtimeDetail> {
  const [map, setMap] = useState(new Map<string, ShowtimeDetail>());
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    const missing = key.split(',').filter((id) => id && !map.has(id));
    if (missing.length === 0) return;
    let live = true;
    void Promise.all(
      missing.map((id) =>
        api
          .showtime(id)
          .then((r) => r.showtime)
          .catch(() => null),
      ),
    ).then((found) => {
      if (!live) return;
      setMap((m) => {
        const next = new Map(m);
        for (const s of found) if (s) next.set(s.id, s);
        return next;
      });
    });
    return () => {
      live = false;
    };
  }, [key]);
  return map;
}

function BookingRow({
  booking,
  showtime,
  onChanged,
}: {
  booking: Booking;
  showtime: ShowtimeDetail | undefined;
  onChanged: (b: Booking) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<'cancel' | 'refund' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const seats = booking.tickets.map((t) => `${t.row}${t.number}`).join(', ');
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming === 'cancel') confirmButton.current?.focus();
  }, [confirming]);
  const upcoming = showtime ? new Date(showtime.startsAt).getTime() > Date.now() : false;
  const title = showtime?.movie.title ?? 'Showtime';
  const used = booking.tickets.filter((t) => t.admittedAt).length;

  async function act(kind: 'cancel' | 'refund') {
    setBusy(true);
    setError(null);
    try {
      const result = kind === 'cancel' ? await api.cancel(booking.id) : await api.refund(booking.id);
      onChanged(result.booking);
      setConfirming(null);
      if (kind === 'cancel')
        setDone(`Hold cancelled: ${seats} went back on sale. You have not been charged.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="card booking-row" data-testid="booking-row" aria-labelledby={`b-${booking.id}`}>
      <Poster url={showtime?.movie.posterUrl ?? null} title={title} size="sm" />
      <div className="booking-row-body">
        <h2 className="booking-row-title" id={`b-${booking.id}`}>
          <Link to={`/bookings/${booking.id}`}>{title}</Link>
        </h2>
        {showtime && (
          <p className="muted">
            {formatDateTime(showtime.startsAt, showtime.theater.timeZone)} · {showtime.theater.name}
          </p>
        )}
        <p className="muted">
          {plural(booking.tickets.length, 'seat')}: {seats} ·{' '}
          {formatMoney(booking.totalCents, booking.currency)} · Ref.{' '}
          <span className="reference">{booking.reference}</span>
          {paidWith(booking) && <> · Paid with {paidWith(booking)}</>}
        </p>
        {booking.breakdown && (
          <details className="booking-row-price">
            <summary>Price breakdown</summary>
            <PriceBreakdown breakdown={booking.breakdown} currency={booking.currency} />
          </details>
        )}
        <StatusBadge status={booking.status} />
        {used > 0 && (
          <span className="badge badge-used" data-testid="booking-used">
            {used === booking.tickets.length ? 'Used' : `${used} of ${booking.tickets.length} used`}
          </span>
        )}
        {error !== null && <ErrorNotice error={error} title="That did not work" />}
        {done && (
          <Notice kind="success" focus testId="booking-row-message">
            <p>{done}</p>
          </Notice>
        )}
      </div>
      <div className="booking-row-actions">
        {booking.status === 'pending' && (
          <>
            <Link to={`/bookings/${booking.id}`} className="btn btn-primary btn-small">
              Pay now
            </Link>
            {confirming === 'cancel' ? (
              <ConfirmInline
                label={`Confirm cancelling the hold on ${title}`}
                question={`Release ${seats}?`}
                yes={busy ? 'Cancelling…' : 'Yes, cancel hold'}
                busy={busy}
                onYes={() => void act('cancel')}
                onKeep={() => setConfirming(null)}
                yesRef={confirmButton}
              />
            ) : (
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => setConfirming('cancel')}
              >
                Cancel hold
              </button>
            )}
          </>
        )}
        {booking.status === 'confirmed' && (
          <>
            <Link to={`/bookings/${booking.id}`} className="btn btn-secondary btn-small">
              Tickets
            </Link>
            {upcoming &&
              (confirming === 'refund' ? (
                <ConfirmInline
                  label={`Confirm refund of ${title}`}
                  yes={busy ? 'Refunding…' : 'Yes, refund'}
                  busy={busy}
                  onYes={() => void act('refund')}
                  onKeep={() => setConfirming(null)}
                />
              ) : (
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  onClick={() => setConfirming('refund')}
                >
                  Refund
                </button>
              ))}
          </>
        )}
      </div>
    </li>
  );
}

/** "Are you sure?" in place: a danger button and "Keep", grouped and named for assistive technology. */
function ConfirmInline(props: {
  label: string;
  question?: string;
  yes: string;
  busy: boolean;
  onYes: () => void;
  onKeep: () => void;
  yesRef?: Ref<HTMLButtonElement>;
}) {
  return (
    <span className="confirm-inline" role="group" aria-label={props.label}>
      {props.question && <span>{props.question}</span>}
      <button
        type="button"
        className="btn btn-danger btn-small"
        disabled={props.busy}
        onClick={props.onYes}
        ref={props.yesRef}
      >
        {props.yes}
      </button>
      <button type="button" className="btn btn-ghost btn-small" disabled={props.busy} onClick={props.onKeep}>
        Keep
      </button>
    </span>
  );
}

export function BookingsPage() {
  const [bookings, setBookings] = useState<Booking[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const showtimes = useShowtimes((bookings ?? []).map((b) => b.showtimeId));

  async function load(from: string | undefined) {
    setError(null);
    try {
      const page = await api.bookings(from);
      setBookings((current) => (from && current ? [...current, ...page.bookings] : page.bookings));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  }

  useEffect(() => {
    void load(undefined);
  }, []);

  const replace = (b: Booking) =>
    setBookings((list) => (list ? list.map((x) => (x.id === b.id ? b : x)) : list));

  return (
    <div className="stack-lg">
      <PageHeading title="My bookings">My bookings</PageHeading>
      {error !== null && <ErrorNotice error={error} onRetry={() => void load(undefined)} />}
      {bookings === null && error === null && <Loading label="Loading your bookings…" />}
      {bookings?.length === 0 && (
        <Notice kind="info" title="No bookings yet">
          <p>
            <Link to="/">Find a theater</Link> and pick your seats.
          </p>
        </Notice>
      )}
      {bookings && bookings.length > 0 && (
        <ul className="booking-list">
          {bookings.map((b) => (
            <BookingRow key={b.id} booking={b} showtime={showtimes.get(b.showtimeId)} onChanged={replace} />
          ))}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          className="btn btn-secondary"
          disabled={loadingMore}
          onClick={() => {
            setLoadingMore(true);
            void load(cursor).finally(() => setLoadingMore(false));
          }}
        >
          {loadingMore ? 'Loading…' : 'Show older bookings'}
        </button>
      )}
    </div>
  );
}
