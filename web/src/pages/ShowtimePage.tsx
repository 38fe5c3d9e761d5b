import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Seat, SeatProposal, SeatTier, TicketTypeCounts, TicketTypeName } from '../api/types';
// The booking rule itself (pure, no imports): the same orphan-seat judgement the API's best available uses.
import { singleSeatsLeftBy } from '../../../src/modules/bookings/best-seats';
// How a hold prices (pure): the breakdown shown here is the one the hold stores.
import { quote } from '../../../src/modules/bookings/price-quote';
import { NotFound } from '../components/NotFound';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { humanError, isNotFound } from '../lib/errors';
import { PageHeading } from '../components/PageHeading';
import { Poster } from '../components/Poster';
import { SeatLegend, SeatMap } from '../components/SeatMap';
import { PriceBreakdown } from '../components/PriceBreakdown';
import { formatDateTime, formatMoney, plural, ticketTypeLabel, tierLabel } from '../lib/format';
import { randomId } from '../lib/random';
import { useAuth } from '../lib/auth';
import { Link, navigate, signInHref } from '../lib/router';
import { admissions } from '../lib/admission';
import { savedSelection } from '../lib/selection';
import { useAsync } from '../lib/useAsync';
import { useLiveSeats, type SeatChange } from '../lib/useLiveSeats';
import { useOwnSeats } from '../lib/useOwnSeats';

export const MAX_SEATS = 10;

type Message = {
  kind: 'error' | 'info' | 'warning';
  title: string;
  text: string;
  link?: { to: string; label: string };
};

function seatList(seats: Seat[]): string {
  return seats.map((s) => `${s.row}${s.number}`).join(', ');
}

