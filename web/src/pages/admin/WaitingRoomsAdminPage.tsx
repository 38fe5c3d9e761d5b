import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { AdminShowtimeSummary, AdminWaitingRoom } from '../../api/types';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatDateTime } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';

/** A local date-time input's value for an instant (the browser's time zone, as the input shows it). */
function localInput(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

interface Form {
  onSaleAt: string;
  rate: string;
  cap: string;
  minutes: string;
}

const EMPTY: Form = { onSaleAt: '', rate: '', cap: '', minutes: '10' };

/**
 * Marking showtimes high-demand: a waiting room with an on-sale time, a pace (customers let in per minute) and/or
 * a cap on customers choosing seats at once, and the live queue. Every change is in the audit log.
 */
export function WaitingRoomsAdminPage() {
  const theaters = useAsync((signal) => api.admin.theaters(signal), []);
  const [theaterId, setTheaterId] = useState('');
  const showtimes = useAsync(
    (signal) =>
      theaterId
        ? api.admin.showtimes({ theaterId, from: new Date().toISOString() }, signal)
        : Promise.resolve({ showtimes: [] as AdminShowtimeSummary[] }),
    [theaterId],
  );
  const [chosen, setChosen] = useState<AdminShowtimeSummary | null>(null);

  useEffect(() => {
    const first = theaters.data?.theaters.find((t) => !t.closedAt);
    if (!theaterId && first) setTheaterId(first.id);
  }, [theaters.data, theaterId]);

  return (
    <div className="stack-lg">
      <PageHeading title="Waiting rooms · Console">Waiting rooms</PageHeading>
      <p className="lead">
        A high-demand showtime sells through a queue: who arrives before the on-sale time gets a place drawn
        at random when it opens, later arrivals queue in turn, and customers are let in to choose seats at the
        pace you set. The box office is not affected.
      </p>
      {theaters.error !== undefined && (
        <ConsoleError error={theaters.error} title="Could not load the theaters" />
      )}
      <div className="field">
        <label htmlFor="wr-theater">Theater</label>
        <select
          id="wr-theater"
          value={theaterId}
          onChange={(e) => {
            setTheaterId(e.target.value);
            setChosen(null);
          }}
        >
          {(theaters.data?.theaters ?? []).map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      {showtimes.loading && !showtimes.data && <Loading />}
      {showtimes.error !== undefined && (
        <ConsoleError error={showtimes.error} title="Could not load the showtimes" />
      )}
      {showtimes.data && showtimes.data.showtimes.length === 0 && theaterId && (
        <p>No upcoming showtimes in this theater.</p>
      )}
      {showtimes.data && showtimes.data.showtimes.length > 0 && (
        <table className="console-table" data-testid="wr-showtimes">
          <caption className="visually-hidden">Upcoming showtimes</caption>
          <thead>
            <tr>
              <th scope="col">Movie</th>
              <th scope="col">Starts</th>
              <th scope="col">Auditorium</th>
              <th scope="col">Seats left</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {showtimes.data.showtimes.map((s) => (
              <tr key={s.id} aria-current={chosen?.id === s.id ? 'true' : undefined}>
                <th scope="row">{s.movie.title}</th>
                <td>{formatDateTime(s.startsAt, s.theater.timeZone)}</td>
                <td>{s.auditorium.name}</td>
                <td>
                  {s.seats.available} of {s.seats.total}
                </td>
                <td>
                  <button type="button" className="btn btn-secondary" onClick={() => setChosen(s)}>
                    Waiting room
                    <span className="visually-hidden">
                      : {s.movie.title}, {formatDateTime(s.startsAt, s.theater.timeZone)}
                    </span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && <RoomEditor key={chosen.id} showtime={chosen} />}
    </div>
  );
}

function RoomEditor({ showtime }: { showtime: AdminShowtimeSummary }) {
  const [room, setRoom] = useState<AdminWaitingRoom | null | undefined>(undefined);
  const [form, setForm] = useState<Form>(EMPTY);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const label = `${showtime.movie.title}, ${formatDateTime(showtime.startsAt, showtime.theater.timeZone)}`;

  useEffect(() => {
    let stop = false;
    const load = async (first: boolean) => {
      try {
        const { waitingRoom } = await api.admin.waitingRoom(showtime.id);
        if (stop) return;
        setRoom(waitingRoom);
        if (first) {
          setForm({
            onSaleAt: localInput(waitingRoom.onSaleAt),
            rate: waitingRoom.admitPerMinute?.toString() ?? '',
            cap: waitingRoom.maxActive?.toString() ?? '',
            minutes: String(Math.round(waitingRoom.admissionTtlSeconds / 60)),
          });
        }
      } catch (err) {
        if (stop) return;
        if (err instanceof ApiError && err.code === 'WAITING_ROOM_NOT_FOUND') setRoom(null);
        else if (first) setError(err);
      }
    };
    void load(true);
    // The queue moves: refresh its figures every 5 seconds while the editor is open.
    const timer = window.setInterval(() => void load(false), 5000);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [showtime.id]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setSaved('');
    const onSale = new Date(form.onSaleAt);
    const num = (v: string) => (v.trim() === '' ? null : Number(v));
    setBusy(true);
    try {
      const { waitingRoom } = await api.admin.setWaitingRoom(showtime.id, {
        onSaleAt: Number.isNaN(onSale.getTime()) ? form.onSaleAt : onSale.toISOString(),
        admitPerMinute: num(form.rate),
        maxActive: num(form.cap),
        admissionTtlSeconds: Math.round(Number(form.minutes) * 60),
      });
      setRoom(waitingRoom);
      setSaved('Saved. Holds on this showtime now need a place from the queue.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setError(undefined);
    setBusy(true);
    try {
      await api.admin.removeWaitingRoom(showtime.id);
      setRoom(null);
      setForm(EMPTY);
      setSaved('Removed. The showtime sells normally again.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (room === undefined && error === undefined) return <Loading />;
  return (
    <section className="card stack console-form" aria-labelledby="wr-editor-title" data-testid="wr-editor">
      <h2 id="wr-editor-title">Waiting room: {label}</h2>
      {room && (
        <dl className="queue-stats" data-testid="wr-stats">
          <div>
            <dt>Status</dt>
            <dd>{room.openedAt ? 'Open' : 'Pre-queue (opens at the on-sale time)'}</dd>
          </div>
          <div>
            <dt>Waiting</dt>
            <dd>{room.stats.waiting + room.stats.preQueue}</dd>
          </div>
          <div>
            <dt>Choosing seats now</dt>
            <dd>{room.stats.active}</dd>
          </div>
          <div>
            <dt>Let in but idle</dt>
            <dd>{room.stats.idle}</dd>
          </div>
          <div>
            <dt>Let in per minute (last 5 min)</dt>
            <dd>{room.stats.admittedPerMinute ?? '–'}</dd>
          </div>
          <div>
            <dt>Seats free / held</dt>
            <dd>
              {room.stats.seatsFree} / {room.stats.seatsHeld}
            </dd>
          </div>
        </dl>
      )}
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="wr-onsale">On-sale time</label>
          <input
            id="wr-onsale"
            type="datetime-local"
            value={form.onSaleAt}
            aria-describedby="wr-onsale-hint"
            disabled={!!room?.openedAt}
            onChange={(e) => setForm({ ...form, onSaleAt: e.target.value })}
          />
          <p className="field-hint" id="wr-onsale-hint">
            In your computer&apos;s time zone.{' '}
            {room?.openedAt ? 'The queue has opened: this can no longer move.' : ''}
          </p>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="wr-rate">Let in per minute</label>
            <input
              id="wr-rate"
              inputMode="numeric"
              value={form.rate}
              aria-describedby="wr-rate-hint"
              onChange={(e) => setForm({ ...form, rate: e.target.value })}
            />
            <p className="field-hint" id="wr-rate-hint">
              Empty: no pace, only the cap.
            </p>
          </div>
          <div className="field">
            <label htmlFor="wr-cap">At most choosing seats at once</label>
            <input
              id="wr-cap"
              inputMode="numeric"
              value={form.cap}
              aria-describedby="wr-cap-hint"
              onChange={(e) => setForm({ ...form, cap: e.target.value })}
            />
            <p className="field-hint" id="wr-cap-hint">
              Empty: no cap, only the pace.
            </p>
          </div>
          <div className="field">
            <label htmlFor="wr-minutes">Minutes to hold seats once let in</label>
            <input
              id="wr-minutes"
              inputMode="numeric"
              value={form.minutes}
              onChange={(e) => setForm({ ...form, minutes: e.target.value })}
            />
          </div>
        </div>
        {error !== undefined && <ConsoleError error={error} />}
        <p aria-live="polite" data-testid="wr-saved">
          {saved}
        </p>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {room ? 'Save changes' : 'Mark high-demand'}
          </button>
          {room && (
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void remove()}>
              Remove the waiting room
            </button>
          )}
        </div>
      </form>
      {!room && (
        <Notice kind="info">
          <p>This showtime sells normally: anyone can hold seats.</p>
        </Notice>
      )}
    </section>
  );
}
