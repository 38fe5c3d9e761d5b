import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/auth.js';
import { auditActor } from '../audit/audit-actor.js';
import { errors } from '../../http/schemas.js';
import {
  AdminShowtimeListQuery,
  AdminShowtimeListResponse,
  AdminShowtimeParams,
  AdminShowtimeResponse,
  AdminTheaterListQuery,
  AdminTheaterListResponse,
  AdminTheaterResponse,
  AuditoriumCreateBody,
  AuditoriumListResponse,
  AuditoriumParams,
  AuditoriumResponse,
  LayoutUpdateBody,
  MovieCreateBody,
  MovieListQuery,
  MovieListResponse,
  MovieParams,
  MovieResponse,
  MovieUpdateBody,
  ScheduleQuery,
  ScheduleResponse,
  ShowtimeBulkBody,
  ShowtimeBulkDryRunResponse,
  ShowtimeBulkResponse,
  SeatTypeCreateBody,
  SeatTypeListResponse,
  SeatTypeParams,
  SeatTypeResponse,
  SeatTypeUpdateBody,
  ShowtimeCreateBody,
  ShowtimeUpdateBody,
  TheaterCreateBody,
  TheaterUpdateBody,
} from './admin.schemas.js';
import { CatalogAdminService } from './admin.service.js';
import { TheaterParams } from './catalog.schemas.js';
import { SeatTypesService } from './seat-types.service.js';

const NoContent = Type.Null({ description: 'Deleted' });

