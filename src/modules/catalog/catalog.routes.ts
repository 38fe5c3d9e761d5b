import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Negotiator } from '@fastify/accept-negotiator';
import type { AppContext } from '../../context.js';
import { errors, PUBLIC_ROUTE } from '../../http/schemas.js';
import {
  MovieParams,
  MovieResponse,
  MovieSearchQuery,
  MovieSearchResponse,
  MovieShowtimesQuery,
  MovieShowtimesResponse,
  PlacesQuery,
  PlacesResponse,
  MoviesForTheaterQuery,
  MoviesForTheaterResponse,
  SeatMapResponse,
  ShowtimeParams,
  ShowtimeResponse,
  TheaterParams,
  TheaterResponse,
  TheatersQuery,
  TheatersResponse,
} from './catalog.schemas.js';
import { CatalogService, gzippedSeatMap, type SeatMapBody } from './catalog.service.js';

/** If-None-Match: `*` or a list of entity tags; a weak form (W/"...") of ours matches too (weak comparison). */
function etagMatches(header: string | undefined, etag: string, gzipEtag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((given) => {
    const tag = given.trim().replace(/^W\//, '');
    return tag === etag || tag === gzipEtag;
  });
}

/** Accept-Encoding negotiation (q-values, `*`, `identity;q=0`), by Fastify's own negotiator. */
const encodings = new Negotiator({ supportedValues: ['gzip', 'identity'] });
/** The last header negotiated: browsers send the same Accept-Encoding on every request. */
let lastAcceptEncoding = 'identity';
let lastGzip = false;

function acceptsGzip(header = 'identity'): boolean {
  if (header !== lastAcceptEncoding) {
    lastGzip = encodings.negotiate(header) === 'gzip';
    lastAcceptEncoding = header;
  }
  return lastGzip;
}

/**
 * A seat map as it is in memory: serialized (and compressed) once per change of the map, sent as they are, with
 * a strong ETag; either representation's tag gets a 304.
 */
function sendSeatMap(req: FastifyRequest, reply: FastifyReply, map: SeatMapBody): void {
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  const sent = gzip ? gzippedSeatMap(map) : map;
  // Private and revalidated on every use: the browser keeps the body and asks with If-None-Match.
  void reply
    .header('etag', sent.etag)
    .header('cache-control', 'private, no-cache')
    .header('vary', 'accept-encoding');
  if (etagMatches(req.headers['if-none-match'], map.etag, map.gzipEtag)) {
    void reply.code(304).send();
    return;
  }
  if (gzip) void reply.header('content-encoding', 'gzip');
  void reply.type('application/json; charset=utf-8').send(sent.body);
}

export const catalogRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const catalog = new CatalogService(ctx);
  // Public: browsing needs no account (a signed-in caller keeps its per-user rate limit; see app.ts).

  app.get(
    '/theaters',
    {
      schema: {
        operationId: 'getMovieTheaters',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'Theaters near a point, nearest first (or all theaters by name without lat/lng)',
        querystring: TheatersQuery,
        response: { 200: TheatersResponse, ...errors(400, 429) },
      },
    },
    async (req) => catalog.findTheaters(req.query),
  );

  app.get(
    '/theaters/:theaterId',
    {
      schema: {
        operationId: 'getMovieTheater',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'One theater, with its time zone',
        params: TheaterParams,
        response: { 200: TheaterResponse, ...errors(400, 404, 429) },
      },
    },
    async (req) => ({ theater: await catalog.getTheater(req.params.theaterId) }),
  );

  app.get(
    '/theaters/:theaterId/movies',
    {
      schema: {
        operationId: 'getMoviesListForTheater',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: "Movies showing at a theater on a date (default: today in the theater's time zone)",
        params: TheaterParams,
        querystring: MoviesForTheaterQuery,
        response: { 200: MoviesForTheaterResponse, ...errors(400, 404, 429) },
      },
    },
    async (req) => catalog.listMoviesForTheater(req.params.theaterId, req.query.date),
  );

  app.get(
    '/movies',
    {
      schema: {
        operationId: 'searchMovies',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'Movies by title: part of it, any case (titles that start with it first)',
        querystring: MovieSearchQuery,
        response: { 200: MovieSearchResponse, ...errors(400, 429) },
      },
    },
    async (req) => catalog.searchMovies(req.query),
  );

  app.get(
    '/movies/:movieId',
    {
      schema: {
        operationId: 'getMovie',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'One movie: poster, synopsis, genres, language, cast, trailer, rating, runtime',
        params: MovieParams,
        response: { 200: MovieResponse, ...errors(400, 404, 429) },
      },
    },
    async (req) => ({ movie: await catalog.getMovie(req.params.movieId) }),
  );

  app.get(
    '/movies/:movieId/showtimes',
    {
      schema: {
        operationId: 'getMovieShowtimes',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'Where and when a movie plays: theaters near a point by day, filterable by format',
        description:
          'Showtimes from now for `days` days, grouped by local date, then by theater (nearest first; every ' +
          'theater by name without lat/lng). `format`, `presentation` and `language` filter the showtimes; ' +
          '`formats` lists every combination on offer before filtering.',
        params: MovieParams,
        querystring: MovieShowtimesQuery,
        response: { 200: MovieShowtimesResponse, ...errors(400, 404, 429) },
      },
    },
    async (req) => catalog.listMovieShowtimes(req.params.movieId, req.query),
  );

  app.get(
    '/places',
    {
      schema: {
        operationId: 'searchPlaces',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'Places by US ZIP code or name (GeoNames places of 1,000+ people), for "theaters near"',
        querystring: PlacesQuery,
        response: { 200: PlacesResponse, ...errors(400, 429) },
      },
    },
    async (req, reply) => {
      // The gazetteer changes with a deploy, not by the minute: let the browser keep answers for a while.
      void reply.header('cache-control', 'private, max-age=3600');
      return catalog.findPlaces(req.query);
    },
  );

  app.get(
    '/showtimes/:showtimeId',
    {
      schema: {
        operationId: 'getShowtime',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'One showtime with its movie, theater, auditorium and prices',
        params: ShowtimeParams,
        response: { 200: ShowtimeResponse, ...errors(400, 404, 429) },
      },
    },
    async (req) => ({ showtime: await catalog.getShowtime(req.params.showtimeId) }),
  );

  app.get(
    '/showtimes/:showtimeId/seats',
    {
      // Every page view and every 5-s poll: at info, Fastify's two access lines per request add half again to
      // its CPU (docs/benchmarks.md). Counted by status in the metrics; its warnings and errors are logged.
      ...(ctx.logger.level === 'info' ? { logLevel: 'warn' } : {}),
      schema: {
        operationId: 'getSeatsForMovie',
        tags: ['catalog'],
        security: PUBLIC_ROUTE,
        summary: 'The seat map of a showtime: every seat with its tier, price and status',
        description:
          'Answered from memory, as fresh as the live seat feed. Carries a strong ETag; send it back as ' +
          'If-None-Match to get 304 while nothing changed.',
        params: ShowtimeParams,
        response: {
          200: SeatMapResponse,
          304: Type.Null({ description: 'Not modified: the map is still the one with this ETag' }),
          ...errors(400, 404, 429),
        },
      },
    },
    // Not async: a map already in memory is answered without a promise (the on-sale's hot path).
    (req, reply) => {
      const map = catalog.cachedSeatMap(req.params.showtimeId);
      if (map) return sendSeatMap(req, reply, map);
      return catalog.getSeatMap(req.params.showtimeId).then((read) => sendSeatMap(req, reply, read));
    },
  );
  return Promise.resolve();
};
