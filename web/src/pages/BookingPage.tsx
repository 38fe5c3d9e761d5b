import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Booking, Card, ShowtimeDetail } from '../api/types';
import { CardForm } from '../components/CardForm';
import { Countdown } from '../components/Countdown';
import { Icon } from '../components/Icon';
import { NotFound } from '../components/NotFound';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { humanError, isNotFound } from '../lib/errors';
import { PageHeading } from '../components/PageHeading';
import { Poster } from '../components/Poster';
import { QrTicket } from '../components/QrTicket';
import { formatDateTime, formatMoney, paidWith, plural, seatKindLabel, ticketTypeLabel } from '../lib/format';
import { PriceBreakdown } from '../components/PriceBreakdown';
import { randomId } from '../lib/random';
import { Link } from '../lib/router';
import { useAsync } from '../lib/useAsync';

type PayMessage = { kind: 'error' | 'warning' | 'info'; title: string; text: string };

const DECLINE_TEXT: Record<string, string> = {
  card_declined: 'The bank declined this card.',
  insufficient_funds: 'The card has insufficient funds.',
  expired_card: 'The card has expired.',
  incorrect_cvc: 'The security code is not right.',
};

function declineMessage(err: ApiError): string {
  const reason = typeof err.details.reason === 'string' ? err.details.reason : '';
  return `${DECLINE_TEXT[reason] ?? 'The bank declined this card.'} You have not been charged. Try another card.`;
}

function Summary({ booking, showtime }: { booking: Booking; showtime: ShowtimeDetail | undefined }) {
  return (
    <section className="card booking-summary" aria-label="Booking summary">
      {showtime && (
        <div className="summary-movie">
          <Poster url={showtime.movie.posterUrl} title={showtime.movie.title} size="sm" />
          <div>
            <p className="summary-title">{showtime.movie.title}</p>
            <p className="muted">{formatDateTime(showtime.startsAt, showtime.theater.timeZone)}</p>
            <p className="muted">
              {showtime.theater.name} · {showtime.auditorium.name}
            </p>
          </div>
        </div>
      )}
      <ul className="chosen-list">
        {booking.tickets.map((t) => (
          <li key={t.id}>
            <span>
              <strong>
                Row {t.row}, seat {t.number}
              </strong>{' '}
              <span className="muted">
                {seatKindLabel(t)}
                {t.ticketType && ` · ${ticketTypeLabel(t.ticketType)}`}
              </span>
            </span>
            <span>{formatMoney(t.priceCents, booking.currency)}</span>
          </li>
        ))}
      </ul>
      {booking.breakdown ? (
        <PriceBreakdown
          breakdown={booking.breakdown}
          currency={booking.currency}
          totalLabel={booking.status === 'confirmed' ? 'Total paid' : 'Total'}
        />
      ) : (
        <p className="total">
          <span>Total ({plural(booking.tickets.length, 'seat')})</span>
          <strong>{formatMoney(booking.totalCents, booking.currency)}</strong>
        </p>
      )}
      {paidWith(booking) && (
        <p className="muted small" data-testid="paid-with">
          Paid with {paidWith(booking)}
        </p>
      )}
      <p className="muted small">
        Booking reference <strong className="reference">{booking.reference}</strong>
      </p>
    </section>
  );
}

/** "seats A3 and A4" / "seat A3" (capitalised at the start of a sentence). */
/** "3 minutes", "1 minute 20 seconds", "45 seconds". */
function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  const parts = [m ? `${m} minute${m === 1 ? '' : 's'}` : '', s ? `${s} second${s === 1 ? '' : 's'}` : ''];
  return parts.filter(Boolean).join(' ') || '0 seconds';
}

function seatNames(b: Booking, capital = false): string {
  const names = b.tickets.map((t) => `${t.row}${t.number}`);
  const list =
    names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
  const word = names.length === 1 ? 'seat' : 'seats';
  return `${capital ? word[0]!.toUpperCase() + word.slice(1) : word} ${list ?? ''}`.trim();
}

