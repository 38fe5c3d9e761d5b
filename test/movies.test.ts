import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haversineKm } from '../src/modules/catalog/geo.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createAuditorium, createTheater, gridLayout } from './helpers/catalog.js';
import { createUser, type TestUser } from './helpers/users.js';

// Movie first and "where am I" (issue 11): title search, a movie's showtimes across theaters by day, formats
// as filters, the admin fields behind them, and the gazetteer behind GET /places.
let nowMs = Date.parse('2030-06-14T12:00:00Z'); // 08:00 in New York
const clock = { now: () => new Date(nowMs) };

let t: TestApp;
let admin: TestUser;
let customer: TestUser;

const api = (method: 'GET' | 'POST' | 'PATCH', url: string, user: TestUser | null, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: user ? user.auth : {}, payload });
const get = (url: string, user: TestUser | null = customer) => api('GET', url, user);

interface Movie {
  id: string;
  title: string;
  genres: string[];
  language: string;
  cast: string[];
  trailerUrl: string | null;
  posterUrl: string | null;
  rating: string;
  runtimeMinutes: number;
  synopsis: string;
}
interface Listing {
  id: string;
  startsAt: string;
  format: string;
  presentation: string;
  presentationLanguage: string | null;
  seatsAvailable: number;
}
interface MovieShowtimes {
  movie: Movie;
  days: {
    date: string;
    theaters: {
      id: string;
      name: string;
      distanceKm: number | null;
      lat: number;
      lng: number;
      showtimes: Listing[];
    }[];
  }[];
  formats: { format: string; presentation: string; presentationLanguage: string | null }[];
}

