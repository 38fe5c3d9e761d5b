import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { MovieWithShowtimes } from '../api/types';
import { NotFound } from '../components/NotFound';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { isNotFound } from '../lib/errors';
import { PageHeading } from '../components/PageHeading';
import { Poster } from '../components/Poster';
import { ShowtimeButton } from '../components/ShowtimeButton';
import { addDays, dayLabel, runtime, todayIn } from '../lib/format';
import { Link, useLocation } from '../lib/router';
import { useAsync } from '../lib/useAsync';
// The one rule for showing an address (pure, no imports), shared with the emails.
import { formatAddress } from '../../../src/modules/catalog/address';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function MovieCard({ movie, timeZone }: { movie: MovieWithShowtimes; timeZone: string }) {
  return (
    <article className="movie" aria-labelledby={`movie-${movie.id}`}>
      <Poster url={movie.posterUrl} title={movie.title} />
      <div className="movie-body">
        <h2 id={`movie-${movie.id}`} className="movie-title">
          <Link to={`/movies/${movie.id}`}>{movie.title}</Link>
        </h2>
        <p className="movie-meta">
          <span className="rating" aria-label={`Rated ${movie.rating}`}>
            {movie.rating}
          </span>{' '}
          {runtime(movie.runtimeMinutes)}
        </p>
        {movie.synopsis && <p className="movie-synopsis">{movie.synopsis}</p>}
        <h3 className="visually-hidden">Showtimes for {movie.title}</h3>
        <ul className="showtimes">
          {movie.showtimes.map((s) => (
            <li key={s.id}>
              <ShowtimeButton s={s} timeZone={timeZone} />
            </li>
          ))}
        </ul>
      </div>
    </article>
  );
}

export function TheaterPage({ theaterId }: { theaterId: string }) {
  const { query } = useLocation();
  const requested = query.get('date');
  const chosen = requested && DATE_RE.test(requested) ? requested : undefined;
  // Opened without a date, late at night: when today has no showtimes left, the page moves to the next day
  // that has some (the API names it), and says so.
  const [nextDay, setNextDay] = useState<string | undefined>(undefined);
  const date = chosen ?? nextDay;
  const listing = useAsync((signal) => api.movies(theaterId, date, signal), [theaterId, date]);
  const first = chosen === undefined && nextDay === undefined ? listing.data : undefined;
  useEffect(() => {
    if (first?.nextShowtimeDate && first.nextShowtimeDate > first.date) setNextDay(first.nextShowtimeDate);
  }, [first]);
  useEffect(() => {
    if (chosen !== undefined) setNextDay(undefined);
  }, [chosen]);

  if (listing.error !== undefined && !listing.data) {
    if (isNotFound(listing.error)) return <NotFound what="theater" />;
    return (
      <div className="stack-lg">
        <PageHeading title="Theater">Theater</PageHeading>
        <ErrorNotice error={listing.error} onRetry={listing.reload} />
        <Link to="/">Back to theaters</Link>
      </div>
    );
  }
  if (!listing.data) return <Loading label="Loading showtimes…" />;

  const { theater } = listing.data;
  // On the way to the next day with showtimes: today's (empty) listing is not shown meanwhile.
  const moving =
    chosen === undefined &&
    (nextDay === undefined
      ? listing.data.nextShowtimeDate !== null && listing.data.nextShowtimeDate > listing.data.date
      : listing.data.date !== nextDay);
  const busy = listing.loading || moving;
  const movies = moving ? [] : listing.data.movies;
  const today = todayIn(theater.timeZone);
  const shown = listing.data.date;
  const days = Array.from({ length: 7 }, (_, i) => addDays(today, i));

  return (
    <div className="stack-lg">
      <p className="breadcrumb">
        <Link to="/">← Theaters</Link>
      </p>
      <PageHeading
        title={theater.name}
        sub={<p className="lead">{formatAddress(theater.address, theater.city)}</p>}
      >
        {theater.name}
      </PageHeading>

      <nav className="date-picker" aria-label="Choose a date">
        <ul>
          {days.map((d) => {
            const label = dayLabel(d, today);
            return (
              <li key={d}>
                <Link
                  to={`/theaters/${theater.id}?date=${d}`}
                  replace
                  className="date-chip"
                  aria-current={d === shown ? 'date' : undefined}
                  aria-label={label.full}
                >
                  <span className="date-top">{label.top}</span>
                  <span className="date-bottom">{label.bottom}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>

      <section aria-labelledby="playing" aria-busy={busy}>
        <h2 id="playing" className="section-title">
          Playing {dayLabel(shown, today).full}
        </h2>
        {!moving && chosen === undefined && nextDay !== undefined && shown !== today && (
          <Notice kind="info" title="No more showtimes today" testId="no-more-today">
            <p>Here is {dayLabel(shown, today).full}, the next day with showtimes.</p>
          </Notice>
        )}
        {busy && <Loading label="Loading showtimes…" />}
        {!busy && movies.length === 0 && (
          <Notice kind="info" title="No showtimes on this day">
            <p>Pick another date above.</p>
          </Notice>
        )}
        <div className="movie-list">
          {movies.map((m) => (
            <MovieCard key={m.id} movie={m} timeZone={theater.timeZone} />
          ))}
        </div>
      </section>
    </div>
  );
}
