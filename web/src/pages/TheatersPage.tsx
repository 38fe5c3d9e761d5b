import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { Icon } from '../components/Icon';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { CITIES, DEFAULT_CITY, findCity } from '../lib/cities';
import { formatDistance } from '../lib/format';
import { Link } from '../lib/router';
import { useAsync } from '../lib/useAsync';

interface Place {
  kind: 'geo' | 'city';
  name: string;
  lat: number;
  lng: number;
}

const PLACE_KEY = 'matinee.place';
const RADII = [10, 25, 50, 100];

function storedPlace(): Place | null {
  try {
    const raw = window.localStorage.getItem(PLACE_KEY);
    return raw ? (JSON.parse(raw) as Place) : null;
  } catch {
    return null;
  }
}

function remember(place: Place): void {
  try {
    window.localStorage.setItem(PLACE_KEY, JSON.stringify(place));
  } catch {
    // not remembered
  }
}

function currentPosition(): Promise<Place> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('This browser cannot share its location.'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) =>
        resolve({ kind: 'geo', name: 'your location', lat: pos.coords.latitude, lng: pos.coords.longitude }),
      (err) =>
        reject(
          new Error(
            err.code === err.PERMISSION_DENIED
              ? 'Location sharing is off for this site. Choose a city instead.'
              : 'Your location could not be found. Choose a city instead.',
          ),
        ),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 300_000 },
    );
  });
}

export function TheatersPage() {
  const [place, setPlace] = useState<Place>(() => storedPlace() ?? { kind: 'city', ...DEFAULT_CITY });
  const [radius, setRadius] = useState(25);
  const [cityInput, setCityInput] = useState('');
  const [locating, setLocating] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  // Use the device's position straight away only when the user already allowed it; never prompt unasked.
  useEffect(() => {
    if (storedPlace() || !navigator.permissions?.query) return;
    navigator.permissions
      .query({ name: 'geolocation' })
      .then((status) => {
        if (status.state === 'granted') void locateMe();
      })
      .catch(() => undefined);
  }, []);

  async function locateMe() {
    setLocating(true);
    setMessage(null);
    try {
      const p = await currentPosition();
      setPlace(p);
      remember(p);
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      setLocating(false);
    }
  }

  function searchCity(e: FormEvent) {
    e.preventDefault();
    const city = findCity(cityInput);
    if (!city) {
      setMessage(
        `We do not know “${cityInput.trim()}” yet. Try one of: ${CITIES.map((c) => c.name).join(', ')}.`,
      );
      return;
    }
    setMessage(null);
    const p: Place = { kind: 'city', ...city };
    setPlace(p);
    remember(p);
    setCityInput('');
  }

  const theaters = useAsync(
    (signal) => api.theaters({ lat: place.lat, lng: place.lng, radiusKm: radius, limit: 30 }, signal),
    [place.lat, place.lng, radius],
  );

  return (
    <div className="stack-lg">
      <PageHeading
        title="Theaters near you"
        sub={<p className="lead">Nearest first. Pick a theater to see what is playing.</p>}
      >
        Theaters near {place.kind === 'geo' ? 'you' : place.name}
      </PageHeading>

      <section className="card location-bar" aria-label="Location">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void locateMe()}
          disabled={locating}
        >
          <Icon name="pin" /> {locating ? 'Finding you…' : 'Use my location'}
        </button>
        <form className="city-search" onSubmit={searchCity} role="search">
          <label htmlFor="city">City</label>
          <input
            id="city"
            list="city-list"
            placeholder="e.g. Brooklyn"
            value={cityInput}
            onChange={(e) => setCityInput(e.target.value)}
            autoComplete="off"
          />
          <datalist id="city-list">
            {CITIES.map((c) => (
              <option key={c.name} value={c.name} />
            ))}
          </datalist>
          <button type="submit" className="btn btn-secondary">
            Search
          </button>
        </form>
        <div className="field-inline">
          <label htmlFor="radius">Within</label>
          <select id="radius" value={radius} onChange={(e) => setRadius(Number(e.target.value))}>
            {RADII.map((r) => (
              <option key={r} value={r}>
                {r} km
              </option>
            ))}
          </select>
        </div>
      </section>

      {message && <Notice kind="info">{message}</Notice>}

      <section aria-labelledby="results-title" aria-busy={theaters.loading}>
        <h2 id="results-title" className="visually-hidden">
          Theaters
        </h2>
        {theaters.loading && !theaters.data && <Loading label="Finding theaters…" />}
        {theaters.error !== undefined && <ErrorNotice error={theaters.error} onRetry={theaters.reload} />}
        {theaters.data && theaters.data.theaters.length === 0 && (
          <Notice kind="info" title={`No theaters within ${radius} km`}>
            <p>Try a larger distance or another city — the demo theaters are around New York.</p>
          </Notice>
        )}
        {theaters.data && theaters.data.theaters.length > 0 && (
          <ol className="theater-list">
            {theaters.data.theaters.map((t) => (
              <li key={t.id}>
                <Link to={`/theaters/${t.id}`} className="theater-card">
                  <span className="theater-name">{t.name}</span>
                  <span className="theater-address">
                    {t.address}, {t.city}
                  </span>
                  {t.distanceKm !== null && (
                    <span className="theater-distance">
                      <Icon name="pin" size={16} />
                      <span className="visually-hidden">Distance: </span>
                      {formatDistance(t.distanceKm)}
                    </span>
                  )}
                </Link>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
