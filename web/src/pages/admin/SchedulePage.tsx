import type { DateTime } from 'luxon';
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import { api, ApiError } from '../../api/client';
import type {
  AdminMovie,
  AdminShowtime,
  AdminTheater,
  AuditoriumSummary,
  Schedule,
  ShowtimeBulkBody,
  ShowtimeBulkPreview,
  ShowtimeConflict,
} from '../../api/types';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatMoney, plural } from '../../lib/format';
import { Link, navigate, useLocation } from '../../lib/router';
import {
  atMinute,
  clock,
  dayClock,
  localParts,
  placeOf,
  weekStartOf,
  zonedInstant,
} from '../../lib/schedule-time';
import { useAsync } from '../../lib/useAsync';
import { consoleError } from './ConsoleShell';
import { TextField } from '../../components/TextField';

/** Pixels per minute of the time axis, and the snap of a drag. */
const PX = 0.8;
const SNAP = 5;
const MINUTE = 60_000;

/** Why the API refused a schedule change, in the words an operator needs: which showtime is in the way. */
export function conflictSentence(c: ShowtimeConflict): string {
  return (
    `${c.auditorium.name} is taken by “${c.movie.title}”, ${dayClock(c.startsAt, c.timeZone)} – ` +
    `${clock(c.endsAt, c.timeZone)} including ${c.cleaningMinutes} min cleaning.`
  );
}

function scheduleError(err: unknown): string {
  if (err instanceof ApiError) {
    const conflict = err.details.conflict as ShowtimeConflict | undefined;
    if (err.code === 'SHOWTIME_OVERLAP' && conflict) return `Overlap: ${conflictSentence(conflict)}`;
    if (err.code === 'SHOWTIME_BULK_CONFLICT') {
      const items = err.details.items as { conflicts: ShowtimeConflict[] }[] | undefined;
      const first = items?.[0]?.conflicts[0];
      return `Nothing was created: ${first ? conflictSentence(first) : 'some showtimes overlap others.'}`;
    }
    if (err.code === 'THEATER_CLOSED') return 'The theater is closed: reopen it before scheduling showtimes.';
    if (err.code === 'SHOWTIME_HAS_BOOKINGS' || err.code === 'SHOWTIME_HAS_SALES') return err.message;
  }
  return consoleError(err);
}

// ---- money and prices ----
function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** "12.50" -> 1250; "" -> null; anything else -> NaN. */
function cents(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  return /^\d{1,5}(\.\d{1,2})?$/.test(t) ? Math.round(Number(t) * 100) : NaN;
}

interface PriceForm {
  standard: string;
  premium: string;
  accessible: string;
  child: string;
  senior: string;
  student: string;
}
type PriceKey = keyof PriceForm;
const TIERS: [PriceKey, string, string][] = [
  ['standard', 'Standard', 'Required.'],
  ['premium', 'Premium', 'Empty: same as standard.'],
  ['accessible', 'Accessible', 'Empty: same as standard.'],
];
const TYPES: [PriceKey, string][] = [
  ['child', 'Child'],
  ['senior', 'Senior'],
  ['student', 'Student'],
];
/** Prices of the last showtime scheduled in this tab: the next drop starts from them. */
let lastPrices: PriceForm | null = null;
const NEW_PRICES: PriceForm = {
  standard: '',
  premium: '',
  accessible: '',
  child: '',
  senior: '',
  student: '',
};

function pricesOf(s: AdminShowtime): PriceForm {
  const discount = (type: string) => {
    const offer = s.ticketTypes.find((t) => t.type === type);
    return offer ? money(offer.discountCents) : '';
  };
  return {
    standard: money(s.prices.standard),
    premium: s.prices.premium === s.prices.standard ? '' : money(s.prices.premium),
    accessible: s.prices.accessible === s.prices.standard ? '' : money(s.prices.accessible),
    child: discount('child'),
    senior: discount('senior'),
    student: discount('student'),
  };
}

interface ParsedPrices {
  prices: { standard: number; premium: number | null; accessible: number | null };
  ticketTypes: { child: number | null; senior: number | null; student: number | null };
}

function parsePrices(f: PriceForm): { errors: Partial<Record<PriceKey, string>>; value?: ParsedPrices } {
  const errors: Partial<Record<PriceKey, string>> = {};
  const read = Object.fromEntries((Object.keys(f) as PriceKey[]).map((k) => [k, cents(f[k])])) as Record<
    PriceKey,
    number | null
  >;
  for (const k of Object.keys(read) as PriceKey[]) {
    const v = read[k];
    if (v !== null && (Number.isNaN(v) || v > 1_000_000))
      errors[k] = 'An amount such as 12.50 (at most 10000).';
  }
  if (read.standard === null) errors.standard = 'Enter the standard price, e.g. 12.50.';
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    value: {
      prices: { standard: read.standard!, premium: read.premium, accessible: read.accessible },
      ticketTypes: { child: read.child, senior: read.senior, student: read.student },
    },
  };
}