function Checkout({
  booking,
  showtime,
  onChanged,
  onCancelled,
}: {
  booking: Booking;
  showtime: ShowtimeDetail | undefined;
  onChanged: (b: Booking) => void;
  onCancelled: (b: Booking) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<PayMessage | null>(null);
  const [resetKey, setResetKey] = useState(0);
  const [expired, setExpired] = useState(() => new Date(booking.expiresAt).getTime() <= Date.now());
  const [cancelling, setCancelling] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [extending, setExtending] = useState(false);
  const [extendNote, setExtendNote] = useState('');
  const confirmRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (cancelling === 'confirm') confirmRef.current?.focus();
  }, [cancelling]);
  // One key per card attempt: a retry after a network failure replays it, so it is never charged twice.
  const attempt = useRef<{ key: string; card: string } | null>(null);

  async function pay(card: Card) {
    setBusy(true);
    setMessage(null);
    const fingerprint = `${card.number}|${card.expMonth}|${card.expYear}|${card.cvc}`;
    if (!attempt.current || attempt.current.card !== fingerprint)
      attempt.current = { key: randomId(), card: fingerprint };
    try {
      const result = await api.pay(booking.id, card, attempt.current.key);
      attempt.current = null;
      onChanged(result.booking);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status !== 0) attempt.current = null; // a definite answer: the next try is a new attempt
      switch (err.code) {
        case 'PAYMENT_DECLINED':
          setMessage({ kind: 'error', title: 'Payment declined', text: declineMessage(err) });
          setResetKey((k) => k + 1);
          break;
        case 'INVALID_CARD':
          setMessage({
            kind: 'error',
            title: 'Check the card number',
            text: `${humanError(err)} You have not been charged.`,
          });
          setResetKey((k) => k + 1);
          break;
        case 'HOLD_EXPIRED':
        case 'HOLD_DEADLINE_REACHED':
          setExpired(true);
          break;
        case 'ALREADY_PAID':
          onChanged((await api.booking(booking.id)).booking);
          break;
        case 'PAYMENT_UNAVAILABLE':
        case 'BUSY':
          setMessage({
            kind: 'warning',
            title: 'Payment service unavailable',
            text: 'The payment service did not answer in time. If that payment goes through it confirms this booking; if you pay again and both go through, the extra charge is refunded automatically.',
          });
          break;
        default:
          setMessage({
            kind: 'error',
            title: err.status === 0 ? 'Connection lost' : 'Payment failed',
            text:
              err.status === 0
                ? 'We could not reach Matinee. Paying again with the same card is safe: it is never charged twice.'
                : humanError(err),
          });
      }
    } finally {
      setBusy(false);
    }
  }

  async function extend() {
    setExtending(true);
    setMessage(null);
    try {
      const result = await api.extend(booking.id);
      const added = Math.round(
        (new Date(result.booking.expiresAt).getTime() - new Date(booking.expiresAt).getTime()) / 1000,
      );
      onChanged(result.booking);
      setExtendNote(
        `Added ${duration(added)}. Your seats are now held until ${new Date(result.booking.expiresAt).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' })}.`,
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 'HOLD_ENDED') setExpired(true);
      else if (err instanceof ApiError && err.code === 'ALREADY_PAID')
        onChanged((await api.booking(booking.id)).booking);
      else {
        setMessage({
          kind: 'error',
          title: 'No more time could be added',
          text: humanError(err),
        });
        if (err instanceof ApiError && err.status === 409) onChanged((await api.booking(booking.id)).booking);
      }
    } finally {
      setExtending(false);
    }
  }

  async function cancel() {
    setCancelling('busy');
    try {
      const result = await api.cancel(booking.id);
      onCancelled(result.booking);
    } catch (err) {
      setMessage({ kind: 'error', title: 'The hold could not be cancelled', text: humanError(err) });
      setCancelling('idle');
    }
  }

  if (expired) {
    // What they were booking stays on the page, so starting again is one step, not a search.
    return (
      <div className="stack-lg">
        <PageHeading title="Hold expired">
          <Icon name="hourglass" size={32} className="heading-icon" /> Your hold expired
        </PageHeading>
        <Notice kind="warning" title="The seats were released" focus testId="hold-expired">
          <p>
            You did not pay in time, so {seatNames(booking)} went back on sale. You have not been charged.
          </p>
          <p>
            <Link to={`/showtimes/${booking.showtimeId}`} className="btn btn-primary">
              Start again
            </Link>
          </p>
        </Notice>
        <Summary booking={booking} showtime={showtime} />
      </div>
    );
  }

  return (
    <div className="stack-lg">
      <PageHeading
        title="Pay for your seats"
        sub={<p className="lead">Your seats are held while you pay.</p>}
      >
        Checkout
      </PageHeading>
      {/* A child of the whole page, so it can stick below the header while the card form scrolls by. */}
      <Countdown expiresAt={booking.expiresAt} onExpire={() => setExpired(true)} />
      <div className="extend-row">
        {(booking.extensionSeconds ?? 0) > 0 ? (
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => void extend()}
            disabled={extending || busy}
            aria-busy={extending}
            data-testid="extend-hold"
          >
            {extending ? 'Adding time…' : `Add ${duration(booking.extensionSeconds ?? 0)}`}
          </button>
        ) : booking.extendedAt ? (
          <p className="muted small">You have added time to this hold; a hold can be extended once.</p>
        ) : null}
        <p className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="extend-note">
          {extendNote}
        </p>
      </div>
      <div className="checkout">
        <div className="stack">
          <Summary booking={booking} showtime={showtime} />
          {cancelling === 'idle' ? (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => setCancelling('confirm')}
              disabled={busy}
            >
              Cancel and release these seats
            </button>
          ) : (
            <div
              ref={confirmRef}
              className="confirm-box"
              role="group"
              aria-labelledby="cancel-question"
              tabIndex={-1}
              data-testid="cancel-confirm"
            >
              <p id="cancel-question">
                Cancel this hold? {seatNames(booking, true)} will go back on sale and you will not be charged.
              </p>
              <div className="confirm-inline">
                <button
                  type="button"
                  className="btn btn-danger"
                  onClick={() => void cancel()}
                  disabled={cancelling === 'busy'}
                >
                  {cancelling === 'busy' ? 'Cancelling…' : 'Yes, cancel the hold'}
                </button>
                <button
                  type="button"
                  className="btn btn-ghost"
                  onClick={() => setCancelling('idle')}
                  disabled={cancelling === 'busy'}
                >
                  Keep my seats
                </button>
              </div>
            </div>
          )}
        </div>
        <section className="card stack" aria-labelledby="pay-title">
          <h2 id="pay-title" className="section-title">
            Card details
          </h2>
          {message && (
            <Notice kind={message.kind} title={message.title} testId="payment-message">
              <p>{message.text}</p>
            </Notice>
          )}
          <CardForm
            amount={formatMoney(booking.totalCents, booking.currency)}
            busy={busy}
            onPay={(card) => void pay(card)}
            resetKey={resetKey}
          />
        </section>
      </div>
    </div>
  );
}