export const adminRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = new CatalogAdminService(ctx);
  const seatTypes = new SeatTypesService(ctx);
  // Every route here is admin-only; checked before validation so others learn nothing but 401/403.
  app.addHook('onRequest', requireRole('admin'));

  // ---- theaters ----
  app.post(
    '/theaters',
    {
      schema: {
        operationId: 'adminCreateTheater',
        tags: ['admin'],
        summary: 'Create a theater',
        body: TheaterCreateBody,
        response: { 201: AdminTheaterResponse, ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ theater: await admin.createTheater(auditActor(req), req.body) }),
  );

  app.get(
    '/theaters',
    {
      schema: {
        operationId: 'adminListTheaters',
        tags: ['admin'],
        summary: 'List theaters by name',
        querystring: AdminTheaterListQuery,
        response: { 200: AdminTheaterListResponse, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => ({ theaters: await admin.listTheaters(req.query) }),
  );

  app.get(
    '/theaters/:theaterId',
    {
      schema: {
        operationId: 'adminGetTheater',
        tags: ['admin'],
        summary: 'One theater',
        params: TheaterParams,
        response: { 200: AdminTheaterResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ theater: await admin.getTheater(req.params.theaterId) }),
  );

  app.patch(
    '/theaters/:theaterId',
    {
      schema: {
        operationId: 'adminUpdateTheater',
        tags: ['admin'],
        summary: 'Change a theater (its booking fee and sales tax too), or close or reopen it',
        params: TheaterParams,
        body: TheaterUpdateBody,
        response: { 200: AdminTheaterResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ theater: await admin.updateTheater(auditActor(req), req.params.theaterId, req.body) }),
  );

  app.delete(
    '/theaters/:theaterId',
    {
      schema: {
        operationId: 'adminDeleteTheater',
        tags: ['admin'],
        summary: 'Delete a theater and its auditoriums (409 while showtimes exist)',
        params: TheaterParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await admin.deleteTheater(auditActor(req), req.params.theaterId);
      return reply.status(204).send(null);
    },
  );

  // ---- auditoriums ----
  app.post(
    '/theaters/:theaterId/auditoriums',
    {
      schema: {
        operationId: 'adminCreateAuditorium',
        tags: ['admin'],
        summary: 'Create an auditorium with its seat layout',
        params: TheaterParams,
        body: AuditoriumCreateBody,
        response: { 201: AuditoriumResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send({ auditorium: await admin.createAuditorium(auditActor(req), req.params.theaterId, req.body) }),
  );

  app.get(
    '/theaters/:theaterId/auditoriums',
    {
      schema: {
        operationId: 'adminListAuditoriums',
        tags: ['admin'],
        summary: "A theater's auditoriums with their seat counts",
        params: TheaterParams,
        response: { 200: AuditoriumListResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ auditoriums: await admin.listAuditoriums(req.params.theaterId) }),
  );

  app.get(
    '/auditoriums/:auditoriumId',
    {
      schema: {
        operationId: 'adminGetAuditorium',
        tags: ['admin'],
        summary: 'An auditorium with its seat layout',
        params: AuditoriumParams,
        response: { 200: AuditoriumResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ auditorium: await admin.getAuditorium(req.params.auditoriumId) }),
  );

  app.put(
    '/auditoriums/:auditoriumId/layout',
    {
      schema: {
        operationId: 'adminSaveLayout',
        tags: ['admin'],
        summary:
          'Save a new version of the seat layout (and name, screen side); showtimes keep the version they were created with',
        description:
          'Applies to showtimes created from now on: existing showtimes, above all those with seats held or sold, keep ' +
          'their seats. 409 LAYOUT_VERSION_CONFLICT when baseVersion is not the current layoutVersion.',
        params: AuditoriumParams,
        body: LayoutUpdateBody,
        response: { 200: AuditoriumResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ({
      auditorium: await admin.saveLayout(auditActor(req), req.params.auditoriumId, req.body),
    }),
  );

  app.delete(
    '/auditoriums/:auditoriumId',
    {
      schema: {
        operationId: 'adminDeleteAuditorium',
        tags: ['admin'],
        summary: 'Delete an auditorium and its seats (409 while showtimes exist)',
        params: AuditoriumParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await admin.deleteAuditorium(auditActor(req), req.params.auditoriumId);
      return reply.status(204).send(null);
    },
  );

  // ---- seat types ----
  app.get(
    '/theaters/:theaterId/seat-types',
    {
      schema: {
        operationId: 'adminListSeatTypes',
        tags: ['admin'],
        summary: "A theater's operator-defined seat types, by name",
        params: TheaterParams,
        response: { 200: SeatTypeListResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ seatTypes: await seatTypes.list(req.params.theaterId) }),
  );

  app.post(
    '/theaters/:theaterId/seat-types',
    {
      schema: {
        operationId: 'adminCreateSeatType',
        tags: ['admin'],
        summary: 'Define a seat type: a name, a colour, a base tier and a surcharge on its price',
        params: TheaterParams,
        body: SeatTypeCreateBody,
        response: { 201: SeatTypeResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send({ seatType: await seatTypes.create(auditActor(req), req.params.theaterId, req.body) }),
  );

  app.patch(
    '/theaters/:theaterId/seat-types/:seatTypeId',
    {
      schema: {
        operationId: 'adminUpdateSeatType',
        tags: ['admin'],
        summary:
          'Change a seat type (seat maps and new holds follow; held and sold tickets keep their price)',
        params: SeatTypeParams,
        body: SeatTypeUpdateBody,
        response: { 200: SeatTypeResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ({
      seatType: await seatTypes.update(
        auditActor(req),
        req.params.theaterId,
        req.params.seatTypeId,
        req.body,
      ),
    }),
  );

  app.delete(
    '/theaters/:theaterId/seat-types/:seatTypeId',
    {
      schema: {
        operationId: 'adminDeleteSeatType',
        tags: ['admin'],
        summary:
          'Delete a seat type (409 SEAT_TYPE_IN_USE while a current layout or a coming showtime has its seats)',
        params: SeatTypeParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await seatTypes.delete(auditActor(req), req.params.theaterId, req.params.seatTypeId);
      return reply.status(204).send(null);
    },
  );

  // ---- movies ----
  app.post(
    '/movies',
    {
      schema: {
        operationId: 'adminCreateMovie',
        tags: ['admin'],
        summary: 'Create a movie',
        body: MovieCreateBody,
        response: { 201: MovieResponse, ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ movie: await admin.createMovie(auditActor(req), req.body) }),
  );

  app.get(
    '/movies',
    {
      schema: {
        operationId: 'adminListMovies',
        tags: ['admin'],
        summary: 'List movies by title, a page at a time',
        querystring: MovieListQuery,
        response: { 200: MovieListResponse, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => admin.listMovies(req.query),
  );

  app.get(
    '/movies/:movieId',
    {
      schema: {
        operationId: 'adminGetMovie',
        tags: ['admin'],
        summary: 'One movie',
        params: MovieParams,
        response: { 200: MovieResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ movie: await admin.getMovie(req.params.movieId) }),
  );

  app.patch(
    '/movies/:movieId',
    {
      schema: {
        operationId: 'adminUpdateMovie',
        tags: ['admin'],
        summary: 'Change a movie (a new runtime applies to showtimes created afterwards)',
        params: MovieParams,
        body: MovieUpdateBody,
        response: { 200: MovieResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ movie: await admin.updateMovie(auditActor(req), req.params.movieId, req.body) }),
  );

  app.delete(
    '/movies/:movieId',
    {
      schema: {
        operationId: 'adminDeleteMovie',
        tags: ['admin'],
        summary: 'Delete a movie (409 while showtimes exist)',
        params: MovieParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await admin.deleteMovie(auditActor(req), req.params.movieId);
      return reply.status(204).send(null);
    },
  );

  // ---- showtimes ----
  app.post(
    '/showtimes',
    {
      schema: {
        operationId: 'adminCreateShowtime',
        tags: ['admin'],
        summary: 'Schedule a showtime and create its seat inventory',
        body: ShowtimeCreateBody,
        response: { 201: AdminShowtimeResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ showtime: await admin.createShowtime(auditActor(req), req.body) }),
  );

  app.post(
    '/showtimes/bulk',
    {
      schema: {
        operationId: 'adminBulkCreateShowtimes',
        tags: ['admin'],
        summary: 'Schedule several showtimes at once, all or none (dryRun: report conflicts, create nothing)',
        description:
          'Each item is checked against existing showtimes and the other items (runtime plus the theater cleaning ' +
          'time). One conflict and nothing is created: 409 SHOWTIME_BULK_CONFLICT with items[].conflicts. ' +
          'dryRun answers 200 with every item and its conflicts.',
        body: ShowtimeBulkBody,
        response: {
          200: ShowtimeBulkDryRunResponse,
          201: ShowtimeBulkResponse,
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const result = await admin.bulkCreateShowtimes(auditActor(req), req.body);
      if (Array.isArray(result)) return reply.status(201).send({ showtimes: result });
      return reply.status(200).send(result);
    },
  );

  app.get(
    '/theaters/:theaterId/schedule',
    {
      schema: {
        operationId: 'adminTheaterSchedule',
        tags: ['admin'],
        summary:
          "A theater's auditoriums and its showtimes in a time range (at most 14 days): the console's week",
        params: TheaterParams,
        querystring: ScheduleQuery,
        response: { 200: ScheduleResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => admin.getSchedule(req.params.theaterId, req.query),
  );

  app.get(
    '/showtimes',
    {
      schema: {
        operationId: 'adminListShowtimes',
        tags: ['admin'],
        summary: 'List showtimes by start time, with seat counts',
        querystring: AdminShowtimeListQuery,
        response: { 200: AdminShowtimeListResponse, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => ({ showtimes: await admin.listShowtimes(req.query) }),
  );

  app.get(
    '/showtimes/:showtimeId',
    {
      schema: {
        operationId: 'adminGetShowtime',
        tags: ['admin'],
        summary: 'One showtime with seat counts',
        params: AdminShowtimeParams,
        response: { 200: AdminShowtimeResponse, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ showtime: await admin.getShowtime(req.params.showtimeId) }),
  );

  app.patch(
    '/showtimes/:showtimeId',
    {
      schema: {
        operationId: 'adminUpdateShowtime',
        tags: ['admin'],
        summary: 'Change prices and ticket types, or move the start while no seat is held or sold',
        params: AdminShowtimeParams,
        body: ShowtimeUpdateBody,
        response: { 200: AdminShowtimeResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ({
      showtime: await admin.updateShowtime(auditActor(req), req.params.showtimeId, req.body),
    }),
  );

  app.delete(
    '/showtimes/:showtimeId',
    {
      schema: {
        operationId: 'adminDeleteShowtime',
        tags: ['admin'],
        summary: 'Delete a showtime and its inventory (409 with sales or bookings)',
        params: AdminShowtimeParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      await admin.deleteShowtime(auditActor(req), req.params.showtimeId);
      return reply.status(204).send(null);
    },
  );
  return Promise.resolve();
};