/** The create body's optional fields leave out what is not offered (null is only for PATCH). */
function createPricing(p: ParsedPrices) {
  const prices: { standard: number; premium?: number; accessible?: number } = { standard: p.prices.standard };
  if (p.prices.premium !== null) prices.premium = p.prices.premium;
  if (p.prices.accessible !== null) prices.accessible = p.prices.accessible;
  const ticketTypes: { child?: number; senior?: number; student?: number } = {};
  for (const k of ['child', 'senior', 'student'] as const) {
    const v = p.ticketTypes[k];
    if (v !== null) ticketTypes[k] = v;
  }
  return { prices, ticketTypes };
}

function PriceFields({
  value,
  errors,
  currency,
  onChange,
}: {
  value: PriceForm;
  errors: Partial<Record<PriceKey, string>>;
  currency: string;
  onChange: (v: PriceForm) => void;
}) {
  const input = (key: PriceKey, label: string, hint?: string) => (
    <TextField
      key={key}
      id={`price-${key}`}
      label={label}
      inputMode="decimal"
      value={value[key]}
      error={errors[key]}
      hint={hint}
      onChange={(v) => onChange({ ...value, [key]: v })}
    />
  );
  return (
    <>
      <fieldset>
        <legend>Seat prices by tier ({currency})</legend>
        <div className="field-row field-row-3">{TIERS.map(([k, l, h]) => input(k, l, h))}</div>
      </fieldset>
      <fieldset>
        <legend>Ticket types: discount off every tier ({currency})</legend>
        <p className="field-hint">Adult always pays the tier price. Empty: the type is not offered.</p>
        <div className="field-row field-row-3">{TYPES.map(([k, l]) => input(k, `${l} discount`))}</div>
      </fieldset>
    </>
  );
}

// ---- the page ----
export function SchedulePage() {
  const { query } = useLocation();
  const theaters = useAsync((signal) => api.admin.theaters(signal), []);
  if (theaters.error !== undefined) {
    return (
      <Notice kind="error" title="Could not load the theaters">
        {consoleError(theaters.error)}
      </Notice>
    );
  }
  if (!theaters.data) return <Loading />;
  const all = theaters.data.theaters;
  if (all.length === 0) {
    return (
      <div className="stack-lg">
        <PageHeading title="Schedule · Console">Schedule</PageHeading>
        <p className="lead">
          There is no theater to schedule in yet. <Link to="/admin/theaters/new">Create a theater</Link>{' '}
          first.
        </p>
      </div>
    );
  }
  const theater = all.find((t) => t.id === query.get('theater')) ?? all[0]!;
  const weekStart = weekStartOf(query.get('week'), theater.timeZone);
  const weekIso = weekStart.toISODate() ?? '';
  const go = (theaterId: string, week: string) => {
    const params = new URLSearchParams({ theater: theaterId, week });
    const movie = query.get('movie');
    if (movie) params.set('movie', movie);
    navigate(`/admin/schedule?${params.toString()}`);
  };
  return (
    <div className="stack-lg">
      <PageHeading title="Schedule · Console">Schedule</PageHeading>
      <div className="console-toolbar" role="group" aria-label="Theater and week">
        <div className="field-inline">
          <label htmlFor="schedule-theater">Theater</label>
          <select id="schedule-theater" value={theater.id} onChange={(e) => go(e.target.value, weekIso)}>
            {all.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
                {t.closedAt ? ' (closed)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field-inline">
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => go(theater.id, weekStart.minus({ weeks: 1 }).toISODate() ?? '')}
          >
            Previous week
          </button>
          <label htmlFor="schedule-week">Week of</label>
          <input
            id="schedule-week"
            type="date"
            value={weekIso}
            onChange={(e) =>
              e.target.value &&
              go(theater.id, weekStartOf(e.target.value, theater.timeZone).toISODate() ?? '')
            }
          />
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => go(theater.id, weekStart.plus({ weeks: 1 }).toISODate() ?? '')}
          >
            Next week
          </button>
        </div>
      </div>
      <WeekBoard
        key={`${theater.id}-${weekIso}`}
        theater={theater}
        weekStart={weekStart}
        preselectedMovieId={query.get('movie')}
      />
    </div>
  );
}

type Drag =
  | { kind: 'new'; movie: AdminMovie; x: number; y: number; moved: boolean }
  | { kind: 'move'; showtime: AdminShowtime; grabMinutes: number; x: number; y: number; moved: boolean };

interface Spot {
  auditoriumId: string;
  day: number;
  minute: number;
  length: number;
  clash: boolean;
}

type DialogState =
  | { mode: 'create'; movieId: string; auditoriumId: string; date: string; time: string }
  | { mode: 'edit'; showtime: AdminShowtime };

