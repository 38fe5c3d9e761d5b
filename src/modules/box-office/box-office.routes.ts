import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireRole } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import { auditActor } from '../audit/audit-actor.js';
import { Booking } from '../bookings/bookings.schemas.js';
import {
  CashBody,
  CashResponse,
  CounterBookingParams,
  CounterHoldBody,
  CounterSales,
  CounterSalesQuery,
  PrintableTickets,
} from './box-office.schemas.js';
import { BoxOfficeService } from './box-office.service.js';
import { workingTheaters } from '../people/theater-access.js';
import { Uuid } from '../../http/schemas.js';

/** The box office, under /api/v1/box-office: staff and admins sell at the counter. */
export const boxOfficeRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const boxOffice = new BoxOfficeService(ctx);
  app.addHook('onRequest', requireRole('staff', 'admin'));

  app.post(
    '/holds',
    {
      schema: {
        operationId: 'boxOfficeHold',
        tags: ['box office'],
        summary: 'Hold seats at the counter',
        description:
          "The same one-statement hold as online, held by the clerk's account without the per-customer " +
          'limits. Pay it in cash (POST /box-office/bookings/:id/cash) or by card (POST /bookings/:id/payment); ' +
          'cancel it with DELETE /bookings/:id. With a buyer email the tickets are emailed to the buyer. ' +
          '403 THEATER_NOT_ALLOWED for a theater the clerk does not work at.',
        body: CounterHoldBody,
        response: { 201: Type.Object({ booking: Booking }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ booking: await boxOffice.hold(currentUser(req), req.body) }),
  );

  app.post(
    '/bookings/:bookingId/cash',
    {
      schema: {
        operationId: 'boxOfficePayCash',
        tags: ['box office'],
        summary: 'Take cash for a counter hold',
        description:
          'Sells the held seats for cash (at least the total; the answer says the change). A retry of a sale ' +
          'already paid in cash answers the same sale.',
        params: CounterBookingParams,
        body: CashBody,
        response: { 200: CashResponse, ...errors(400, 401, 403, 404, 409, 410, 429) },
      },
    },
    async (req) =>
      boxOffice.payCash(
        { ...auditActor(req), role: currentUser(req).role },
        req.params.bookingId,
        req.body.tenderedCents,
      ),
  );

  app.get(
    '/bookings/:bookingId/tickets',
    {
      schema: {
        operationId: 'boxOfficeTickets',
        tags: ['box office'],
        summary: 'The tickets of a paid counter sale, with their door codes, to print',
        params: CounterBookingParams,
        response: { 200: PrintableTickets, ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (req) => boxOffice.printable(currentUser(req).userId, req.params.bookingId),
  );

  app.get(
    '/theaters',
    {
      schema: {
        operationId: 'boxOfficeTheaters',
        tags: ['box office'],
        summary: 'The theaters the clerk sells and checks in at (null: every theater)',
        response: {
          200: Type.Object({ theaterIds: Type.Union([Type.Array(Uuid), Type.Null()]) }),
          ...errors(401, 403, 429),
        },
      },
    },
    async (req) => ({ theaterIds: await workingTheaters(ctx.db, currentUser(req)) }),
  );

  app.get(
    '/sales',
    {
      schema: {
        operationId: 'boxOfficeSales',
        tags: ['box office'],
        summary: "The clerk's recent counter sales and the shift's takings",
        querystring: CounterSalesQuery,
        response: { 200: CounterSales, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => boxOffice.recentSales(currentUser(req).userId, req.query.limit ?? 20),
  );
  return Promise.resolve();
};
