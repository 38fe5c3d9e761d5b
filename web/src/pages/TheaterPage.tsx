import { api } from '../api/client';
import type { MovieWithShowtimes, ShowtimeListing } from '../api/types';
import { NotFound } from '../components/NotFound';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { isNotFound } from '../lib/errors';
import { PageHeading } from '../components/PageHeading';
import { Poster } from '../components/Poster';
import { addDays, dayLabel, formatMoney, formatTime, todayIn } from '../lib/format';
import { Link, useLocation } from '../lib/router';
import { useAsync } from '../lib/useAsync';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function runtime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

function ShowtimeButton({ s, timeZone }: { s: ShowtimeListing; timeZone: string }) {
  const started = new Date(s.startsAt).getTime() <= Date.now();
  const from = Math.min(s.prices.standard, s.prices.premium, s.prices.accessible);
  const time = formatTime(s.startsAt, timeZone);
  const detail = `${s.auditorium.name} · from ${formatMoney(from, s.currency)}`;
  if (started || s.seatsAvailable === 0) {
    return (
      <span className="showtime is-off" aria-label={`${time}, ${started ? 'started' : 'sold out'}`}>
        <span className="showtime-time">{time}</span>
        <span className="showtime-detail">{started ? 'Started' : 'Sold out'}</span>
      </span>
    );
  }
  const few = s.seatsAvailable <= 20;
  return (
    <Link
      to={`/showtimes/${s.id}`}
      className="showtime"
      aria-label={`${time}, ${detail}, ${s.seatsAvailable} seats left`}
      data-testid="showtime"
    >
      <span className="showtime-time">{time}</span>
      <span className="showtime-detail">{s.auditorium.name}</span>
      <span className={`showtime-seats${few ? ' is-few' : ''}`}>
        {few ? `Only ${s.seatsAvailable} left` : `${s.seatsAvailable} seats`}
      </span>
    </Link>
  );
}

function MovieCard({ movie, timeZone }: { movie: MovieWithShowtimes; timeZone: string }) {
  return (
    <article className="movie" aria-labelledby={`movie-${movie.id}`}>
      <Poster url={movie.posterUrl} title={movie.title} />
      <div className="movie-body">
        <h2 id={`movie-${movie.id}`} className="movie-title">
          {movie.title}
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
  const date = requested && DATE_RE.test(requested) ? requested : undefined;
  const listing = useAsync((signal) => api.movies(theaterId, date, signal), [theaterId, date]);

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

  const { theater, movies } = listing.data;
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
        sub={
          <p className="lead">
            {theater.address}, {theater.city}
          </p>
        }
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

      <section aria-labelledby="playing" aria-busy={listing.loading}>
        <h2 id="playing" className="section-title">
          Playing {dayLabel(shown, today).full}
        </h2>
        {listing.loading && <Loading label="Loading showtimes…" />}
        {!listing.loading && movies.length === 0 && (
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