function WeekBoard({
  theater,
  weekStart,
  preselectedMovieId,
}: {
  theater: AdminTheater;
  weekStart: DateTime;
  preselectedMovieId: string | null;
}) {
  const zone = theater.timeZone;
  const from = weekStart.toUTC().toISO() ?? '';
  const to = weekStart.plus({ weeks: 1 }).toUTC().toISO() ?? '';
  const schedule = useAsync((signal) => api.admin.schedule(theater.id, from, to, signal), [theater.id, from]);
  const [search, setSearch] = useState('');
  const movies = useAsync(
    (signal) => api.admin.movies({ ...(search.trim() ? { q: search.trim() } : {}), limit: 50 }, signal),
    [search],
  );
  const preselected = useAsync(
    (signal) => (preselectedMovieId ? api.admin.movie(preselectedMovieId, signal) : Promise.resolve(null)),
    [preselectedMovieId],
  );
  const [chosen, setChosen] = useState<AdminMovie | null>(null);
  const selected = chosen ?? preselected.data?.movie ?? null;
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const [announce, setAnnounce] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [preview, setPreview] = useState<(Spot & { title: string }) | null>(null);
  const [moving, setMoving] = useState<string | null>(null);
  const dragRef = useRef<Drag | null>(null);
  const suppressClick = useRef(false);

  const data = schedule.data;
  const days = useMemo(() => Array.from({ length: 7 }, (_, d) => weekStart.plus({ days: d })), [weekStart]);
  const placed = useMemo(
    () =>
      (data?.showtimes ?? []).map((s) => {
        const { day, minute } = placeOf(weekStart, s.startsAt);
        const total = (Date.parse(s.endsAt) - Date.parse(s.startsAt)) / MINUTE;
        return { s, day, minute, film: total - s.cleaningMinutes, cleaning: s.cleaningMinutes };
      }),
    [data, weekStart],
  );
  // The axis covers 09:00 to 01:00 and stretches for anything scheduled outside it.
  const axisStart = Math.min(9 * 60, ...placed.map((p) => Math.floor(p.minute / 60) * 60));
  const axisEnd = Math.max(
    25 * 60,
    ...placed.map((p) => Math.ceil((p.minute + p.film + p.cleaning) / 60) * 60),
  );
  const trackWidth = (axisEnd - axisStart) * PX;
  const hours = Array.from({ length: (axisEnd - axisStart) / 60 + 1 }, (_, i) => axisStart + i * 60);

  const movieList = useMemo(() => {
    const list = movies.data?.movies ?? [];
    return selected && !list.some((m) => m.id === selected.id) ? [selected, ...list] : list;
  }, [movies.data, selected]);

  function overlapsExisting(auditoriumId: string, start: number, end: number, exceptId?: string): boolean {
    return (data?.showtimes ?? []).some(
      (s) =>
        s.auditorium.id === auditoriumId &&
        s.id !== exceptId &&
        Date.parse(s.startsAt) < end &&
        start < Date.parse(s.endsAt),
    );
  }

  /** The lane and snapped time under the pointer during a drag, or null off the calendar. */
  function locate(x: number, y: number, drag: Drag): Spot | null {
    const lane = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-lane]');
    if (!lane) return null;
    const auditoriumId = lane.dataset.auditorium!;
    const day = Number(lane.dataset.day);
    const raw = axisStart + (x - lane.getBoundingClientRect().left) / PX;
    const grab = drag.kind === 'move' ? drag.grabMinutes : 0;
    const minute = Math.max(axisStart, Math.round((raw - grab) / SNAP) * SNAP);
    const length =
      drag.kind === 'new'
        ? drag.movie.runtimeMinutes + theater.cleaningMinutes
        : (Date.parse(drag.showtime.endsAt) - Date.parse(drag.showtime.startsAt)) / MINUTE;
    const start = atMinute(weekStart, day, minute).toMillis();
    const clash = overlapsExisting(
      auditoriumId,
      start,
      start + length * MINUTE,
      drag.kind === 'move' ? drag.showtime.id : undefined,
    );
    return { auditoriumId, day, minute, length, clash };
  }

  async function drop(drag: Drag, spot: Spot) {
    const start = atMinute(weekStart, spot.day, spot.minute);
    if (drag.kind === 'new') {
      setChosen(drag.movie);
      setDialog({
        mode: 'create',
        movieId: drag.movie.id,
        auditoriumId: spot.auditoriumId,
        date: start.toISODate() ?? '',
        time: start.toFormat('HH:mm'),
      });
      return;
    }
    const s = drag.showtime;
    if (spot.auditoriumId !== s.auditorium.id) {
      setProblem(
        `A showtime stays in its auditorium (${s.auditorium.name}): to show it elsewhere, schedule it there and delete this one.`,
      );
      return;
    }
    const startsAt = start.toUTC().toISO() ?? '';
    if (Date.parse(startsAt) === Date.parse(s.startsAt)) return;
    setProblem(null);
    setMoving(s.id);
    try {
      const { showtime } = await api.admin.updateShowtime(s.id, { startsAt });
      setAnnounce(
        `Moved “${showtime.movie.title}” in ${showtime.auditorium.name} to ${dayClock(showtime.startsAt, zone)}.`,
      );
      schedule.reload();
    } catch (err) {
      setProblem(`Not moved. ${scheduleError(err)}`);
    } finally {
      setMoving(null);
    }
  }

  const handlers = useRef({ locate, drop });
  handlers.current = { locate, drop };
  useEffect(() => {
    function onMove(e: PointerEvent) {
      const d = dragRef.current;
      if (!d) return;
      if (!d.moved && Math.hypot(e.clientX - d.x, e.clientY - d.y) < 6) return;
      d.moved = true;
      const spot = handlers.current.locate(e.clientX, e.clientY, d);
      setPreview(spot && { ...spot, title: d.kind === 'new' ? d.movie.title : d.showtime.movie.title });
    }
    function onUp(e: PointerEvent) {
      const d = dragRef.current;
      dragRef.current = null;
      setPreview(null);
      if (!d?.moved) return;
      suppressClick.current = true;
      window.setTimeout(() => (suppressClick.current = false), 0);
      const spot = handlers.current.locate(e.clientX, e.clientY, d);
      if (spot) void handlers.current.drop(d, spot);
    }
    function onCancel() {
      dragRef.current = null;
      setPreview(null);
    }
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    window.addEventListener('pointercancel', onCancel);
    return () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      window.removeEventListener('pointercancel', onCancel);
    };
  }, []);

  function startNew(e: ReactPointerEvent, movie: AdminMovie) {
    if (e.button !== 0 || !e.isPrimary) return;
    dragRef.current = { kind: 'new', movie, x: e.clientX, y: e.clientY, moved: false };
  }

  function startMove(e: ReactPointerEvent, s: AdminShowtime, minute: number) {
    if (e.button !== 0 || !e.isPrimary || !movable(s)) return;
    const lane = (e.currentTarget as HTMLElement).closest<HTMLElement>('[data-lane]');
    const pointerMinute = lane ? axisStart + (e.clientX - lane.getBoundingClientRect().left) / PX : minute;
    dragRef.current = {
      kind: 'move',
      showtime: s,
      grabMinutes: pointerMinute - minute,
      x: e.clientX,
      y: e.clientY,
      moved: false,
    };
  }

  function finished(message: string) {
    setDialog(null);
    setProblem(null);
    setAnnounce(message);
    schedule.reload();
  }

  const auditoriums: AuditoriumSummary[] = data?.auditoriums ?? [];
  return (
    <div className="stack-lg">
      {theater.closedAt && (
        <Notice kind="warning" title="This theater is closed">
          <p>Reopen it on its theater page before scheduling showtimes.</p>
        </Notice>
      )}
      <section className="card stack" aria-labelledby="palette-title">
        <h2 id="palette-title">Movies</h2>
        <p className="field-hint" id="palette-help">
          Drag a movie onto an auditorium’s row at the time it should start, or choose it and press “New
          showtime”. Drag a showtime to move it while no seat is held or sold; choose it to change prices,
          move it by date and time, repeat it every day of the week, or delete it. Times are in {zone}.
        </p>
        <div className="console-toolbar">
          <div className="field-inline">
            <label htmlFor="palette-search">Find a movie</label>
            <input
              id="palette-search"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
          <button
            type="button"
            className="btn btn-primary"
            disabled={auditoriums.length === 0}
            onClick={() => {
              const first = weekStart.plus({ days: 0 });
              setDialog({
                mode: 'create',
                movieId: selected?.id ?? movieList[0]?.id ?? '',
                auditoriumId: auditoriums[0]?.id ?? '',
                date: first.toISODate() ?? '',
                time: '19:00',
              });
            }}
          >
            New showtime
          </button>
        </div>
        {movies.error !== undefined && <p className="field-error">{consoleError(movies.error)}</p>}
        {movieList.length === 0 && movies.data && (
          <p className="muted">
            No movies{search ? ' match' : ' yet'}. <Link to="/admin/movies/new">Create a movie</Link>.
          </p>
        )}
        <ul className="movie-palette" aria-describedby="palette-help">
          {movieList.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className="movie-chip"
                data-movie-id={m.id}
                aria-pressed={selected?.id === m.id}
                onPointerDown={(e) => startNew(e, m)}
                onClick={() => {
                  if (!suppressClick.current) setChosen(selected?.id === m.id ? null : m);
                }}
              >
                <span className="movie-chip-title">{m.title}</span>
                <span className="muted"> · {m.runtimeMinutes} min</span>
              </button>
            </li>
          ))}
        </ul>
      </section>

      <div className="visually-hidden" aria-live="polite" data-testid="schedule-status">
        {announce}
      </div>
      {announce && (
        <p className="schedule-announce" aria-hidden="true">
          {announce}
        </p>
      )}
      {problem && (
        <Notice kind="error" title="That did not work" testId="schedule-problem">
          <p>{problem}</p>
        </Notice>
      )}
      {schedule.error !== undefined && (
        <Notice kind="error" title="Could not load the schedule">
          <p>{consoleError(schedule.error)}</p>
        </Notice>
      )}
      {!data && schedule.loading && <Loading />}
      {data && auditoriums.length === 0 && (
        <p className="lead">
          {theater.name} has no auditoriums yet.{' '}
          <Link to={`/admin/theaters/${theater.id}/auditoriums/new`}>Create one</Link> to schedule showtimes.
        </p>
      )}
      {data && auditoriums.length > 0 && (
        <div
          className="schedule-scroll"
          role="region"
          aria-label={`Week of ${weekStart.toFormat('LLL d, yyyy')} at ${theater.name}`}
          tabIndex={0}
        >
          {days.map((day, d) => {
            const heading = day.toFormat('cccc, LLL d');
            return (
              <section key={d} className="schedule-day" aria-labelledby={`day-${d}`}>
                <h3 id={`day-${d}`} className="schedule-day-title">
                  {heading}
                </h3>
                <div className="schedule-lane" aria-hidden="true">
                  <div className="schedule-lane-label" />
                  <div className="schedule-axis" style={{ width: trackWidth }}>
                    {hours.map((h) => (
                      <span key={h} className="schedule-hour" style={{ left: (h - axisStart) * PX }}>
                        {atMinute(weekStart, 0, h).toFormat('ha').toLowerCase()}
                      </span>
                    ))}
                  </div>
                </div>
                {auditoriums.map((a) => (
                  <div key={a.id} className="schedule-lane">
                    <div className="schedule-lane-label">{a.name}</div>
                    <ul
                      className="schedule-track"
                      data-lane=""
                      data-auditorium={a.id}
                      data-day={d}
                      aria-label={`${a.name}, ${heading}`}
                      style={{ width: trackWidth, backgroundSize: `${60 * PX}px 100%` }}
                    >
                      {placed
                        .filter((p) => p.day === d && p.s.auditorium.id === a.id)
                        .map(({ s, minute, film, cleaning }) => {
                          const locked = !movable(s);
                          const sold = s.seats.sold + s.seats.held;
                          return (
                            <li
                              key={s.id}
                              className="schedule-slot"
                              style={{ left: (minute - axisStart) * PX, width: (film + cleaning) * PX }}
                            >
                              <button
                                type="button"
                                className={`schedule-block${locked ? ' is-locked' : ''}${moving === s.id ? ' is-moving' : ''}`}
                                data-showtime-id={s.id}
                                aria-label={
                                  `${s.movie.title}, ${clock(s.startsAt, zone)} to ` +
                                  `${clock(new Date(Date.parse(s.endsAt) - cleaning * MINUTE).toISOString(), zone)}, then ${cleaning} min cleaning; ` +
                                  `${sold} of ${s.seats.total} seats held or sold` +
                                  (locked ? '; cannot be moved by dragging' : '')
                                }
                                onPointerDown={(e) => startMove(e, s, minute)}
                                onClick={() => {
                                  if (!suppressClick.current) setDialog({ mode: 'edit', showtime: s });
                                }}
                              >
                                <span className="schedule-film" style={{ width: film * PX }}>
                                  <span className="schedule-title">{s.movie.title}</span>
                                  <span className="schedule-time">
                                    {clock(s.startsAt, zone)} · {sold}/{s.seats.total}
                                  </span>
                                </span>
                                <span
                                  className="schedule-cleaning"
                                  style={{ width: cleaning * PX }}
                                  title={`Cleaning, ${cleaning} min`}
                                />
                              </button>
                            </li>
                          );
                        })}
                      {preview && preview.day === d && preview.auditoriumId === a.id && (
                        <li
                          className={`schedule-preview${preview.clash ? ' is-clash' : ''}`}
                          style={{ left: (preview.minute - axisStart) * PX, width: preview.length * PX }}
                          data-testid="schedule-preview"
                        >
                          {preview.title} {atMinute(weekStart, d, preview.minute).toFormat('h:mm a')}
                          {preview.clash ? ' · overlaps' : ''}
                        </li>
                      )}
                    </ul>
                  </div>
                ))}
              </section>
            );
          })}
        </div>
      )}
      {dialog && data && (
        <ShowtimeDialog
          key={
            dialog.mode === 'edit'
              ? dialog.showtime.id
              : `${dialog.auditoriumId}-${dialog.date}-${dialog.time}`
          }
          state={dialog}
          schedule={data}
          movies={movieList}
          weekStart={weekStart}
          onClose={() => setDialog(null)}
          onDone={finished}
        />
      )}
    </div>
  );
}