function Confirmation({
  booking,
  showtime,
  onChanged,
}: {
  booking: Booking;
  showtime: ShowtimeDetail | undefined;
  onChanged: (b: Booking) => void;
}) {
  const [refunding, setRefunding] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [error, setError] = useState<unknown>(null);
  const [calendarBusy, setCalendarBusy] = useState(false);
  const canRefund = showtime ? new Date(showtime.startsAt).getTime() > Date.now() : false;

  async function addToCalendar() {
    setCalendarBusy(true);
    setError(null);
    try {
      // A download needs the bearer token, which a plain link cannot send: fetch it, then save the blob.
      const file = await api.bookingCalendar(booking.id);
      const url = URL.createObjectURL(file.blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = file.filename;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err);
    } finally {
      setCalendarBusy(false);
    }
  }

  async function refund() {
    setRefunding('busy');
    setError(null);
    try {
      onChanged((await api.refund(booking.id)).booking);
    } catch (err) {
      // The refund is recorded and the seats released; only the payment service's confirmation is pending.
      if (err instanceof ApiError && err.code === 'REFUND_PENDING') {
        onChanged((await api.booking(booking.id)).booking);
        return;
      }
      setError(err);
      setRefunding('idle');
    }
  }

  return (
    <div className="stack-lg">
      <PageHeading
        title="Booking confirmed"
        sub={<p className="lead">Show these QR codes at the door, on your phone or printed.</p>}
      >
        <Icon name="ticket" size={36} className="heading-icon" /> You are going to the movies!
      </PageHeading>
      <div className="confirmation">
        <section className="card confirm-card" aria-label="Confirmation">
          <p className="confirm-label">Booking reference</p>
          <p className="confirm-reference" data-testid="booking-reference">
            {booking.reference}
          </p>
          <Summary booking={booking} showtime={showtime} />
        </section>
        <section aria-labelledby="tickets-title">
          <h2 id="tickets-title" className="section-title">
            Your tickets
          </h2>
          <ul className="tickets">
            {booking.tickets.map((t) => (
              <QrTicket
                key={t.id}
                ticket={t}
                currency={booking.currency}
                timeZone={showtime?.theater.timeZone}
              />
            ))}
          </ul>
        </section>
      </div>
      {error !== null && <ErrorNotice error={error} title="That did not go through" />}
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void addToCalendar()}
          disabled={calendarBusy}
          aria-busy={calendarBusy}
        >
          <Icon name="calendar" size={18} /> Add to calendar
        </button>
        <Link to="/bookings" className="btn btn-secondary">
          My bookings
        </Link>
        {canRefund &&
          (refunding === 'idle' ? (
            <button type="button" className="btn btn-ghost" onClick={() => setRefunding('confirm')}>
              Refund this booking
            </button>
          ) : (
            <span className="confirm-inline" role="group" aria-label="Confirm refund">
              <span>Refund {formatMoney(booking.totalCents, booking.currency)} and give up these seats?</span>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => void refund()}
                disabled={refunding === 'busy'}
              >
                {refunding === 'busy' ? 'Refunding…' : 'Yes, refund'}
              </button>
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => setRefunding('idle')}
                disabled={refunding === 'busy'}
              >
                Keep my tickets
              </button>
            </span>
          ))}
      </div>
    </div>
  );
}