export function ShowtimePage({ showtimeId }: { showtimeId: string }) {
  const { user } = useAuth();
  const details = useAsync((signal) => api.showtime(showtimeId, signal), [showtimeId]);
  // The seats chosen before a reload or the sign-in round trip come back (checked against the map below).
  const [restored] = useState(() => savedSelection.read(showtimeId));
  const [selected, setSelected] = useState<Set<string>>(() => new Set(restored?.seatIds ?? []));
  /** Hold as soon as the map is back and the customer is signed in: they pressed hold signed out. */
  const holdAfterSignIn = useRef(restored?.holdAfterSignIn === true);
  const restoreChecked = useRef(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [liveNote, setLiveNote] = useState('');
  const [holding, setHolding] = useState(false);
  const holdingRef = useRef(false);
  const seatsRef = useRef<Seat[]>([]);

  const [count, setCount] = useState(2);
  const [tier, setTier] = useState<SeatTier | ''>('');
  const [proposal, setProposal] = useState<{ skip: number; available: number; ids: string[] } | null>(null);
  const [proposing, setProposing] = useState(false);
  const [orphans, setOrphans] = useState<string[] | null>(null);
  /** Tickets of each type besides adult; adult is the rest of the seats chosen. */
  const [extra, setExtra] = useState<Partial<Record<TicketTypeName, number>>>(
    () => (restored?.ticketTypes ?? {}) as Partial<Record<TicketTypeName, number>>,
  );
  const extraRef = useRef(extra);
  extraRef.current = extra;

  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const onRemoteChange = useCallback((changes: SeatChange[]) => {
    if (holdingRef.current) return; // our own hold is arriving; we are about to leave the page
    const taken = changes.filter((c) => c.status !== 'available').map((c) => c.id);
    const lost = taken.filter((id) => selectedRef.current.has(id));
    if (lost.length > 0) {
      const names = seatsRef.current.filter((s) => lost.includes(s.id));
      const one = names.length === 1;
      setSelected((current) => new Set([...current].filter((id) => !lost.includes(id))));
      setMessage({
        kind: 'warning',
        title: `${one ? 'A seat you chose was' : 'Seats you chose were'} just taken`,
        text: `${seatList(names)} ${one ? 'is' : 'are'} no longer available and ${one ? 'was' : 'were'} removed from your selection. Choose another seat.`,
      });
    }
    const freed = changes.filter((c) => c.status === 'available').length;
    const gone = taken.length;
    setLiveNote(
      [
        gone ? `${plural(gone, 'seat')} just became unavailable.` : '',
        freed ? `${plural(freed, 'seat')} just became available.` : '',
      ]
        .filter(Boolean)
        .join(' '),
    );
  }, []);

  const live = useLiveSeats(showtimeId, onRemoteChange);
  seatsRef.current = live.seats;
  const own = useOwnSeats(showtimeId, user !== null);
  const tiers = useMemo(() => [...new Set(live.seats.map((s) => s.tier))], [live.seats]);

  const chosen = useMemo(
    () => live.seats.filter((s) => selected.has(s.id)).sort((a, b) => a.y - b.y || a.x - b.x),
    [live.seats, selected],
  );
  const currency = live.map?.showtime.currency ?? details.data?.showtime.currency ?? 'USD';
  const pricing = details.data?.showtime;
  const offers = useMemo(() => pricing?.ticketTypes ?? [], [pricing]);
  // The counts always add up to the seats: other types first (never more than the seats), adult the rest.
  const counts = useMemo(() => {
    let left = chosen.length;
    const c: TicketTypeCounts = {};
    for (const o of offers) {
      if (o.type === 'adult') continue;
      const n = Math.min(extra[o.type] ?? 0, left);
      if (n > 0) c[o.type] = n;
      left -= n;
    }
    c.adult = left;
    return c;
  }, [chosen.length, offers, extra]);
  const priced = useMemo(
    () =>
      quote({
        tierPrices: chosen.map((s) => s.priceCents),
        counts,
        discounts: Object.fromEntries(offers.map((o) => [o.type, o.discountCents])),
        bookingFeeCents: pricing?.bookingFeeCents ?? 0,
        taxRatePpm: pricing?.taxRatePpm ?? 0,
      }),
    [chosen, counts, offers, pricing],
  );
  const total = priced?.totalCents ?? chosen.reduce((sum, s) => sum + s.priceCents, 0);

  function changeCount(type: TicketTypeName, by: number) {
    setExtra((e) => ({ ...e, [type]: Math.max(0, (counts[type] ?? 0) + by) }));
  }

  // The selection and its ticket types survive a reload and the sign-in round trip (this tab only, with the
  // showtime id).
  useEffect(() => {
    savedSelection.write({
      showtimeId,
      seatIds: [...selected],
      ticketTypes: extra,
      holdAfterSignIn: holdAfterSignIn.current,
    });
  }, [showtimeId, selected, extra]);

  // Seats chosen before may have been taken meanwhile: say which, keep the others.
  useEffect(() => {
    if (!live.map || restoreChecked.current) return;
    restoreChecked.current = true;
    if (!restored || restored.seatIds.length === 0) return;
    const free = new Set(live.map.seats.filter((s) => s.status === 'available').map((s) => s.id));
    const lost = restored.seatIds.filter((id) => !free.has(id));
    if (lost.length === 0) return;
    const names = live.map.seats.filter((s) => lost.includes(s.id));
    const kept = live.map.seats.filter((s) => restored.seatIds.includes(s.id) && free.has(s.id));
    const one = names.length === 1;
    // Not held behind the customer's back with seats missing: the rest is one click away.
    holdAfterSignIn.current = false;
    setSelected(new Set(kept.map((s) => s.id)));
    setMessage({
      kind: 'warning',
      title: `${one ? 'A seat you chose was' : 'Seats you chose were'} taken meanwhile`,
      text:
        `${names.length > 0 ? seatList(names) : `${plural(lost.length, 'seat')}`} ${one ? 'was' : 'were'} taken by ` +
        `someone else while you were away.` +
        (kept.length > 0
          ? ` ${seatList(kept)} ${kept.length === 1 ? 'is' : 'are'} still selected: hold ${kept.length === 1 ? 'it' : 'them'}, or choose more.`
          : ' Choose other seats.'),
    });
  }, [live.map, restored]);

  // Back from signing in or signing up after pressing hold: the hold goes ahead with the same seats and ticket
  // types (once the showtime's ticket types are known, or the counts would all be adult).
  useEffect(() => {
    if (
      !user ||
      !live.map ||
      !pricing ||
      !restoreChecked.current ||
      !holdAfterSignIn.current ||
      chosen.length === 0
    )
      return;
    holdAfterSignIn.current = false;
    savedSelection.write({ showtimeId, seatIds: [...selectedRef.current], ticketTypes: extraRef.current });
    // The stranded-seat question was answered before the round trip.
    void hold(true);
  });

  function toggle(seat: Seat) {
    setOrphans(null);
    const next = new Set(selected);
    if (next.has(seat.id)) {
      next.delete(seat.id);
    } else if (next.size >= MAX_SEATS) {
      setMessage({
        kind: 'info',
        title: `Up to ${MAX_SEATS} seats`,
        text: `You can choose up to ${MAX_SEATS} seats in one booking. Remove one to choose another.`,
      });
      return;
    } else {
      next.add(seat.id);
    }
    setSelected(next);
  }

  /** Shows proposal `skip` for the chosen count and tier on the map, selected; wraps to the best after the last. */
  async function propose(skip: number) {
    setProposing(true);
    setOrphans(null);
    try {
      let answer = await api.bestSeats(showtimeId, count, tier || undefined, skip);
      if (!answer.proposal && skip > 0) answer = await api.bestSeats(showtimeId, count, tier || undefined, 0);
      const p: SeatProposal | null = answer.proposal;
      if (!p) {
        setProposal(null);
        setSelected(new Set());
        setMessage({
          kind: 'warning',
          title: `No ${count} seats together`,
          text: `No ${plural(count, `${tier ? `${tierLabel(tier).toLowerCase()} ` : ''}seat`)} together are left, not even in two groups in adjacent rows. Try fewer tickets or another seat type, or pick seats by hand.`,
        });
        return;
      }
      setProposal({ skip: answer.index, available: answer.available, ids: p.seatIds });
      setSelected(new Set(p.seatIds));
      const names = live.seats.filter((s) => p.seatIds.includes(s.id)).sort((a, b) => a.y - b.y || a.x - b.x);
      setMessage({
        kind: p.seating.kind === 'split' ? 'warning' : 'info',
        title: `Proposal ${answer.index + 1} of ${answer.available}: ${seatList(names)}`,
        text: `${p.seating.message} ${formatMoney(p.totalCents, currency)} in all. Hold them, ask for the next proposal, or pick seats on the map yourself.`,
      });
    } catch (err) {
      setMessage({
        kind: 'error',
        title: 'No proposal right now',
        text: humanError(err),
      });
    } finally {
      setProposing(false);
    }
  }

  /** Keeps the selection (and the wish to hold it) in this tab, and goes to sign in / sign up and back. */
  function askToSignIn() {
    holdAfterSignIn.current = true;
    savedSelection.write({
      showtimeId,
      seatIds: [...selectedRef.current],
      ticketTypes: extraRef.current,
      holdAfterSignIn: true,
    });
    navigate(signInHref(`/showtimes/${showtimeId}`, { mode: 'signup', reason: 'hold' }));
  }

  async function hold(acceptOrphans = false) {
    if (chosen.length === 0) return;
    // Seats picked by hand that strand a seat: say so first (a proposal never does when it can be helped).
    const isProposal =
      proposal !== null &&
      proposal.ids.length === chosen.length &&
      chosen.every((s) => proposal.ids.includes(s.id));
    if (!acceptOrphans && !isProposal) {
      const left = singleSeatsLeftBy(
        live.seats.map((s) => ({ id: s.id, x: s.x, y: s.y, tier: s.tier, free: s.status === 'available' })),
        chosen.map((s) => s.id),
      );
      if (left.length > 0) {
        setOrphans(left);
        setMessage(null);
        return;
      }
    }
    setOrphans(null);
    if (!user) {
      askToSignIn();
      return;
    }
    setHolding(true);
    holdingRef.current = true;
    setMessage(null);
    try {
      const { booking } = await api.hold(
        showtimeId,
        chosen.map((s) => s.id),
        randomId(),
        counts,
        admissions.read(showtimeId)?.token,
      );
      savedSelection.clear(showtimeId);
      navigate(`/bookings/${booking.id}`);
    } catch (err) {
      holdingRef.current = false;
      if (err instanceof ApiError && err.status === 401) {
        askToSignIn(); // the session ended meanwhile: the same round trip as signed out
      } else if (err instanceof ApiError && err.code === 'ADMISSION_REQUIRED') {
        // High-demand showtime and no live admission (it ended, or was never given): back to the queue.
        admissions.clear(showtimeId);
        navigate(`/showtimes/${showtimeId}/queue`);
      } else if (err instanceof ApiError && err.code === 'SEATS_UNAVAILABLE') {
        const ids = err.seatIds.length > 0 ? err.seatIds : chosen.map((s) => s.id);
        const names = live.seats.filter((s) => ids.includes(s.id));
        live.markTaken(ids);
        setSelected((current) => new Set([...current].filter((id) => !ids.includes(id))));
        setMessage({
          kind: 'error',
          title: 'Some seats were just taken',
          text: `${seatList(names)} ${names.length === 1 ? 'was' : 'were'} taken by someone else a moment ago. Nothing was held. Choose other seats and try again.`,
        });
      } else if (err instanceof ApiError && err.code === 'COMPANION_SEAT_RESERVED') {
        const names = live.seats.filter((s) => err.seatIds.includes(s.id));
        setMessage({
          kind: 'error',
          title: 'Companion seats go with a wheelchair space',
          text: `${seatList(names)} ${names.length === 1 ? 'is a companion seat, kept' : 'are companion seats, kept'} for someone coming with a wheelchair user. Choose the wheelchair space beside it too, or other seats. Nothing was held.`,
        });
      } else if (err instanceof ApiError && err.code === 'TOO_MANY_HOLDS') {
        setMessage({
          kind: 'error',
          title: 'You already have seats on hold',
          text: 'Finish paying for a hold, or cancel one, before holding more seats.',
          link: { to: '/bookings', label: 'Go to My bookings' },
        });
      } else if (err instanceof ApiError && err.code === 'TICKET_TYPE_NOT_OFFERED') {
        setMessage({
          kind: 'error',
          title: 'A ticket type is no longer offered',
          text: `${humanError(err)}. Nothing was held. Reload the page to see the ticket types offered now.`,
        });
      } else if (err instanceof ApiError && err.code === 'SHOWTIME_CLOSED') {
        setMessage({
          kind: 'error',
          title: 'This showtime has started',
          text: 'Tickets are no longer sold for it. Pick a later showtime.',
        });
      } else {
        setMessage({
          kind: 'error',
          title: 'The seats could not be held',
          text: humanError(err),
        });
      }
    } finally {
      setHolding(false);
    }
  }

  if (live.error || details.error !== undefined) {
    const err = live.error ?? details.error;
    if (isNotFound(err)) return <NotFound what="showtime" />;
    return (
      <div className="stack-lg">
        <PageHeading title="Showtime">Showtime</PageHeading>
        <ErrorNotice error={err} />
        <Link to="/">Back to theaters</Link>
      </div>
    );
  }
  if (!details.data || !live.map) return <Loading label="Loading the seat map…" />;

  const holdButton = (className: string) => (
    <button
      type="button"
      className={`btn btn-primary ${className}`}
      disabled={chosen.length === 0 || holding || started}
      aria-busy={holding}
      onClick={() => void hold()}
    >
      {holding ? 'Holding…' : chosen.length === 0 ? 'Hold seats' : `Hold ${plural(chosen.length, 'seat')}`}
    </button>
  );
  const { showtime } = details.data;
  const tz = showtime.theater.timeZone;
  const started = new Date(showtime.startsAt).getTime() <= Date.now();

  return (
    <div className="stack-lg">
      <p className="breadcrumb">
        <Link
          to={`/theaters/${showtime.theater.id}?date=${new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(showtime.startsAt))}`}
        >
          ← {showtime.theater.name}
        </Link>
      </p>
      <div className="showtime-head">
        <Poster url={showtime.movie.posterUrl} title={showtime.movie.title} size="sm" />
        <PageHeading
          title={`Seats for ${showtime.movie.title}`}
          sub={
            <p className="lead">
              {formatDateTime(showtime.startsAt, tz)} · {showtime.theater.name} · {showtime.auditorium.name}
            </p>
          }
        >
          {showtime.movie.title}
        </PageHeading>
      </div>

      {started && (
        <Notice kind="info" title="This showtime has started">
          <p>Tickets are no longer sold for it.</p>
        </Notice>
      )}

      <div className="seat-layout">
        <section className="card seat-card" aria-labelledby="choose-title">
          <div className="seat-card-head">
            <h2 id="choose-title" className="section-title">
              Choose up to {MAX_SEATS} seats
            </h2>
            <p className={`live-badge is-${live.mode}`} data-testid="live-mode">
              <span className="live-dot" aria-hidden="true" />
              {live.mode === 'live' ? 'Live' : live.mode === 'polling' ? 'Updating every 5 s' : 'Connecting…'}
            </p>
          </div>
          <form
            className="best-available"
            aria-labelledby="best-title"
            onSubmit={(e) => {
              e.preventDefault();
              void propose(0);
            }}
          >
            <h3 id="best-title" className="visually-hidden">
              Best available
            </h3>
            <div className="field-inline">
              <span id="count-label">How many tickets?</span>
              <div className="stepper" role="group" aria-labelledby="count-label">
                <button
                  type="button"
                  className="btn btn-icon"
                  aria-label="One ticket fewer"
                  disabled={count <= 1}
                  onClick={() => {
                    setCount((c) => Math.max(1, c - 1));
                    setProposal(null);
                  }}
                >
                  −
                </button>
                <output aria-live="polite" data-testid="ticket-count" aria-label={`${count} tickets`}>
                  {count}
                </output>
                <button
                  type="button"
                  className="btn btn-icon"
                  aria-label="One ticket more"
                  disabled={count >= MAX_SEATS}
                  onClick={() => {
                    setCount((c) => Math.min(MAX_SEATS, c + 1));
                    setProposal(null);
                  }}
                >
                  +
                </button>
              </div>
            </div>
            <div className="field-inline">
              <label htmlFor="tier-choice">Seat type</label>
              <select
                id="tier-choice"
                value={tier}
                onChange={(e) => {
                  setTier(e.target.value as SeatTier | '');
                  setProposal(null);
                }}
              >
                <option value="">Best value</option>
                {tiers.map((t) => (
                  <option key={t} value={t}>
                    {tierLabel(t)}
                  </option>
                ))}
              </select>
            </div>
            <div className="best-actions">
              <button type="submit" className="btn btn-secondary" disabled={proposing || started}>
                {proposing && !proposal ? 'Finding seats…' : 'Best available'}
              </button>
              {proposal && (
                <button
                  type="button"
                  className="btn btn-ghost"
                  disabled={proposing}
                  onClick={() =>
                    void propose(proposal.skip + 1 >= proposal.available ? 0 : proposal.skip + 1)
                  }
                >
                  Next proposal
                </button>
              )}
            </div>
          </form>
          <SeatLegend
            tiers={tiers}
            prices={showtime.prices}
            currency={currency}
            seats={live.seats}
            showYours={own.booked.size + own.held.size > 0}
          />
          <SeatMap
            seats={live.seats}
            currency={currency}
            screenPosition={live.map.showtime.screenPosition}
            selected={selected}
            own={own}
            onToggle={toggle}
          />
          <p className="visually-hidden" aria-live="polite" aria-atomic="true">
            {liveNote}
          </p>
        </section>

        <aside className="card summary" aria-labelledby="summary-title">
          <h2 id="summary-title" className="section-title">
            Your seats
          </h2>
          {message && (
            <Notice
              kind={message.kind}
              title={message.title}
              focus={message.kind === 'error'}
              testId="seat-message"
            >
              <p>{message.text}</p>
              {message.link && <Link to={message.link.to}>{message.link.label}</Link>}
            </Notice>
          )}
          {orphans && (
            <Notice kind="warning" title="This leaves a single seat empty" focus testId="orphan-warning">
              <p>
                Holding these seats leaves {seatList(live.seats.filter((s) => orphans.includes(s.id)))} on{' '}
                {orphans.length === 1 ? 'its' : 'their'} own, which is hard for anyone else to use. Move your
                selection by a seat, or hold them anyway.
              </p>
              <div className="confirm-inline">
                <button type="button" className="btn btn-primary" onClick={() => void hold(true)}>
                  Hold anyway
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => setOrphans(null)}>
                  Change seats
                </button>
              </div>
            </Notice>
          )}
          {own.bookings.map((b) => (
            <p key={b.id} className="own-booking" data-testid="own-booking">
              <span>
                {b.status === 'confirmed' ? 'You booked' : 'You are holding'}{' '}
                <strong>{b.tickets.map((t) => `${t.row}${t.number}`).join(', ')}</strong>
              </span>
              <Link to={`/bookings/${b.id}`}>{b.status === 'confirmed' ? 'Your tickets' : 'Pay now'}</Link>
            </p>
          ))}
          {chosen.length === 0 ? (
            <p className="muted">No seats chosen yet. Tap a seat on the map to add it.</p>
          ) : (
            <ul className="chosen-list" aria-live="polite">
              {chosen.map((s, i) => (
                <li key={s.id}>
                  <span>
                    <strong>
                      {s.row}
                      {s.number}
                    </strong>{' '}
                    <span className="muted">
                      {s.seatType?.name ?? tierLabel(s.tier)}
                      {priced && ` · ${ticketTypeLabel(priced.tickets[i]!.ticketType)}`}
                    </span>
                  </span>
                  <span>{formatMoney(priced?.tickets[i]!.priceCents ?? s.priceCents, currency)}</span>
                  <button
                    type="button"
                    className="btn btn-icon"
                    aria-label={`Remove row ${s.row}, seat ${s.number}`}
                    onClick={() => toggle(s)}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {chosen.length > 0 && offers.length > 1 && (
            <div className="ticket-types" role="group" aria-labelledby="types-title">
              <h3 id="types-title" className="ticket-types-title">
                Tickets
              </h3>
              {offers.map((o) => (
                <div key={o.type} className="ticket-type-row">
                  <span id={`type-${o.type}`}>
                    {ticketTypeLabel(o.type)}{' '}
                    <span className="muted small">
                      {o.discountCents > 0 ? `${formatMoney(o.discountCents, currency)} off` : 'full price'}
                    </span>
                  </span>
                  <div className="stepper">
                    {o.type !== 'adult' && (
                      <button
                        type="button"
                        className="btn btn-icon"
                        aria-label={`One ${ticketTypeLabel(o.type).toLowerCase()} ticket fewer`}
                        disabled={(counts[o.type] ?? 0) <= 0}
                        onClick={() => changeCount(o.type, -1)}
                      >
                        −
                      </button>
                    )}
                    <output
                      aria-labelledby={`type-${o.type}`}
                      data-testid={`ticket-type-${o.type}`}
                      aria-live="polite"
                    >
                      {counts[o.type] ?? 0}
                    </output>
                    {o.type !== 'adult' && (
                      <button
                        type="button"
                        className="btn btn-icon"
                        aria-label={`One ${ticketTypeLabel(o.type).toLowerCase()} ticket more`}
                        disabled={(counts.adult ?? 0) <= 0}
                        onClick={() => changeCount(o.type, 1)}
                      >
                        +
                      </button>
                    )}
                  </div>
                </div>
              ))}
              <p className="muted small">Adult tickets are the seats left over.</p>
            </div>
          )}
          {priced && chosen.length > 0 ? (
            <PriceBreakdown breakdown={priced} currency={currency} totalTestId="total" />
          ) : (
            <p className="total" aria-live="polite" data-testid="total">
              <span>Total ({plural(chosen.length, 'seat')})</span>
              <strong>{formatMoney(total, currency)}</strong>
            </p>
          )}
          {holdButton('btn-block hold-main')}
          <p className="muted small">
            {user
              ? 'Seats are held for a few minutes while you pay.'
              : 'Seats are held for a few minutes while you pay. To hold them, sign in or create an account: your seats stay selected.'}
          </p>
        </aside>
      </div>
      {/* Phones: the total and the button stay in reach while the map scrolls. */}
      <div className="hold-bar">
        <p>
          <strong>{formatMoney(total, currency)}</strong>
          <span className="muted"> · {plural(chosen.length, 'seat')}</span>
          {message && (
            // Already announced by the notice above; repeated here where a phone user is looking.
            <span className="hold-bar-note" aria-hidden="true">
              {message.title}
            </span>
          )}
        </p>
        {holdButton('')}
      </div>
    </div>
  );
}