/** Dragging moves only what the API would let move: not started, no seat held or sold. */
function movable(s: AdminShowtime): boolean {
  return s.seats.sold === 0 && s.seats.held === 0 && Date.parse(s.startsAt) > Date.now();
}

function ShowtimeDialog({
  state,
  schedule,
  movies,
  weekStart,
  onClose,
  onDone,
}: {
  state: DialogState;
  schedule: Schedule;
  movies: AdminMovie[];
  weekStart: DateTime;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { theater, auditoriums } = schedule;
  const zone = theater.timeZone;
  const editing = state.mode === 'edit' ? state.showtime : null;
  const ref = useRef<HTMLDialogElement>(null);
  const initial = editing
    ? localParts(editing.startsAt, zone)
    : { date: state.mode === 'create' ? state.date : '', time: state.mode === 'create' ? state.time : '' };
  const [movieId, setMovieId] = useState(state.mode === 'create' ? state.movieId : (editing?.movie.id ?? ''));
  const [auditoriumId, setAuditoriumId] = useState(
    state.mode === 'create' ? state.auditoriumId : (editing?.auditorium.id ?? ''),
  );
  const [date, setDate] = useState(initial.date);
  const [time, setTime] = useState(initial.time);
  const [format, setFormat] = useState(editing?.format ?? '2D');
  const [presentation, setPresentation] = useState(editing?.presentation ?? 'original');
  const [language, setLanguage] = useState(editing?.presentationLanguage ?? '');
  const [prices, setPrices] = useState<PriceForm>(editing ? pricesOf(editing) : (lastPrices ?? NEW_PRICES));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [repeat, setRepeat] = useState(false);

  useEffect(() => {
    const d = ref.current;
    // Back to what opened the dialog (a movie, a showtime, "New showtime") when it closes.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (d && !d.open) d.showModal();
    return () => opener?.focus();
  }, []);

  const movie = movies.find((m) => m.id === movieId);
  const canMove = editing ? movable(editing) : true;
  const title = editing ? `${editing.movie.title} in ${editing.auditorium.name}` : 'New showtime';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!editing && !movieId) found.movie = 'Choose a movie.';
    if (!editing && !auditoriumId) found.auditorium = 'Choose an auditorium.';
    const startsAt = zonedInstant(date, time, zone);
    if (!startsAt) found.time = 'Enter a date and a start time.';
    const parsed = parsePrices(prices);
    Object.assign(found, parsed.errors);
    if (presentation !== 'original' && !/^[a-z]{2,3}$/.test(language.trim())) {
      found.language = 'Enter the language as an ISO 639 code, e.g. en or es.';
    }
    const shown =
      presentation === 'original'
        ? { presentation }
        : { presentation, presentationLanguage: language.trim() };
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length > 0 || !parsed.value || !startsAt) return;
    setBusy(true);
    try {
      if (editing) {
        const moved = Date.parse(startsAt) !== Date.parse(editing.startsAt);
        const { showtime } = await api.admin.updateShowtime(editing.id, {
          ...(moved ? { startsAt } : {}),
          prices: parsed.value.prices,
          ticketTypes: parsed.value.ticketTypes,
          format,
          ...shown,
          ...(presentation === 'original' ? { presentationLanguage: null } : {}),
        });
        onDone(
          `Saved “${showtime.movie.title}” in ${showtime.auditorium.name}, ${dayClock(showtime.startsAt, zone)}.`,
        );
      } else {
        const { showtime } = await api.admin.createShowtime({
          movieId,
          auditoriumId,
          startsAt,
          format,
          ...shown,
          ...createPricing(parsed.value),
        });
        lastPrices = prices;
        onDone(
          `Scheduled “${showtime.movie.title}” in ${showtime.auditorium.name}, ${dayClock(showtime.startsAt, zone)}.`,
        );
      }
    } catch (err) {
      const fields = err instanceof ApiError && Array.isArray(err.details.fields) ? err.details.fields : [];
      if ((fields as { field?: string }[]).some((f) => f.field === 'body.startsAt')) {
        setErrors({ time: 'Choose a start in the future, within two years.' });
      }
      if (err instanceof ApiError && err.code === 'UNKNOWN_LANGUAGE') {
        setErrors({ language: 'This is not a language code we know: use ISO 639, e.g. en or es.' });
      }
      setProblem(scheduleError(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!editing) return;
    setBusy(true);
    try {
      await api.admin.deleteShowtime(editing.id);
      onDone(
        `Deleted “${editing.movie.title}” in ${editing.auditorium.name}, ${dayClock(editing.startsAt, zone)}.`,
      );
    } catch (err) {
      setProblem(scheduleError(err));
    } finally {
      setBusy(false);
    }
  }

  const err = (key: string) =>
    errors[key] ? (
      <p className="field-error" id={`sd-${key}-error`}>
        {errors[key]}
      </p>
    ) : null;
  const described = (key: string) => (errors[key] ? `sd-${key}-error` : undefined);

  return (
    <dialog
      ref={ref}
      className="schedule-dialog"
      aria-labelledby="schedule-dialog-title"
      onClose={onClose}
      onCancel={onClose}
    >
      <form className="stack console-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="schedule-dialog-head">
          <h2 id="schedule-dialog-title">{title}</h2>
          <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
            Close
          </button>
        </div>
        {editing ? (
          <p className="muted">
            {dayClock(editing.startsAt, zone)} –{' '}
            {clock(
              new Date(Date.parse(editing.endsAt) - editing.cleaningMinutes * MINUTE).toISOString(),
              zone,
            )}
            , then {editing.cleaningMinutes} min cleaning until {clock(editing.endsAt, zone)}.{' '}
            {plural(editing.seats.sold, 'seat')} sold, {editing.seats.held} held of {editing.seats.total}.
          </p>
        ) : (
          <div className="field-row">
            <div className="field">
              <label htmlFor="sd-movie">Movie</label>
              <select
                id="sd-movie"
                value={movieId}
                aria-invalid={errors.movie ? true : undefined}
                aria-describedby={described('movie')}
                onChange={(e) => setMovieId(e.target.value)}
              >
                <option value="">Choose…</option>
                {movies.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.title} ({m.runtimeMinutes} min)
                  </option>
                ))}
              </select>
              {err('movie')}
            </div>
            <div className="field">
              <label htmlFor="sd-auditorium">Auditorium</label>
              <select
                id="sd-auditorium"
                value={auditoriumId}
                aria-invalid={errors.auditorium ? true : undefined}
                aria-describedby={described('auditorium')}
                onChange={(e) => setAuditoriumId(e.target.value)}
              >
                {auditoriums.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
              {err('auditorium')}
            </div>
          </div>
        )}
        <div className="field-row">
          <div className="field">
            <label htmlFor="sd-date">Date</label>
            <input
              id="sd-date"
              type="date"
              value={date}
              disabled={!canMove}
              onChange={(e) => setDate(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="sd-time">Starts at ({zone})</label>
            <input
              id="sd-time"
              type="time"
              step={300}
              value={time}
              disabled={!canMove}
              aria-invalid={errors.time ? true : undefined}
              aria-describedby={described('time')}
              onChange={(e) => setTime(e.target.value)}
            />
            {err('time')}
          </div>
        </div>
        {!canMove && (
          <p className="field-hint">It has started or has seats held or sold, so its time cannot change.</p>
        )}
        {!editing && movie && (
          <p className="field-hint">
            Occupies the auditorium {movie.runtimeMinutes} min plus {theater.cleaningMinutes} min cleaning.
          </p>
        )}
        <div className="field-row field-row-3">
          <div className="field">
            <label htmlFor="sd-format">Format</label>
            <select
              id="sd-format"
              value={format}
              onChange={(e) => setFormat(e.target.value as typeof format)}
            >
              <option value="2D">2D</option>
              <option value="3D">3D</option>
              <option value="IMAX">IMAX</option>
              <option value="DOLBY">Dolby Cinema</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="sd-presentation">Soundtrack</label>
            <select
              id="sd-presentation"
              value={presentation}
              onChange={(e) => setPresentation(e.target.value as typeof presentation)}
            >
              <option value="original">Original</option>
              <option value="subtitled">Subtitled</option>
              <option value="dubbed">Dubbed</option>
            </select>
          </div>
          {presentation !== 'original' && (
            <div className="field">
              <label htmlFor="sd-language">
                {presentation === 'subtitled' ? 'Subtitles in' : 'Dubbed into'}
              </label>
              <input
                id="sd-language"
                value={language}
                autoComplete="off"
                aria-invalid={errors.language ? true : undefined}
                aria-describedby={['sd-language-hint', described('language')].filter(Boolean).join(' ')}
                onChange={(e) => setLanguage(e.target.value)}
              />
              <p className="field-hint" id="sd-language-hint">
                ISO 639 code, e.g. es.
              </p>
              {err('language')}
            </div>
          )}
        </div>
        <PriceFields value={prices} errors={errors} currency={theater.currency} onChange={setPrices} />
        {problem && (
          <Notice kind="error" title="Not saved" focus testId="dialog-problem">
            <p>{problem}</p>
          </Notice>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
            {editing ? 'Save showtime' : 'Schedule showtime'}
          </button>
          {editing && (
            <button type="button" className="btn btn-secondary" onClick={() => setRepeat(true)}>
              Repeat every day this week…
            </button>
          )}
          {editing &&
            editing.seats.sold === 0 &&
            (confirmDelete ? (
              <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void remove()}>
                Yes, delete it
              </button>
            ) : (
              <button type="button" className="btn btn-ghost" onClick={() => setConfirmDelete(true)}>
                Delete…
              </button>
            ))}
        </div>
      </form>
      {editing && repeat && <RepeatWeek showtime={editing} weekStart={weekStart} onDone={onDone} />}
    </dialog>
  );
}

type BulkItem = ShowtimeBulkBody['showtimes'][number];

/** "Same time every day this week": a dry run shows each day free or taken, then one all-or-nothing create. */
function RepeatWeek({
  showtime,
  weekStart,
  onDone,
}: {
  showtime: AdminShowtime;
  weekStart: DateTime;
  onDone: (message: string) => void;
}) {
  const zone = showtime.theater.timeZone;
  const { time } = localParts(showtime.startsAt, zone);
  const own = localParts(showtime.startsAt, zone).date;
  const items = useMemo<BulkItem[]>(() => {
    const [h, m] = time.split(':').map(Number);
    const offers = Object.fromEntries(showtime.ticketTypes.map((t) => [t.type, t.discountCents]));
    return Array.from({ length: 7 }, (_, d) => atMinute(weekStart, d, h! * 60 + m!))
      .filter((t) => t.toISODate() !== own && t.toMillis() > Date.now())
      .map((t) => ({
        auditoriumId: showtime.auditorium.id,
        movieId: showtime.movie.id,
        startsAt: t.toUTC().toISO() ?? '',
        currency: showtime.currency,
        prices: showtime.prices,
        ticketTypes: {
          ...(offers.child !== undefined ? { child: offers.child } : {}),
          ...(offers.senior !== undefined ? { senior: offers.senior } : {}),
          ...(offers.student !== undefined ? { student: offers.student } : {}),
        },
        format: showtime.format,
        presentation: showtime.presentation,
        ...(showtime.presentationLanguage ? { presentationLanguage: showtime.presentationLanguage } : {}),
      }));
  }, [showtime, weekStart, time, own]);
  const [preview, setPreview] = useState<ShowtimeBulkPreview | null>(null);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (items.length === 0) return;
    let live = true;
    setProblem(null);
    api.admin
      .previewShowtimes(items)
      .then((p) => {
        if (!live) return;
        setPreview(p);
        setPicked(new Set(p.items.filter((i) => i.conflicts.length === 0).map((i) => i.index)));
      })
      .catch((err: unknown) => live && setProblem(scheduleError(err)));
    return () => {
      live = false;
    };
  }, [items, tick]);

  async function create() {
    const chosen = items.filter((_, i) => picked.has(i));
    if (chosen.length === 0) return;
    setBusy(true);
    setProblem(null);
    try {
      const { showtimes } = await api.admin.createShowtimes(chosen);
      onDone(
        `Scheduled ${plural(showtimes.length, 'more showtime')} of “${showtime.movie.title}” at ${clock(showtime.startsAt, zone)} in ${showtime.auditorium.name}.`,
      );
    } catch (err) {
      setProblem(scheduleError(err));
      setTick((t) => t + 1); // someone scheduled meanwhile: show the days as they are now
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="stack repeat-week" aria-labelledby="repeat-title" aria-live="polite">
      <h3 id="repeat-title">
        Repeat at {clock(showtime.startsAt, zone)} every day this week in {showtime.auditorium.name}
      </h3>
      {items.length === 0 && <p className="muted">No other day of this week is still ahead.</p>}
      {items.length > 0 && !preview && !problem && <Loading />}
      {preview && (
        <>
          <ul className="repeat-list">
            {preview.items.map((item) => {
              const free = item.conflicts.length === 0;
              return (
                <li key={item.index} className={free ? 'is-free' : 'is-taken'}>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={picked.has(item.index)}
                      disabled={!free}
                      onChange={(e) => {
                        const next = new Set(picked);
                        if (e.target.checked) next.add(item.index);
                        else next.delete(item.index);
                        setPicked(next);
                      }}
                    />
                    {dayClock(item.startsAt, zone)}
                  </label>
                  <span className={free ? 'repeat-free' : 'repeat-taken'}>
                    {free ? ' — free' : ` — ${conflictSentence(item.conflicts[0]!)}`}
                  </span>
                </li>
              );
            })}
          </ul>
          <p className="muted">
            Same movie, prices and ticket types as this showtime.{' '}
            {preview.ok ? 'Every day is free.' : 'Days that are taken are left out.'}
          </p>
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || picked.size === 0}
            aria-busy={busy}
            onClick={() => void create()}
          >
            Create {plural(picked.size, 'showtime')}
          </button>
        </>
      )}
      {problem && (
        <Notice kind="error" title="Not created" focus>
          <p>{problem}</p>
        </Notice>
      )}
      <p className="muted">Prices: {formatMoney(showtime.prices.standard, showtime.currency)} standard.</p>
    </section>
  );
}
