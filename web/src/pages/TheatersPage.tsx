import { useEffect, useState, type FormEvent } from 'react';
import { Poster } from '../components/Poster';
import { api } from '../api/client';
import { Icon } from '../components/Icon';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { PlaceSearch } from '../components/PlaceSearch';
import { distanceUnit, formatDistance, KM_PER_MILE, runtime } from '../lib/format';
import { currentPosition, DEFAULT_PLACE, rememberPlace, storedPlace, type Place } from '../lib/places';
import { Link } from '../lib/router';
import { useAsync } from '../lib/useAsync';
// The one rule for showing an address (pure, no imports), shared with the emails.
import { formatAddress } from '../../../src/modules/catalog/address';

const RADII_MI = [5, 10, 25, 50, 100];
const RADII_KM = [10, 25, 50, 100, 200];

/** Movie first: a title, any part of it, to its page with every theater near you that shows it. */
function MovieSearch() {
  const [input, setInput] = useState('');
  const [query, setQuery] = useState<string | null>(null);
  const results = useAsync(
    (signal) => (query === null ? Promise.resolve(null) : api.searchMovies(query, signal)),
    [query],
  );
  function submit(e: FormEvent) {
    e.preventDefault();
    setQuery(input.trim());
  }
  const movies = results.data?.movies;
  return (
    <section className="card stack" aria-labelledby="movie-search-title">
      <h2 id="movie-search-title" className="section-title">
        Find a movie
      </h2>
      <form className="city-search" role="search" aria-label="Find a movie" onSubmit={submit}>
        <label htmlFor="movie-q">Title</label>
        <input
          id="movie-q"
          placeholder="e.g. projectionist"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          autoComplete="off"
        />
        <button type="submit" className="btn btn-secondary">
          Search movies
        </button>
      </form>
      {results.error !== undefined && <ErrorNotice error={results.error} onRetry={results.reload} />}
      {movies && movies.length === 0 && <p>No movie has “{query}” in its title.</p>}
      {movies && movies.length > 0 && (
        <ul className="movie-results" aria-label="Movies found">
          {movies.map((m) => (
            <li key={m.id}>
              <Link to={`/movies/${m.id}`} className="movie-result">
                <Poster url={m.posterUrl} title={m.title} size="sm" />
                <span>
                  <span className="movie-result-title">{m.title}</span>
                  <span className="movie-result-meta">
                    {m.rating} · {runtime(m.runtimeMinutes)}
                    {m.genres.length > 0 && ` · ${m.genres.join(', ')}`}
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function TheatersPage() {
  const unit = distanceUnit();
  const radii = unit === 'mi' ? RADII_MI : RADII_KM;
  const [place, setPlace] = useState<Place>(() => storedPlace() ?? DEFAULT_PLACE);
  const [radius, setRadius] = useState(unit === 'mi' ? 10 : 25);
  const radiusKm = unit === 'mi' ? radius * KM_PER_MILE : radius;
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
      choose(p);
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      setLocating(false);
    }
  }

  function choose(p: Place) {
    setPlace(p);
    rememberPlace(p);
  }

  const theaters = useAsync(
    (signal) => api.theaters({ lat: place.lat, lng: place.lng, radiusKm, limit: 30 }, signal),
    [place.lat, place.lng, radiusKm],
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
        <PlaceSearch onPick={choose} onMessage={setMessage} />
        <div className="field-inline">
          <label htmlFor="radius">Within</label>
          <select id="radius" value={radius} onChange={(e) => setRadius(Number(e.target.value))}>
            {radii.map((r) => (
              <option key={r} value={r}>
                {r} {unit}
              </option>
            ))}
          </select>
        </div>
      </section>

      {message && <Notice kind="info">{message}</Notice>}

      <MovieSearch />

      <section aria-labelledby="results-title" aria-busy={theaters.loading}>
        <h2 id="results-title" className="visually-hidden">
          Theaters
        </h2>
        {theaters.loading && !theaters.data && <Loading label="Finding theaters…" />}
        {theaters.error !== undefined && <ErrorNotice error={theaters.error} onRetry={theaters.reload} />}
        {theaters.data && theaters.data.theaters.length === 0 && (
          <Notice kind="info" title={`No theaters within ${radius} ${unit}`}>
            <p>Try a larger distance or another place — the demo theaters are around New York (ZIP 10012).</p>
          </Notice>
        )}
        {theaters.data && theaters.data.theaters.length > 0 && (
          <ol className="theater-list">
            {theaters.data.theaters.map((t) => (
              <li key={t.id}>
                <Link to={`/theaters/${t.id}`} className="theater-card">
                  <span className="theater-name">{t.name}</span>
                  <span className="theater-address">{formatAddress(t.address, t.city)}</span>
                  {t.distanceKm !== null && (
                    <span className="theater-distance">
                      <Icon name="pin" size={16} />
                      <span className="visually-hidden">Distance: </span>
                      <span data-testid="theater-distance">{formatDistance(t.distanceKm, unit)}</span>
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
