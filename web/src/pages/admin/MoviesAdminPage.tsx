import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { AdminMovie, MovieCreateBody } from '../../api/types';
import { NotFound } from '../../components/NotFound';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { isNotFound } from '../../lib/errors';
import { languageName } from '../../lib/format';
import { Link, navigate, useLocation } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';
import { TextField } from '../../components/TextField';

const PAGE = 25;

/** The movie catalog: search by title, a page at a time, each linking to its form. */
export function MoviesAdminPage() {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const offset = Math.max(0, Number(query.get('offset')) || 0);
  const [typed, setTyped] = useState(q);
  const { data, error, loading } = useAsync(
    (signal) => api.admin.movies({ ...(q ? { q } : {}), limit: PAGE, offset }, signal),
    [q, offset],
  );
  const href = (nextQ: string, nextOffset: number) => {
    const params = new URLSearchParams();
    if (nextQ) params.set('q', nextQ);
    if (nextOffset > 0) params.set('offset', String(nextOffset));
    const s = params.toString();
    return `/admin/movies${s ? `?${s}` : ''}`;
  };
  return (
    <div className="stack-lg">
      <PageHeading title="Movies · Console">Movies</PageHeading>
      <div className="console-toolbar">
        <form
          role="search"
          className="field-inline"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(href(typed.trim(), 0));
          }}
        >
          <label htmlFor="movie-search">Title contains</label>
          <input id="movie-search" type="search" value={typed} onChange={(e) => setTyped(e.target.value)} />
          <button type="submit" className="btn btn-secondary">
            Search
          </button>
        </form>
        <Link to="/admin/movies/new" className="btn btn-primary">
          New movie
        </Link>
      </div>
      {error !== undefined && <ConsoleError error={error} title="Could not load the movies" />}
      {loading && !data && <Loading />}
      {data && data.movies.length === 0 && (
        <p className="lead">
          {q ? `No movie title contains “${q}”.` : 'No movies yet: create the first one.'}
        </p>
      )}
      {data && data.movies.length > 0 && (
        <>
          <table className="console-table">
            <caption className="visually-hidden">Movies</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Runtime</th>
                <th scope="col">Rating</th>
                <th scope="col">Genres</th>
                <th scope="col">Language</th>
              </tr>
            </thead>
            <tbody>
              {data.movies.map((m) => (
                <tr key={m.id}>
                  <th scope="row">
                    <Link to={`/admin/movies/${m.id}`}>{m.title}</Link>
                  </th>
                  <td>{m.runtimeMinutes} min</td>
                  <td>{m.rating}</td>
                  <td>{m.genres.join(', ')}</td>
                  <td>{languageName(m.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="actions" aria-label="Pages">
            <p className="muted" aria-live="polite">
              {data.offset + 1}–{data.offset + data.movies.length} of {data.total}
            </p>
            {data.offset > 0 && (
              <Link className="btn btn-ghost" to={href(q, Math.max(0, data.offset - PAGE))}>
                Previous
              </Link>
            )}
            {data.offset + data.movies.length < data.total && (
              <Link className="btn btn-ghost" to={href(q, data.offset + PAGE)}>
                Next
              </Link>
            )}
          </nav>
        </>
      )}
    </div>
  );
}

interface Form {
  title: string;
  synopsis: string;
  runtimeMinutes: string;
  rating: string;
  language: string;
  genres: string;
  cast: string;
  posterUrl: string;
  trailerUrl: string;
}
type Errors = Partial<Record<keyof Form, string>>;

const EMPTY: Form = {
  title: '',
  synopsis: '',
  runtimeMinutes: '',
  rating: 'NR',
  language: 'en',
  genres: '',
  cast: '',
  posterUrl: '',
  trailerUrl: '',
};

function formOf(m: AdminMovie): Form {
  return {
    title: m.title,
    synopsis: m.synopsis,
    runtimeMinutes: String(m.runtimeMinutes),
    rating: m.rating,
    language: m.language,
    genres: m.genres.join(', '),
    cast: m.cast.join('\n'),
    posterUrl: m.posterUrl ?? '',
    trailerUrl: m.trailerUrl ?? '',
  };
}

/** What an operator reads when the API refuses a field (its own messages name JSON paths and patterns). */
const FIELD_SENTENCES: Record<keyof Form, string> = {
  title: 'Enter a title (up to 300 characters).',
  synopsis: 'The synopsis can have up to 5000 characters.',
  runtimeMinutes: 'The runtime is a whole number of minutes from 1 to 600.',
  rating: 'Enter a rating of up to 10 characters, e.g. PG-13 or NR.',
  language: 'Use an ISO 639 language code, e.g. en, es or fr.',
  genres: 'Up to 10 genres, separated by commas, each named once and up to 40 characters.',
  cast: 'Up to 50 names, one per line, each up to 100 characters.',
  posterUrl: 'A poster address starts with https:// (or / for a file on this server) and has no spaces.',
  trailerUrl: 'A trailer address starts with https:// and has no spaces.',
};

/** The API's refusal as errors by form field: VALIDATION_FAILED lists fields, UNKNOWN_LANGUAGE names one. */
function apiFieldErrors(err: unknown): Errors {
  if (!(err instanceof ApiError)) return {};
  const paths: string[] = [];
  if (Array.isArray(err.details.fields)) {
    for (const f of err.details.fields as { field?: unknown }[])
      if (typeof f.field === 'string') paths.push(f.field);
  }
  if (typeof err.details.field === 'string') paths.push(err.details.field);
  const errors: Errors = {};
  for (const path of paths) {
    const key = path.split('.')[1] as keyof Form | undefined;
    if (key && key in FIELD_SENTENCES) errors[key] = FIELD_SENTENCES[key];
  }
  return errors;
}

function list(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Only what the browser can tell for sure; the API checks the rest and its answer is shown per field. */
function parse(f: Form): { errors: Errors; body?: MovieCreateBody } {
  const errors: Errors = {};
  if (!f.title.trim()) errors.title = FIELD_SENTENCES.title;
  const runtime = /^\d{1,3}$/.test(f.runtimeMinutes.trim()) ? Number(f.runtimeMinutes) : NaN;
  if (!(runtime >= 1 && runtime <= 600)) errors.runtimeMinutes = FIELD_SENTENCES.runtimeMinutes;
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    body: {
      title: f.title.trim(),
      synopsis: f.synopsis.trim(),
      runtimeMinutes: runtime,
      rating: f.rating.trim() || 'NR',
      language: f.language.trim(),
      genres: list(f.genres, /,/),
      cast: list(f.cast, /\n/),
      ...(f.posterUrl.trim() ? { posterUrl: f.posterUrl.trim() } : {}),
      ...(f.trailerUrl.trim() ? { trailerUrl: f.trailerUrl.trim() } : {}),
    },
  };
}

export function MovieAdminPage({ movieId }: { movieId: string | null }) {
  const movie = useAsync(
    (signal) => (movieId ? api.admin.movie(movieId, signal) : Promise.resolve(null)),
    [movieId],
  );
  if (movie.error !== undefined && isNotFound(movie.error)) {
    return <NotFound what="movie" back={{ to: '/admin/movies', label: 'All movies' }} />;
  }
  if (movie.error !== undefined) return <ConsoleError error={movie.error} title="Could not load the movie" />;
  if (movie.loading && movie.data === undefined) return <Loading />;
  const current = movie.data?.movie ?? null;
  return (
    <MovieEditor key={current?.id ?? 'new'} movie={current} onSaved={(m) => movie.setData({ movie: m })} />
  );
}

function MovieEditor({ movie, onSaved }: { movie: AdminMovie | null; onSaved: (m: AdminMovie) => void }) {
  const [form, setForm] = useState<Form>(movie ? formOf(movie) : EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { errors: found, body } = parse(form);
    setErrors(found);
    setSaved(false);
    setError(undefined);
    if (!body) return;
    setBusy(true);
    try {
      if (movie) {
        // Cleared URLs are removed (null); absent ones would be left as they were.
        const patch = {
          ...body,
          posterUrl: body.posterUrl ?? null,
          trailerUrl: body.trailerUrl ?? null,
        };
        onSaved((await api.admin.updateMovie(movie.id, patch)).movie);
        setSaved(true);
      } else {
        const created = (await api.admin.createMovie(body)).movie;
        navigate(`/admin/movies/${created.id}`, { replace: true });
      }
    } catch (err) {
      const byField = apiFieldErrors(err);
      setErrors(byField);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const field = (
    key: keyof Form,
    label: string,
    props: { hint?: string; multiline?: boolean; inputMode?: 'numeric' | 'url'; type?: string } = {},
  ) => (
    <TextField
      id={`movie-${key}`}
      label={label}
      value={form[key]}
      onChange={(value) => setForm({ ...form, [key]: value })}
      error={errors[key]}
      {...props}
    />
  );

  const fieldCount = Object.keys(errors).length;
  return (
    <div className="stack-lg">
      <PageHeading
        title={movie ? `${movie.title} · Console` : 'New movie · Console'}
        sub={<Link to="/admin/movies">All movies</Link>}
      >
        {movie ? movie.title : 'New movie'}
      </PageHeading>
      <form className="card stack console-form" onSubmit={(e) => void submit(e)} noValidate>
        {field('title', 'Title')}
        {field('synopsis', 'Synopsis', { multiline: true })}
        <div className="field-row field-row-3">
          {field('runtimeMinutes', 'Runtime (minutes)', {
            inputMode: 'numeric',
            hint: 'Without cleaning time; ads and trailers count.',
          })}
          {field('rating', 'Rating', { hint: 'e.g. G, PG-13, R or NR.' })}
          {field('language', 'Original language', { hint: 'ISO 639 code, e.g. en.' })}
        </div>
        {field('genres', 'Genres', { hint: 'Separated by commas, e.g. Drama, Comedy.' })}
        {field('cast', 'Cast', { multiline: true, hint: 'One name per line, in billing order.' })}
        {field('posterUrl', 'Poster URL', { inputMode: 'url', type: 'url' })}
        {field('trailerUrl', 'Trailer URL', { inputMode: 'url', type: 'url' })}
        {error !== undefined &&
          (fieldCount > 0 ? (
            <Notice kind="error" title="Not saved" focus>
              <p>Check the {fieldCount === 1 ? 'field' : `${fieldCount} fields`} marked above.</p>
            </Notice>
          ) : (
            <ConsoleError error={error} title="Not saved" />
          ))}
        {saved && (
          <Notice kind="success">
            <p>Saved. A new runtime applies to showtimes scheduled from now on.</p>
          </Notice>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
            {movie ? 'Save changes' : 'Create movie'}
          </button>
          {movie && (
            <Link to={`/admin/schedule?movie=${movie.id}`} className="btn btn-ghost">
              Schedule it
            </Link>
          )}
        </div>
      </form>
    </div>
  );
}
