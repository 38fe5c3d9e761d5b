import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { AdminTheater } from '../../api/types';
import { MapPicker } from '../../components/MapPicker';
import { PlaceSearch } from '../../components/PlaceSearch';
import { NotFound } from '../../components/NotFound';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { isNotFound } from '../../lib/errors';
import { formatDateTime, plural } from '../../lib/format';
import { Link, navigate } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';
import { TextField } from '../../components/TextField';

/** Currencies with cents (prices are integer cents): the ones a chain is likely to need first. */
const CURRENCIES = [
  'USD',
  'CAD',
  'EUR',
  'GBP',
  'AUD',
  'NZD',
  'CHF',
  'MXN',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'BRL',
];

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Europe/London'];
  }
}

interface Form {
  name: string;
  address: string;
  city: string;
  lat: string;
  lng: string;
  timeZone: string;
  currency: string;
  fee: string;
  tax: string;
  cleaning: string;
}

const EMPTY: Form = {
  name: '',
  address: '',
  city: '',
  lat: '',
  lng: '',
  timeZone: 'America/New_York',
  currency: 'USD',
  fee: '0.00',
  tax: '0',
  cleaning: '15',
};

function formOf(t: AdminTheater): Form {
  return {
    name: t.name,
    address: t.address,
    city: t.city,
    lat: String(t.lat),
    lng: String(t.lng),
    timeZone: t.timeZone,
    currency: t.currency,
    fee: (t.bookingFeeCents / 100).toFixed(2),
    tax: String(t.taxRatePpm / 10_000),
    cleaning: String(t.cleaningMinutes),
  };
}

/** A typed coordinate the map can show, or null while the field is empty or out of range. */
function coordinate(text: string, limit: number): number | null {
  const x = Number(text);
  return text.trim() !== '' && Number.isFinite(x) && Math.abs(x) <= limit ? x : null;
}

type Errors = Partial<Record<keyof Form, string>>;

/** Checks the form as the API will, and converts it: money to cents, percent to parts per million. */
function parse(f: Form): { errors: Errors; body?: Parameters<typeof api.admin.createTheater>[0] } {
  const errors: Errors = {};
  for (const k of ['name', 'address', 'city'] as const) if (!f[k].trim()) errors[k] = 'Required.';
  const lat = Number(f.lat);
  const lng = Number(f.lng);
  if (f.lat.trim() === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    errors.lat = 'A latitude between -90 and 90, e.g. 40.7128.';
  }
  if (f.lng.trim() === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) {
    errors.lng = 'A longitude between -180 and 180, e.g. -74.006.';
  }
  const fee = /^\d{1,4}(\.\d{1,2})?$/.test(f.fee.trim()) ? Math.round(Number(f.fee) * 100) : NaN;
  if (!Number.isInteger(fee) || fee > 100_000) errors.fee = 'An amount from 0 to 1000.00, e.g. 1.50.';
  const tax = /^\d{1,3}(\.\d{1,4})?$/.test(f.tax.trim()) ? Math.round(Number(f.tax) * 10_000) : NaN;
  if (!Number.isInteger(tax) || tax > 1_000_000) errors.tax = 'A percentage from 0 to 100, e.g. 8.875.';
  const cleaning = /^\d{1,3}$/.test(f.cleaning.trim()) ? Number(f.cleaning) : NaN;
  if (!(cleaning >= 0 && cleaning <= 240)) errors.cleaning = 'Whole minutes from 0 to 240, e.g. 15.';
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    body: {
      name: f.name.trim(),
      address: f.address.trim(),
      city: f.city.trim(),
      lat,
      lng,
      timeZone: f.timeZone,
      currency: f.currency,
      bookingFeeCents: fee,
      taxRatePpm: tax,
      cleaningMinutes: cleaning,
    },
  };
}

