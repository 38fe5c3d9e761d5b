import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { requireUser } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import {
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
import { CatalogService } from './catalog.service.js';

export const catalogRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const catalog = new CatalogService(ctx);
  // The token is checked before the request is validated, so an anonymous caller learns nothing but 401.
  app.addHook('onRequest', requireUser);

  app.get(
    '/theaters',
    {
      schema: {
        operationId: 'getMovieTheaters',
        tags: ['catalog'],
        summary: 'Theaters near a point, nearest first (or all theaters by name without lat/lng)',
        querystring: TheatersQuery,
        response: { 200: TheatersResponse, ...errors(400, 401, 429) },
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
        summary: 'One theater, with its time zone',
        params: TheaterParams,
        response: { 200: TheaterResponse, ...errors(400, 401, 404, 429) },
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
        summary: "Movies showing at a theater on a date (default: today in the theater's time zone)",
        params: TheaterParams,
        querystring: MoviesForTheaterQuery,
        response: { 200: MoviesForTheaterResponse, ...errors(400, 401, 404, 429) },
      },
    },
    async (req) => catalog.listMoviesForTheater(req.params.theaterId, req.query.date),
  );

  app.get(
    '/showtimes/:showtimeId',
    {
      schema: {
        operationId: 'getShowtime',
        tags: ['catalog'],
        summary: 'One showtime with its movie, theater, auditorium and prices',
        params: ShowtimeParams,
        response: { 200: ShowtimeResponse, ...errors(400, 401, 404, 429) },
      },
    },
    async (req) => ({ showtime: await catalog.getShowtime(req.params.showtimeId) }),
  );

  app.get(
    '/showtimes/:showtimeId/seats',
    {
      schema: {
        operationId: 'getSeatsForMovie',
        tags: ['catalog'],
        summary: 'The seat map of a showtime: every seat with its tier, price and status',
        params: ShowtimeParams,
        response: { 200: SeatMapResponse, ...errors(400, 401, 404, 429) },
      },
    },
    async (req) => catalog.getSeatMap(req.params.showtimeId),
  );
  return Promise.resolve();
};
