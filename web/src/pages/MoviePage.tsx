import { useState } from 'react';
import { api, ApiError } from '../api/client';
import type { MovieShowtimesQuery, ShowtimeFormatInfo } from '../api/types';
import { Icon } from '../components/Icon';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { PlaceSearch } from '../components/PlaceSearch';
import { Poster } from '../components/Poster';
import { ShowtimeButton } from '../components/ShowtimeButton';
import {
  dayLabel,
  distanceUnit,
  formatDistance,
  formatLabel,
  KM_PER_MILE,
  languageName,
  runtime,
  todayIn,
} from '../lib/format';
import { DEFAULT_PLACE, rememberPlace, storedPlace, type Place } from '../lib/places';
import { Link } from '../lib/router';
import { useAsync } from '../lib/useAsync';
// The one rule for showing an address (pure, no imports), shared with the emails.
import { formatAddress } from '../../../src/modules/catalog/address';

const formatKey = (f: ShowtimeFormatInfo) => `${f.format}|${f.presentation}|${f.presentationLanguage ?? ''}`;

/** Movie first: the film, then every theater near the customer that shows it, day by day, filterable by format. */
export function MoviePage({ movieId }: { movieId: string }) {
  const unit = distanceUnit();
  const [place, setPlace] = useState<Place>(() => storedPlace() ?? DEFAULT_PLACE);
  const [message, setMessage] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [day, setDay] = useState<string | null>(null);
  // 25 mi (40 km): a movie is worth a longer trip than the nearest theater.
  const radiusKm = unit === 'mi' ? 25 * KM_PER_MILE : 40;

  const chosen = filter ? filter.split('|') : [];
  const query: MovieShowtimesQuery = { lat: place.lat, lng: place.lng, radiusKm, days: 7 };
  if (chosen[0]) query.format = chosen[0] as MovieShowtimesQuery['format'];
  if (chosen[1]) query.presentation = chosen[1] as MovieShowtimesQuery['presentation'];
  if (chosen[2]) query.language = chosen[2];
  const listing = useAsync(
    (signal) => api.movieShowtimes(movieId, query, signal),
    [movieId, place.lat, place.lng, radiusKm, filter],
  );

  if (listing.error !== undefined && !listing.data) {
    const notFound = listing.error instanceof ApiError && listing.error.status === 404;
    return (
      <div className="stack-lg">
        <PageHeading title="Movie">{notFound ? 'Movie not found' : 'Movie'}</PageHeading>
        <ErrorNotice error={listing.error} onRetry={notFound ? undefined : listing.reload} />
        <Link to="/">Back to theaters</Link>
      </div>
    );
  }
  if (!listing.data) return <Loading label="Loading the movie…" />;

  const { movie, days, formats } = listing.data;
  const today = todayIn(days[0]?.theaters[0]?.timeZone);
  const shownDay = days.find((d) => d.date === day) ?? days[0];
  const pick = (p: Place) => {
    setPlace(p);
    rememberPlace(p);
  };

  return (
    <div className="stack-lg">
      <p className="breadcrumb">
        <Link to="/">← Theaters</Link>
      </p>
      <article className="movie movie-hero" aria-labelledby="movie-details">
        <Poster url={movie.posterUrl} title={movie.title} />
        <div className="movie-body stack">
          <PageHeading title={movie.title}>{movie.title}</PageHeading>
          <p className="movie-meta">
            <span className="rating" aria-label={`Rated ${movie.rating}`}>
              {movie.rating}
            </span>{' '}
            {runtime(movie.runtimeMinutes)} · {languageName(movie.language)}
            {movie.genres.length > 0 && ` · ${movie.genres.join(', ')}`}
          </p>
          <h2 id="movie-details" className="visually-hidden">
            About the movie
          </h2>
          {movie.synopsis && <p className="movie-synopsis">{movie.synopsis}</p>}
          {movie.cast.length > 0 && (
            <p>
              <strong>Cast:</strong> {movie.cast.join(', ')}
            </p>
          )}
          {movie.trailerUrl && (
            <p>
              <a href={movie.trailerUrl} target="_blank" rel="noopener noreferrer">
                Watch the trailer
                <span className="visually-hidden"> (opens in a new tab)</span>
              </a>
            </p>
          )}
        </div>
      </article>

      <section className="card location-bar" aria-label="Location and format">
        <p>
          <Icon name="pin" /> Near{' '}
          <strong data-testid="movie-place">{place.kind === 'geo' ? 'you' : place.name}</strong> (within{' '}
          {unit === 'mi' ? '25 mi' : '40 km'})
        </p>
        <PlaceSearch onPick={pick} onMessage={setMessage} />
        <div className="field-inline">
          <label htmlFor="format">Format</label>
          <select id="format" value={filter} onChange={(e) => setFilter(e.target.value)}>
            <option value="">All formats</option>
            {formats.map((f) => (
              <option key={formatKey(f)} value={formatKey(f)}>
                {formatLabel(f)}
              </option>
            ))}
          </select>
        </div>
      </section>
      {message && <Notice kind="info">{message}</Notice>}

      {days.length > 0 && (
        <nav className="date-picker" aria-label="Choose a date">
          <ul>
            {days.map((d) => {
              const label = dayLabel(d.date, today);
              return (
                <li key={d.date}>
                  <button
                    type="button"
                    className="date-chip"
                    aria-current={d.date === shownDay?.date ? 'date' : undefined}
                    aria-label={label.full}
                    onClick={() => setDay(d.date)}
                  >
                    <span className="date-top">{label.top}</span>
                    <span className="date-bottom">{label.bottom}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
      )}

      <section aria-labelledby="where" aria-busy={listing.loading}>
        <h2 id="where" className="section-title">
          {shownDay ? `Showing ${dayLabel(shownDay.date, today).full}` : 'Showtimes'}
        </h2>
        {listing.loading && <Loading label="Loading showtimes…" />}
        {!listing.loading && !shownDay && (
          <Notice kind="info" title="No showtimes nearby in the next 7 days">
            <p>{filter ? 'Try all formats, or another place.' : 'Try another place.'}</p>
          </Notice>
        )}
        {shownDay && (
          <ol className="theater-list" data-testid="movie-theaters">
            {shownDay.theaters.map((t) => (
              <li key={t.id} className="card stack" data-testid="movie-theater">
                <p className="theater-heading">
                  <Link to={`/theaters/${t.id}?date=${shownDay.date}`} className="theater-name">
                    {t.name}
                  </Link>{' '}
                  {t.distanceKm !== null && (
                    <span className="theater-distance">
                      <span className="visually-hidden">Distance: </span>
                      {formatDistance(t.distanceKm, unit)}
                    </span>
                  )}
                </p>
                <p className="theater-address">{formatAddress(t.address, t.city)}</p>
                <ul className="showtimes">
                  {t.showtimes.map((s) => (
                    <li key={s.id}>
                      <ShowtimeButton s={s} timeZone={t.timeZone} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
