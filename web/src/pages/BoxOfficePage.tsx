import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Booking, Card, CounterSales, Seat, ShowtimeDetail, TicketTypeName } from '../api/types';
import { quote } from '../../../src/modules/bookings/price-quote';
import { CardForm } from '../components/CardForm';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { PriceBreakdown } from '../components/PriceBreakdown';
import { QrTicket } from '../components/QrTicket';
import { SeatLegend, SeatMap } from '../components/SeatMap';
import { humanError } from '../lib/errors';
import { formatDateTime, formatMoney, formatTime, plural, ticketTypeLabel, todayIn } from '../lib/format';
import { useAuth } from '../lib/auth';
import { Link } from '../lib/router';
import { randomId } from '../lib/random';
import { useAsync } from '../lib/useAsync';
import { useLiveSeats } from '../lib/useLiveSeats';

const MAX_SEATS = 10;
const OTHER_TYPES: TicketTypeName[] = ['child', 'senior', 'student'];

/**
 * The box office: a clerk picks a showtime, sells seats from the same live seat map as online (same hold, same
 * sale), takes cash (with the change to give) or a card, then prints the tickets or sends them by email.
 */
export function BoxOfficePage() {
  const { user } = useAuth();
  const [theaterId, setTheaterId] = useState('');
  const [showtimeId, setShowtimeId] = useState<string | null>(null);
  const [saleKey, setSaleKey] = useState(0);
  const [salesVersion, setSalesVersion] = useState(0);

  if (user && user.role !== 'staff' && user.role !== 'admin') {
    return (
      <div className="stack-lg">
        <PageHeading title="Box office">Sell tickets at the counter</PageHeading>
        <Notice kind="info" title="For cinema staff">
          <p>
            The box office is for cinema staff. <Link to="/">Find a theater</Link> to book online.
          </p>
        </Notice>
      </div>
    );
  }

  return (
    <div className="stack-lg box-office" data-testid="box-office">
      <PageHeading title="Box office">Sell at the counter from the live seat map</PageHeading>
      <div className="box-office-grid">
        <div className="stack-lg">
          <ShowtimePicker
            theaterId={theaterId}
            onTheater={(id) => {
              setTheaterId(id);
              setShowtimeId(null);
            }}
            showtimeId={showtimeId}
            onShowtime={(id) => {
              setShowtimeId(id);
              setSaleKey((k) => k + 1);
            }}
          />
          {showtimeId && (
            <Sale
              key={`${showtimeId}-${saleKey}`}
              showtimeId={showtimeId}
              onSold={() => setSalesVersion((v) => v + 1)}
              onNext={() => setSaleKey((k) => k + 1)}
            />
          )}
        </div>
        <Shift version={salesVersion} />
      </div>
    </div>
  );
}