async function createMovie(body: object): Promise<Movie> {
  const res = await api('POST', '/admin/movies', admin, { runtimeMinutes: 100, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ movie: Movie }>().movie;
}

async function schedule(body: object): Promise<Listing> {
  const res = await api('POST', '/admin/showtimes', admin, { prices: { standard: 1500 }, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ showtime: Listing }>().showtime;
}

const at = (iso: string) => new Date(iso).toISOString();
// Manhattan (ZIP 10001 is at 40.7484, -73.9967), Jersey City, and Philadelphia (130 km away).
const MIDTOWN = { lat: 40.7484, lng: -73.9967 };
let movie: Movie;
let other: Movie;
const theaters: Record<string, { id: string; auditoriums: string[] }> = {};

beforeAll(async () => {
  t = await createTestApp({ overrides: { clock } });
  admin = await createUser(t.app, t.ctx, 'admin');
  customer = await createUser(t.app, t.ctx, 'customer');

  movie = await createMovie({
    title: 'The Night Ferry',
    synopsis: 'A crossing that never ends.',
    rating: 'PG-13',
    posterUrl: '/posters/night-ferry.svg',
    genres: ['Drama', 'Mystery'],
    language: 'fr',
    cast: ['Ana Ruiz', 'Paul Kent'],
    trailerUrl: 'https://trailers.example.com/night-ferry',
  });
  other = await createMovie({ title: 'Ferry Tales' });
  await createMovie({ title: 'Daylight' });

  const places = {
    Chelsea: { lat: 40.7465, lng: -74.0014 }, // 0.4 km from MIDTOWN
    'Jersey City': { lat: 40.7178, lng: -74.0431 }, // about 5 km
    Philadelphia: { lat: 39.9526, lng: -75.1652 }, // about 130 km
  };
  for (const [name, pos] of Object.entries(places)) {
    const id = await createTheater(t.app, admin, { name, ...pos, timeZone: 'America/New_York' });
    const auditoriums = [];
    for (const screen of ['A', 'B']) {
      auditoriums.push(await createAuditorium(t.app, admin, id, gridLayout(2, 4), `Screen ${screen}`));
    }
    theaters[name] = { id, auditoriums };
  }
  const [chelseaA, chelseaB] = theaters.Chelsea!.auditoriums as [string, string];
  const [jerseyA] = theaters['Jersey City']!.auditoriums as [string];
  const [phillyA] = theaters.Philadelphia!.auditoriums as [string];
  // Day 1 (June 14, New York time) and day 2 (June 15).
  await schedule({ auditoriumId: chelseaA, movieId: movie.id, startsAt: at('2030-06-14T18:00:00-04:00') });
  await schedule({
    auditoriumId: chelseaB,
    movieId: movie.id,
    startsAt: at('2030-06-14T20:00:00-04:00'),
    format: 'IMAX',
    presentation: 'subtitled',
    presentationLanguage: 'en',
  });
  await schedule({
    auditoriumId: jerseyA,
    movieId: movie.id,
    startsAt: at('2030-06-14T19:00:00-04:00'),
    format: '3D',
    presentation: 'dubbed',
    presentationLanguage: 'es',
  });
  await schedule({
    auditoriumId: jerseyA,
    movieId: movie.id,
    startsAt: at('2030-06-15T23:30:00-04:00'), // still June 15 in New York, June 16 in UTC
    format: 'DOLBY',
  });
  await schedule({ auditoriumId: phillyA, movieId: movie.id, startsAt: at('2030-06-14T21:00:00-04:00') });
  await schedule({ auditoriumId: chelseaA, movieId: other.id, startsAt: at('2030-06-15T12:00:00-04:00') });
  // Outside the default 7 days.
  await schedule({ auditoriumId: chelseaA, movieId: movie.id, startsAt: at('2030-06-25T18:00:00-04:00') });
});
afterAll(async () => t.close());

describe('GET /movies (searchMovies)', () => {
  it('finds titles by any part, in any case, titles that start with it first', async () => {
    const res = await get('/movies?q=FERRY');
    expect(res.statusCode).toBe(200);
    expect(res.json<{ movies: Movie[] }>().movies.map((m) => m.title)).toEqual([
      'Ferry Tales',
      'The Night Ferry',
    ]);
    const partial = await get('/movies?q=ight%20fe');
    expect(partial.json<{ movies: Movie[] }>().movies.map((m) => m.title)).toEqual(['The Night Ferry']);
    const none = await get('/movies?q=%25');
    expect(none.json<{ movies: Movie[] }>().movies).toEqual([]);
  });

  it('carries the movie details', async () => {
    const [found] = (await get('/movies?q=night')).json<{ movies: Movie[] }>().movies;
    expect(found).toEqual(movie);
    expect(found).toMatchObject({
      genres: ['Drama', 'Mystery'],
      language: 'fr',
      cast: ['Ana Ruiz', 'Paul Kent'],
      trailerUrl: 'https://trailers.example.com/night-ferry',
      rating: 'PG-13',
      runtimeMinutes: 100,
    });
  });

  it('answers without sign-in, like the rest of the catalog', async () => {
    expect((await get('/movies?q=ferry', null)).statusCode).toBe(200);
    expect((await get('/places?q=10001', null)).statusCode).toBe(200);
  });

  it('GET /movies/:id returns one movie, 404 for an unknown one', async () => {
    expect((await get(`/movies/${movie.id}`)).json()).toEqual({ movie });
    const missing = await get('/movies/00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'MOVIE_NOT_FOUND' } });
  });
});

describe('GET /movies/:id/showtimes (getMovieShowtimes)', () => {
  it('lists theaters near a point by local day, nearest first, with distances', async () => {
    const res = await get(`/movies/${movie.id}/showtimes?lat=${MIDTOWN.lat}&lng=${MIDTOWN.lng}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<MovieShowtimes>();
    expect(body.movie.id).toBe(movie.id);
    expect(body.days.map((d) => d.date)).toEqual(['2030-06-14', '2030-06-15']);
    const [day1, day2] = body.days as [MovieShowtimes['days'][number], MovieShowtimes['days'][number]];
    expect(day1.theaters.map((th) => th.name)).toEqual(['Chelsea', 'Jersey City']); // Philadelphia is too far
    expect(day1.theaters[0]!.showtimes.map((s) => s.startsAt)).toEqual([
      '2030-06-14T22:00:00.000Z',
      '2030-06-15T00:00:00.000Z',
    ]);
    for (const th of day1.theaters) expect(th.distanceKm).toBeCloseTo(haversineKm(MIDTOWN, th), 2);
    expect(day2.theaters.map((th) => th.name)).toEqual(['Jersey City']);
    expect(day2.theaters[0]!.showtimes[0]).toMatchObject({ format: 'DOLBY', presentation: 'original' });
    expect(body.formats).toEqual([
      { format: '2D', presentation: 'original', presentationLanguage: null },
      { format: '3D', presentation: 'dubbed', presentationLanguage: 'es' },
      { format: 'IMAX', presentation: 'subtitled', presentationLanguage: 'en' },
      { format: 'DOLBY', presentation: 'original', presentationLanguage: null },
    ]);
  });

  it('lists every theater by name without a point, and a wider radius reaches further', async () => {
    const all = (await get(`/movies/${movie.id}/showtimes`)).json<MovieShowtimes>();
    expect(all.days[0]!.theaters.map((th) => [th.name, th.distanceKm])).toEqual([
      ['Chelsea', null],
      ['Jersey City', null],
      ['Philadelphia', null],
    ]);
    const wide = (
      await get(`/movies/${movie.id}/showtimes?lat=${MIDTOWN.lat}&lng=${MIDTOWN.lng}&radiusKm=200&days=14`)
    ).json<MovieShowtimes>();
    expect(wide.days.map((d) => d.date)).toEqual(['2030-06-14', '2030-06-15', '2030-06-25']);
    expect(wide.days[0]!.theaters.map((th) => th.name)).toEqual(['Chelsea', 'Jersey City', 'Philadelphia']);
  });

  it('filters by format, presentation and language', async () => {
    const base = `/movies/${movie.id}/showtimes?lat=${MIDTOWN.lat}&lng=${MIDTOWN.lng}`;
    const imax = (await get(`${base}&format=IMAX`)).json<MovieShowtimes>();
    expect(imax.days.flatMap((d) => d.theaters.flatMap((th) => th.showtimes.map((s) => s.format)))).toEqual([
      'IMAX',
    ]);
    expect(imax.formats).toHaveLength(4); // the choices stay, whatever is chosen
    const dubbed = (await get(`${base}&presentation=dubbed&language=es`)).json<MovieShowtimes>();
    expect(dubbed.days).toHaveLength(1);
    expect(dubbed.days[0]!.theaters.map((th) => th.name)).toEqual(['Jersey City']);
    expect(dubbed.days[0]!.theaters[0]!.showtimes[0]).toMatchObject({
      format: '3D',
      presentationLanguage: 'es',
    });
    const none = (await get(`${base}&format=3D&presentation=subtitled`)).json<MovieShowtimes>();
    expect(none.days).toEqual([]);
    const bad = await get(`${base}&format=4DX`);
    expect(bad.statusCode).toBe(400);
  });

  it('leaves out showtimes that have started', async () => {
    nowMs = Date.parse('2030-06-14T23:30:00Z'); // 19:30 in New York: the 18:00 and 19:00 shows have begun
    try {
      const body = (
        await get(`/movies/${movie.id}/showtimes?lat=${MIDTOWN.lat}&lng=${MIDTOWN.lng}`)
      ).json<MovieShowtimes>();
      const day1 = body.days[0]!;
      expect(day1.theaters.map((th) => th.name)).toEqual(['Chelsea']);
      expect(day1.theaters[0]!.showtimes.map((s) => s.format)).toEqual(['IMAX']);
    } finally {
      nowMs = Date.parse('2030-06-14T12:00:00Z');
    }
  });

  it('asks for both coordinates, and 404s for an unknown movie', async () => {
    const half = await get(`/movies/${movie.id}/showtimes?lat=40.7`);
    expect(half.statusCode).toBe(400);
    expect(half.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const missing = await get('/movies/00000000-0000-4000-8000-000000000000/showtimes');
    expect(missing.json()).toMatchObject({ error: { code: 'MOVIE_NOT_FOUND' } });
  });

  it('puts formats on theater listings and showtime details too', async () => {
    const listing = await get(`/theaters/${theaters['Jersey City']!.id}/movies?date=2030-06-14`);
    const shows = listing.json<{ movies: { id: string; genres: string[]; showtimes: Listing[] }[] }>().movies;
    expect(shows[0]!.genres).toEqual(['Drama', 'Mystery']);
    expect(shows[0]!.showtimes[0]).toMatchObject({
      format: '3D',
      presentation: 'dubbed',
      presentationLanguage: 'es',
    });
    const detail = await get(`/showtimes/${shows[0]!.showtimes[0]!.id}`);
    expect(detail.json()).toMatchObject({
      showtime: {
        format: '3D',
        presentation: 'dubbed',
        movie: { language: 'fr', cast: ['Ana Ruiz', 'Paul Kent'] },
      },
    });
  });
});

describe('admin: movie details and showtime formats', () => {
  const post = (url: string, body: object) => api('POST', `/admin${url}`, admin, body);
  const patch = (url: string, body: object) => api('PATCH', `/admin${url}`, admin, body);

  it('defaults: no genres or cast, English, no trailer; 2D original showtimes', async () => {
    const plain = await createMovie({ title: 'Plain' });
    expect(plain).toMatchObject({ genres: [], language: 'en', cast: [], trailerUrl: null });
    const show = await schedule({
      auditoriumId: theaters.Chelsea!.auditoriums[1],
      movieId: plain.id,
      startsAt: at('2030-06-20T12:00:00Z'),
    });
    expect(show).toMatchObject({ format: '2D', presentation: 'original', presentationLanguage: null });
  });

  it.each([
    [{ genres: ['Drama', 'Drama'] }, 'VALIDATION_FAILED', 'body.genres'],
    [{ genres: ['  '] }, 'VALIDATION_FAILED', 'body.genres.0'],
    [{ genres: Array.from({ length: 11 }, (_, i) => `G${i}`) }, 'VALIDATION_FAILED', 'body.genres'],
    [{ language: 'English' }, 'VALIDATION_FAILED', 'body.language'],
    [{ language: 'xx' }, 'UNKNOWN_LANGUAGE', undefined],
    [{ trailerUrl: 'javascript:alert(1)' }, 'VALIDATION_FAILED', 'body.trailerUrl'],
    [{ cast: [42] }, 'VALIDATION_FAILED', 'body.cast.0'],
  ])('rejects a movie with %j: 400 %s', async (fields, code, field) => {
    const res = await post('/movies', { title: 'Bad', runtimeMinutes: 90, ...fields });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; message: string; fields?: { field: string }[] } }>();
    expect(body.error.code).toBe(code);
    if (field) expect(JSON.stringify(body.error)).toContain(field);
    expect(body.error.message).toBeTruthy();
  });

  it('updates the details, and null removes the trailer', async () => {
    const res = await patch(`/movies/${other.id}`, {
      genres: [' Comedy '],
      language: 'es',
      cast: ['Lu Reyes'],
      trailerUrl: 'https://trailers.example.com/ferry-tales',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      movie: {
        genres: ['Comedy'],
        language: 'es',
        cast: ['Lu Reyes'],
        trailerUrl: 'https://trailers.example.com/ferry-tales',
      },
    });
    const cleared = await patch(`/movies/${other.id}`, { trailerUrl: null });
    expect(cleared.json()).toMatchObject({ movie: { trailerUrl: null, genres: ['Comedy'] } });
    const unknown = await patch(`/movies/${other.id}`, { language: 'qq' });
    expect(unknown.json()).toMatchObject({ error: { code: 'UNKNOWN_LANGUAGE' } });
  });

  it.each([
    [{ format: 'IMAX 3D' }, 'VALIDATION_FAILED'],
    [{ presentation: 'subtitled' }, 'PRESENTATION_LANGUAGE_REQUIRED'],
    [{ presentation: 'dubbed', presentationLanguage: 'zz' }, 'UNKNOWN_LANGUAGE'],
    [{ presentationLanguage: 'en' }, 'PRESENTATION_LANGUAGE_NOT_ALLOWED'],
    [{ presentation: 'original', presentationLanguage: 'en' }, 'PRESENTATION_LANGUAGE_NOT_ALLOWED'],
  ])('rejects a showtime with %j: 400 %s', async (fields, code) => {
    const res = await post('/showtimes', {
      auditoriumId: theaters.Philadelphia!.auditoriums[1],
      movieId: movie.id,
      startsAt: at('2030-06-21T12:00:00Z'),
      prices: { standard: 1000 },
      ...fields,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code } });
  });

  it('changes a showtime format and presentation; back to original drops the language', async () => {
    const show = await schedule({
      auditoriumId: theaters.Philadelphia!.auditoriums[1],
      movieId: movie.id,
      startsAt: at('2030-06-22T12:00:00Z'),
    });
    const subtitled = await patch(`/showtimes/${show.id}`, {
      format: 'DOLBY',
      presentation: 'subtitled',
      presentationLanguage: 'en',
    });
    expect(subtitled.json()).toMatchObject({
      showtime: { format: 'DOLBY', presentation: 'subtitled', presentationLanguage: 'en' },
    });
    const noLanguage = await patch(`/showtimes/${show.id}`, { presentationLanguage: null });
    expect(noLanguage.json()).toMatchObject({ error: { code: 'PRESENTATION_LANGUAGE_REQUIRED' } });
    const original = await patch(`/showtimes/${show.id}`, { presentation: 'original' });
    expect(original.json()).toMatchObject({
      showtime: { format: 'DOLBY', presentation: 'original', presentationLanguage: null },
    });
  });
});

describe('GET /places (searchPlaces)', () => {
  interface Place {
    kind: string;
    label: string;
    name: string;
    region: string | null;
    country: string;
    postalCode: string | null;
    lat: number;
    lng: number;
  }
  const places = async (q: string) => {
    const res = await get(`/places?q=${encodeURIComponent(q)}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ places: Place[] }>().places;
  };

  it('finds a US ZIP code: 10001 is New York', async () => {
    const [first] = await places('10001');
    expect(first).toMatchObject({
      kind: 'zip',
      label: 'New York, NY 10001',
      name: 'New York',
      region: 'NY',
      country: 'US',
      postalCode: '10001',
    });
    expect(haversineKm(first!, MIDTOWN)).toBeLessThan(2);
    expect((await places('90210'))[0]).toMatchObject({ name: 'Beverly Hills', region: 'CA' });
    expect((await places('100')).every((p) => p.postalCode!.startsWith('100'))).toBe(true);
    expect(await places('00000')).toEqual([]);
  });

  it('finds cities by name, any case and accents, the biggest first; a region narrows it', async () => {
    expect((await places('brooklyn'))[0]).toMatchObject({
      label: 'Brooklyn, NY',
      country: 'US',
      region: 'NY',
    });
    expect((await places('Paris'))[0]).toMatchObject({ label: 'Paris, France', country: 'FR', region: null });
    expect((await places('paris, tx'))[0]).toMatchObject({ label: 'Paris, TX', country: 'US' });
    expect((await places('zurich'))[0]).toMatchObject({ name: 'Zürich', country: 'CH' });
    const chicago = (await places('chic'))[0]!;
    expect(chicago.label).toBe('Chicago, IL');
    expect(haversineKm(chicago, { lat: 41.8781, lng: -87.6298 })).toBeLessThan(5);
    expect(await places('qqqqqq')).toEqual([]);
  });

  it('validates the query', async () => {
    expect((await get('/places')).statusCode).toBe(400);
    expect((await get('/places?q=a&limit=50')).statusCode).toBe(400);
  });
});