export function TheaterAdminPage({ theaterId }: { theaterId: string | null }) {
  const theater = useAsync(
    (signal) => (theaterId ? api.admin.theater(theaterId, signal) : Promise.resolve(null)),
    [theaterId],
  );
  if (theater.error !== undefined && isNotFound(theater.error)) {
    return <NotFound what="theater" back={{ to: '/admin/theaters', label: 'All theaters' }} />;
  }
  if (theater.error !== undefined)
    return <ConsoleError error={theater.error} title="Could not load the theater" />;
  if (theater.loading && theater.data === undefined) return <Loading />;
  const current = theater.data?.theater ?? null;
  return (
    <TheaterEditor
      key={current?.id ?? 'new'}
      theater={current}
      onSaved={(t) => theater.setData({ theater: t })}
    />
  );
}

function TheaterEditor({
  theater,
  onSaved,
}: {
  theater: AdminTheater | null;
  onSaved: (t: AdminTheater) => void;
}) {
  const [form, setForm] = useState<Form>(theater ? formOf(theater) : EMPTY);
  const [placeNote, setPlaceNote] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const zones = timeZones();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { errors: found, body } = parse(form);
    setErrors(found);
    setSaved(false);
    setError(undefined);
    if (!body) return;
    setBusy(true);
    try {
      if (theater) {
        onSaved((await api.admin.updateTheater(theater.id, body)).theater);
        setSaved(true);
      } else {
        const created = (await api.admin.createTheater(body)).theater;
        navigate(`/admin/theaters/${created.id}`, { replace: true });
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const field = (
    key: keyof Form,
    label: string,
    props: { hint?: string; inputMode?: 'decimal' | 'numeric'; autoComplete?: string } = {},
  ) => (
    <TextField
      id={`theater-${key}`}
      label={label}
      value={form[key]}
      onChange={(value) => setForm({ ...form, [key]: value })}
      error={errors[key]}
      {...props}
    />
  );

  return (
    <div className="stack-lg">
      <PageHeading
        title={theater ? `${theater.name} · Console` : 'New theater · Console'}
        sub={<Link to="/admin/theaters">All theaters</Link>}
      >
        {theater ? theater.name : 'New theater'}
      </PageHeading>
      {theater?.closedAt && (
        <Notice kind="warning" title={`Closed since ${formatDateTime(theater.closedAt, theater.timeZone)}`}>
          <p>
            Customers do not see this theater and cannot hold seats in it; its bookings and tickets stay
            valid. No new showtimes can be scheduled until it reopens.
          </p>
        </Notice>
      )}
      <form className="card stack console-form" onSubmit={(e) => void submit(e)} noValidate>
        <h2>Details</h2>
        {field('name', 'Name')}
        {field('address', 'Street address', { autoComplete: 'street-address' })}
        {field('city', 'City')}
        <fieldset className="stack">
          <legend>Location</legend>
          <PlaceSearch
            inForm
            label="Find the place: ZIP code or town"
            onPick={(p) => {
              setForm((f) => ({ ...f, lat: p.lat.toFixed(5), lng: p.lng.toFixed(5) }));
              setPlaceNote(`Placed at ${p.name}: move the pin or edit the numbers to the theater's door.`);
            }}
            onMessage={setPlaceNote}
          />
          {placeNote ? (
            <p className="field-hint" role="status" data-testid="place-note">
              {placeNote}
            </p>
          ) : null}
          <MapPicker
            lat={coordinate(form.lat, 90)}
            lng={coordinate(form.lng, 180)}
            onPick={(lat, lng) => setForm((f) => ({ ...f, lat: String(lat), lng: String(lng) }))}
          />
          <div className="field-row">
            {field('lat', 'Latitude', { inputMode: 'decimal', hint: 'Decimal degrees, north positive.' })}
            {field('lng', 'Longitude', { inputMode: 'decimal', hint: 'Decimal degrees, east positive.' })}
          </div>
        </fieldset>
        <p className="field-hint">Coordinates place the theater for “near me” searches.</p>
        <div className="field-row">
          <div className="field">
            <label htmlFor="theater-timeZone">Time zone</label>
            <select
              id="theater-timeZone"
              value={form.timeZone}
              onChange={(e) => setForm({ ...form, timeZone: e.target.value })}
            >
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="theater-currency">Currency</label>
            <select
              id="theater-currency"
              value={form.currency}
              aria-describedby="currency-hint"
              onChange={(e) => setForm({ ...form, currency: e.target.value })}
            >
              {[...new Set([form.currency, ...CURRENCIES])].map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <p className="field-hint" id="currency-hint">
              New showtimes are priced in it.
            </p>
          </div>
        </div>
        <div className="field-row">
          {field('fee', `Booking fee per ticket (${form.currency})`, { inputMode: 'decimal' })}
          {field('tax', 'Sales tax (%)', { inputMode: 'decimal', hint: 'On tickets and fee, e.g. 8.875.' })}
        </div>
        {field('cleaning', 'Cleaning time between showings (minutes)', {
          inputMode: 'numeric',
          hint: 'Added after every showtime before the next may start; applies to showtimes scheduled or moved from now on.',
        })}
        {error !== undefined && <ConsoleError error={error} title="Not saved" />}
        {saved && (
          <Notice kind="success">
            <p>Saved.</p>
          </Notice>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {theater ? 'Save changes' : 'Create theater'}
        </button>
      </form>
      {theater && <Auditoriums theater={theater} />}
      {theater && <CloseTheater theater={theater} onChanged={onSaved} />}
    </div>
  );
}

function Auditoriums({ theater }: { theater: AdminTheater }) {
  const { data, error } = useAsync((signal) => api.admin.auditoriums(theater.id, signal), [theater.id]);
  return (
    <section className="card stack" aria-labelledby="auditoriums-title">
      <h2 id="auditoriums-title">Auditoriums</h2>
      {error !== undefined && <ConsoleError error={error} title="Could not load the auditoriums" />}
      {data && data.auditoriums.length === 0 && <p className="muted">No auditoriums yet.</p>}
      {data && data.auditoriums.length > 0 && (
        <ul className="console-list">
          {data.auditoriums.map((a) => (
            <li key={a.id}>
              <Link to={`/admin/theaters/${theater.id}/auditoriums/${a.id}`}>{a.name}</Link>{' '}
              <span className="muted">
                {plural(a.seatCount, 'seat')} · layout version {a.layoutVersion}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={`/admin/theaters/${theater.id}/auditoriums/new`} className="btn btn-secondary">
          New auditorium
        </Link>
      </p>
    </section>
  );
}

function CloseTheater({
  theater,
  onChanged,
}: {
  theater: AdminTheater;
  onChanged: (t: AdminTheater) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function change(closed: boolean) {
    setError(undefined);
    try {
      onChanged((await api.admin.updateTheater(theater.id, { closed })).theater);
      setConfirming(false);
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error(String(err)));
    }
  }
  return (
    <section className="card stack" aria-labelledby="close-title">
      <h2 id="close-title">{theater.closedAt ? 'Reopen' : 'Close the theater'}</h2>
      {theater.closedAt ? (
        <>
          <p>Reopening shows the theater to customers again and lets its showtimes sell.</p>
          <button type="button" className="btn btn-secondary" onClick={() => void change(false)}>
            Reopen theater
          </button>
        </>
      ) : (
        <>
          <p>
            A closed theater stops selling at once and leaves the customers’ catalog. Nothing is deleted:
            bookings, tickets and past showtimes stay, and you can reopen it.
          </p>
          {confirming ? (
            <div className="actions">
              <button type="button" className="btn btn-danger" onClick={() => void change(true)}>
                Yes, close {theater.name}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setConfirming(false)}>
                Keep it open
              </button>
            </div>
          ) : (
            <button type="button" className="btn btn-secondary" onClick={() => setConfirming(true)}>
              Close theater…
            </button>
          )}
        </>
      )}
      {error !== undefined && <ConsoleError error={error} />}
    </section>
  );
}