function ShowtimePicker({
  theaterId,
  onTheater,
  showtimeId,
  onShowtime,
}: {
  theaterId: string;
  onTheater: (id: string) => void;
  showtimeId: string | null;
  onShowtime: (id: string) => void;
}) {
  const id = useId();
  // Only the theaters this clerk works at (staff are per theater; null: every theater).
  const theaters = useAsync(async (signal) => {
    const [all, mine] = await Promise.all([
      api.theaters({ limit: 100 }, signal),
      api.boxOffice.theaters(signal),
    ]);
    const allowed = mine.theaterIds;
    return { theaters: allowed ? all.theaters.filter((t) => allowed.includes(t.id)) : all.theaters };
  }, []);
  const listing = useAsync(
    (signal) => (theaterId ? api.movies(theaterId, undefined, signal) : Promise.resolve(null)),
    [theaterId],
  );
  const [date, setDate] = useState<string | undefined>(undefined);
  const day = useAsync(
    (signal) => (theaterId && date ? api.movies(theaterId, date, signal) : Promise.resolve(null)),
    [theaterId, date],
  );
  const shown = (date ? day.data : listing.data) ?? null;
  const tz = shown?.theater.timeZone;
  const now = Date.now();

  return (
    <section className="card stack" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Showtime</h2>
      {theaters.error ? <ErrorNotice error={theaters.error} /> : null}
      <div className="field">
        <label htmlFor={`${id}-theater`}>Theater</label>
        <select
          id={`${id}-theater`}
          value={theaterId}
          onChange={(e) => {
            setDate(undefined);
            onTheater(e.target.value);
          }}
          data-testid="box-office-theater"
        >
          <option value="">Choose a theater</option>
          {theaters.data?.theaters.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      {theaterId && (
        <div className="field">
          <label htmlFor={`${id}-date`}>Date</label>
          <input
            id={`${id}-date`}
            type="date"
            value={date ?? shown?.date ?? todayIn(tz)}
            min={todayIn(tz)}
            onChange={(e) => setDate(e.target.value || undefined)}
          />
        </div>
      )}
      {theaterId && !shown && <Loading label="Loading showtimes" />}
      {shown && shown.movies.length === 0 && <p className="muted">No showtimes on this day.</p>}
      {shown && shown.movies.length > 0 && (
        <ul className="box-office-movies" aria-label="Showtimes">
          {shown.movies.map((m) => (
            <li key={m.id}>
              <p className="box-office-movie">
                {m.title} <span className="muted">({m.rating})</span>
              </p>
              <ul className="showtimes">
                {m.showtimes.map((s) => {
                  const started = new Date(s.startsAt).getTime() <= now;
                  return (
                    <li key={s.id}>
                      <button
                        type="button"
                        className="btn btn-secondary"
                        aria-pressed={s.id === showtimeId}
                        disabled={started}
                        onClick={() => onShowtime(s.id)}
                      >
                        {formatTime(s.startsAt, tz)}
                        {started ? ' (started)' : ''}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Step =
  | { kind: 'choose' }
  | { kind: 'pay'; booking: Booking }
  | { kind: 'sold'; booking: Booking; changeCents: number | null };

function Sale({
  showtimeId,
  onSold,
  onNext,
}: {
  showtimeId: string;
  onSold: () => void;
  onNext: () => void;
}) {
  const id = useId();
  const details = useAsync((signal) => api.showtime(showtimeId, signal), [showtimeId]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [extra, setExtra] = useState<Partial<Record<TicketTypeName, number>>>({});
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const onRemote = useCallback((changes: { id: string; status: string }[]) => {
    const lost = changes.filter((c) => c.status !== 'available' && selectedRef.current.has(c.id));
    if (lost.length === 0) return;
    setSelected((s) => new Set([...s].filter((x) => !lost.some((l) => l.id === x))));
    setNote(
      `${plural(lost.length, 'seat')} you chose ${lost.length === 1 ? 'was' : 'were'} just taken online.`,
    );
  }, []);
  const live = useLiveSeats(showtimeId, onRemote);
  const showtime = details.data?.showtime;
  const seats = live.seats;
  const chosen = seats.filter((s) => selected.has(s.id));

  const toggle = (seat: Seat) => {
    if (step.kind !== 'choose') return;
    setNote('');
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(seat.id)) next.delete(seat.id);
      else if (next.size < MAX_SEATS) next.add(seat.id);
      return next;
    });
  };

  if (details.error) return <ErrorNotice error={details.error} />;
  if (!showtime || !live.map) return <Loading label="Loading the seat map" />;

  const offered = OTHER_TYPES.filter((t) => showtime.ticketTypes.some((o) => o.type === t));
  const others = offered.reduce((n, t) => n + (extra[t] ?? 0), 0);
  const adults = chosen.length - others;
  const counts = { adult: Math.max(0, adults), ...extra };
  const preview = chosen.length > 0 && adults >= 0 ? quoteFor(showtime, chosen, counts) : null;

  const hold = async () => {
    setBusy(true);
    setError(null);
    try {
      const ticketTypes = Object.fromEntries(offered.filter((t) => extra[t]).map((t) => [t, extra[t]]));
      const { booking } = await api.boxOffice.hold({
        showtimeId,
        seatIds: [...selected],
        ...(others > 0 ? { ticketTypes: { adult: adults, ...ticketTypes } } : {}),
        ...(email.trim() || name.trim()
          ? {
              buyer: {
                ...(email.trim() ? { email: email.trim() } : {}),
                ...(name.trim() ? { name: name.trim() } : {}),
              },
            }
          : {}),
      });
      setStep({ kind: 'pay', booking });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby={`${id}-h`} data-testid="box-office-sale">
      <h2 id={`${id}-h`}>
        {showtime.movie.title} · {formatDateTime(showtime.startsAt, showtime.theater.timeZone)} ·{' '}
        {showtime.auditorium.name}
      </h2>
      <p className="muted" aria-live="polite">
        {live.mode === 'live' ? 'Seat map live' : 'Seat map updating'}
        {note ? ` · ${note}` : ''}
      </p>
      <SeatLegend
        tiers={[...new Set(seats.map((s) => s.tier))]}
        prices={showtime.prices}
        currency={showtime.currency}
        seats={seats}
      />
      <SeatMap
        seats={seats}
        currency={showtime.currency}
        screenPosition={live.map.showtime.screenPosition}
        selected={step.kind === 'choose' ? selected : new Set()}
        onToggle={toggle}
      />
      {error ? <ErrorNotice error={error} /> : null}
      {step.kind === 'choose' && (
        <div className="stack">
          <p data-testid="box-office-selection">
            {chosen.length === 0
              ? 'Select seats on the map.'
              : `${plural(chosen.length, 'seat')}: ${chosen.map((s) => `${s.row}${s.number}`).join(', ')}`}
          </p>
          {offered.length > 0 && chosen.length > 0 && (
            <fieldset className="stack">
              <legend>Ticket types (the rest are adult: {Math.max(0, adults)})</legend>
              {offered.map((t) => (
                <div className="field" key={t}>
                  <label htmlFor={`${id}-${t}`}>{ticketTypeLabel(t)}</label>
                  <input
                    id={`${id}-${t}`}
                    type="number"
                    inputMode="numeric"
                    min={0}
                    max={chosen.length}
                    value={extra[t] ?? 0}
                    onChange={(e) =>
                      setExtra((x) => ({ ...x, [t]: Math.max(0, Number(e.target.value) || 0) }))
                    }
                  />
                </div>
              ))}
              {adults < 0 && <p className="field-error">More ticket types than seats chosen.</p>}
            </fieldset>
          )}
          <fieldset className="stack">
            <legend>Buyer (optional: to email the tickets)</legend>
            <div className="field">
              <label htmlFor={`${id}-email`}>Email</label>
              <input
                id={`${id}-email`}
                type="email"
                autoComplete="off"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-name`}>Name</label>
              <input
                id={`${id}-name`}
                autoComplete="off"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
          </fieldset>
          {preview && <PriceBreakdown breakdown={preview} currency={showtime.currency} />}
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || chosen.length === 0 || adults < 0}
            onClick={() => void hold()}
          >
            {busy ? 'Holding…' : `Hold ${plural(chosen.length, 'seat')}`}
          </button>
        </div>
      )}
      {step.kind === 'pay' && (
        <Payment
          booking={step.booking}
          onPaid={(booking, changeCents) => {
            setStep({ kind: 'sold', booking, changeCents });
            onSold();
          }}
          onCancelled={() => {
            setStep({ kind: 'choose' });
            setSelected(new Set());
          }}
        />
      )}
      {step.kind === 'sold' && (
        <Sold booking={step.booking} changeCents={step.changeCents} showtime={showtime} onNext={onNext} />
      )}
    </section>
  );
}

function quoteFor(showtime: ShowtimeDetail, seats: Seat[], counts: Partial<Record<TicketTypeName, number>>) {
  return (
    quote({
      tierPrices: seats.map((s) => s.priceCents),
      counts,
      discounts: Object.fromEntries(showtime.ticketTypes.map((o) => [o.type, o.discountCents])),
      bookingFeeCents: showtime.bookingFeeCents,
      taxRatePpm: showtime.taxRatePpm,
    }) ?? null
  );
}

/** Parses "12", "12.5" or "12.50" (the buyer's cash) into cents; null when it is not an amount. */
export function parseCash(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

function Payment({
  booking,
  onPaid,
  onCancelled,
}: {
  booking: Booking;
  onPaid: (booking: Booking, changeCents: number | null) => void;
  onCancelled: () => void;
}) {
  const id = useId();
  const [method, setMethod] = useState<'cash' | 'card'>('cash');
  const [tendered, setTendered] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [resetKey, setResetKey] = useState(0);
  const idem = useRef(randomId());
  const cashRef = useRef<HTMLInputElement>(null);
  const cents = parseCash(tendered);
  const short = cents !== null && cents < booking.totalCents;
  const total = formatMoney(booking.totalCents, booking.currency);

  useEffect(() => {
    if (method === 'cash') cashRef.current?.focus();
  }, [method]);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack" data-testid="box-office-payment">
      <p>
        Held {plural(booking.tickets.length, 'seat')} (booking {booking.reference}), to pay by{' '}
        {formatTime(booking.expiresAt)}.
      </p>
      {booking.breakdown && (
        <PriceBreakdown
          breakdown={booking.breakdown}
          currency={booking.currency}
          totalTestId="box-office-total"
        />
      )}
      <fieldset className="choice-row">
        <legend>Payment</legend>
        {(['cash', 'card'] as const).map((m) => (
          <label key={m}>
            <input type="radio" name={`${id}-method`} checked={method === m} onChange={() => setMethod(m)} />{' '}
            {m === 'cash' ? 'Cash' : 'Card'}
          </label>
        ))}
      </fieldset>
      {error ? (
        <Notice kind="error" title="Not paid">
          {humanError(error)}
        </Notice>
      ) : null}
      {method === 'cash' ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (cents === null || short) return;
            void run(async () => {
              const paid = await api.boxOffice.payCash(booking.id, cents);
              onPaid(paid.booking, paid.changeCents);
            });
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-cash`}>Cash received ({booking.currency})</label>
            <input
              id={`${id}-cash`}
              ref={cashRef}
              inputMode="decimal"
              autoComplete="off"
              value={tendered}
              aria-describedby={`${id}-change`}
              aria-invalid={short || (tendered !== '' && cents === null)}
              onChange={(e) => setTendered(e.target.value)}
            />
          </div>
          <p id={`${id}-change`} aria-live="polite" data-testid="box-office-change">
            {cents === null
              ? `Total ${total}`
              : short
                ? `${formatMoney(booking.totalCents - cents, booking.currency)} short of ${total}`
                : `Change: ${formatMoney(cents - booking.totalCents, booking.currency)}`}
          </p>
          <button type="submit" className="btn btn-primary" disabled={busy || cents === null || short}>
            {busy ? 'Selling…' : `Take ${total} in cash`}
          </button>
        </form>
      ) : (
        <CardForm
          amount={total}
          busy={busy}
          resetKey={resetKey}
          onPay={(card: Card) =>
            void run(async () => {
              try {
                const paid = await api.pay(booking.id, card, idem.current);
                onPaid(paid.booking, null);
              } catch (err) {
                idem.current = randomId();
                setResetKey((k) => k + 1);
                throw err;
              }
            })
          }
        />
      )}
      <button
        type="button"
        className="btn btn-secondary"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            await api.cancel(booking.id);
            onCancelled();
          })
        }
      >
        Cancel sale (release the seats)
      </button>
    </div>
  );
}

function Sold({
  booking,
  changeCents,
  showtime,
  onNext,
}: {
  booking: Booking;
  changeCents: number | null;
  showtime: ShowtimeDetail;
  onNext: () => void;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <div className="stack" data-testid="box-office-sold">
      <h3 ref={headingRef} tabIndex={-1}>
        Sold: booking {booking.reference}
      </h3>
      {changeCents !== null && (
        <p className="lead" data-testid="box-office-change-due">
          Give {formatMoney(changeCents, booking.currency)} change.
        </p>
      )}
      {booking.buyer?.email && <p>The tickets are on their way to {booking.buyer.email}.</p>}
      <div className="print-area stack">
        <p className="print-only">
          {showtime.movie.title} · {formatDateTime(showtime.startsAt, showtime.theater.timeZone)} ·{' '}
          {showtime.theater.name}, {showtime.auditorium.name}
        </p>
        <ul className="tickets">
          {booking.tickets.map((t) => (
            <li key={t.id}>
              <QrTicket ticket={t} currency={booking.currency} timeZone={showtime.theater.timeZone} />
            </li>
          ))}
        </ul>
      </div>
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => window.print()}>
          Print tickets
        </button>
        <button type="button" className="btn btn-secondary" onClick={onNext}>
          Next sale
        </button>
      </div>
    </div>
  );
}

function Shift({ version }: { version: number }) {
  const id = useId();
  const sales = useAsync((signal) => api.boxOffice.sales(signal), [version]);
  const data: CounterSales | undefined = sales.data ?? undefined;
  return (
    <aside className="card stack" aria-labelledby={`${id}-h`} data-testid="box-office-shift">
      <h2 id={`${id}-h`}>This shift</h2>
      {sales.error ? <ErrorNotice error={sales.error} /> : null}
      {data && data.shift.length === 0 && <p className="muted">No sales in the last 12 hours.</p>}
      {data?.shift.map((s) => (
        <dl className="breakdown" key={s.currency}>
          <dt>Cash</dt>
          <dd data-testid="shift-cash">{formatMoney(s.cashCents, s.currency)}</dd>
          <dt>Card</dt>
          <dd>{formatMoney(s.cardCents, s.currency)}</dd>
          <dt>Sales</dt>
          <dd>{s.sales}</dd>
        </dl>
      ))}
      {data && data.sales.length > 0 && (
        <>
          <h3>Recent sales</h3>
          <ul className="plain-list">
            {data.sales.map((s) => (
              <li key={s.bookingId}>
                {s.reference} · {s.movieTitle} · {plural(s.seats, 'seat')} ·{' '}
                {formatMoney(s.totalCents, s.currency)} · {s.method ?? s.status}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