const CLOSED_TEXT: Record<string, { title: string; text: string }> = {
  expired: { title: 'This hold expired', text: 'The seats went back on sale and you were not charged.' },
  cancelled: {
    title: 'This hold was cancelled',
    text: 'The seats went back on sale and you were not charged.',
  },
  refunded: {
    title: 'This booking was refunded',
    text: 'The payment was returned to your card and the seats went back on sale.',
  },
};

/** A closed booking's text, honest about money: a charge that could not be used is being given back. */
function closedText(b: Booking): { title: string; text: string } {
  const t = CLOSED_TEXT[b.status]!;
  const givingBack = b.payments.some((p) => p.status === 'refund_pending');
  const gaveBack = b.payments.some((p) => p.status === 'refunded');
  if (b.status === 'refunded' && givingBack) {
    return { ...t, text: 'The seats went back on sale. The refund is recorded and on its way to your card.' };
  }
  if (b.status !== 'refunded' && (givingBack || gaveBack)) {
    return {
      ...t,
      text: 'The seats went back on sale. A payment went through after the hold ended, so it is refunded in full.',
    };
  }
  return t;
}

export function BookingPage({ bookingId }: { bookingId: string }) {
  const booking = useAsync((signal) => api.booking(bookingId, signal), [bookingId]);
  // Set when the customer cancelled the hold on this page: the closed page then confirms it, with focus.
  const [justCancelled, setJustCancelled] = useState<string | null>(null);
  const showtimeId = booking.data?.booking.showtimeId;
  const showtime = useAsync(
    (signal) => (showtimeId ? api.showtime(showtimeId, signal) : Promise.resolve(undefined)),
    [showtimeId],
  );

  if (booking.error !== undefined && !booking.data) {
    if (isNotFound(booking.error)) {
      return <NotFound what="booking" back={{ to: '/bookings', label: 'My bookings' }} />;
    }
    return (
      <div className="stack-lg">
        <PageHeading title="Booking">Booking</PageHeading>
        <ErrorNotice error={booking.error} onRetry={booking.reload} />
        <Link to="/bookings">My bookings</Link>
      </div>
    );
  }
  if (!booking.data) return <Loading label="Loading your booking…" />;

  const b = booking.data.booking;
  const st = showtime.data?.showtime;
  const onChanged = (next: Booking) => booking.setData({ booking: next });
  const onCancelled = (next: Booking) => {
    setJustCancelled(next.id);
    onChanged(next);
  };

  switch (b.status) {
    case 'pending':
      return <Checkout booking={b} showtime={st} onChanged={onChanged} onCancelled={onCancelled} />;
    case 'confirmed':
      return <Confirmation booking={b} showtime={st} onChanged={onChanged} />;
    case 'expired':
    case 'cancelled':
    case 'refunded': {
      const t = closedText(b);
      const cancelledHere = b.status === 'cancelled' && justCancelled === b.id;
      return (
        <div className="stack-lg">
          <PageHeading title={t.title}>{t.title}</PageHeading>
          <Notice
            kind={cancelledHere ? 'success' : 'info'}
            title={cancelledHere ? 'Hold cancelled' : `Booking ${b.reference}`}
            focus={cancelledHere}
            testId="booking-closed"
          >
            <p>
              {cancelledHere ? `${seatNames(b, true)} went back on sale. You have not been charged.` : t.text}
            </p>
            <p>
              <Link to={`/showtimes/${b.showtimeId}`} className="btn btn-primary">
                Choose seats again
              </Link>
            </p>
          </Notice>
          <Summary booking={b} showtime={st} />
        </div>
      );
    }
  }
}
