import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireUserUnlessPublic } from '../../http/auth.js';
import { withIdempotency } from '../../http/idempotency.js';
import { ValidationError } from '../../http/errors.js';
import { errors, PUBLIC_ROUTE } from '../../http/schemas.js';
import {
  BestSeatsParams,
  BestSeatsQuery,
  BestSeatsResponse,
  BookingList,
  BookingParams,
  BookingResponse,
  CardBody,
  HoldBody,
  HoldResponse,
  ListQuery,
  PaymentResponse,
  TicketParams,
  TicketResponse,
} from './bookings.schemas.js';
import { BookingsService } from './bookings.service.js';

export const bookingRoutes: FastifyPluginAsyncTypebox<{
  ctx: AppContext;
  bookings?: BookingsService;
}> = async (app, { ctx, bookings: given }) => {
  const bookings = given ?? new BookingsService(ctx);
  // Before validation, so an anonymous caller learns nothing but 401 (best-seats, a read of the map, is public).
  app.addHook('onRequest', requireUserUnlessPublic);

  app.post(
    '/bookings',
    {
      schema: {
        operationId: 'holdTicket',
        tags: ['bookings'],
        summary: 'Hold seats for a few minutes while you pay (all or nothing)',
        description:
          'Send either `seatIds` (these seats) or `count` with an optional `tier` (the best seats available, ' +
          'chosen by the rule in docs/api.md: together in one row, best rows and the centre first, no single ' +
          'empty seat left when avoidable, else two groups in adjacent rows; `seating` says which). A best-available ' +
          'hold that loses a seat to another customer chooses again; 409 NO_SEATS_TOGETHER only when nothing fits. ' +
          'Optional header Idempotency-Key: a successful hold is stored with the hold itself and replayed for 24 h (without `seating`); conflicts are not stored. 409 SEATS_UNAVAILABLE lists the seats that were taken; 409 TOO_MANY_HOLDS and SEAT_LIMIT_REACHED are the anti-hoarding limits. ' +
          'Optional `ticketTypes` ({"adult": 2, "child": 1}) must add up to the seats (400 TICKET_COUNT_MISMATCH) and name types the showtime offers (400 TICKET_TYPE_NOT_OFFERED); without it every ticket is adult. The booking stores its price `breakdown` (tickets, booking fee, tax) when held; payment charges its totalCents.',
        body: HoldBody,
        response: { 201: HoldResponse, ...errors(400, 401, 404, 409, 422, 429) },
      },
      // Before the schema's union, whose own errors would list both shapes: say plainly what is wrong.
      preValidation: async (req) => {
        const body = req.body as Record<string, unknown> | null;
        if (body && typeof body === 'object' && !Array.isArray(body)) {
          const bySeats = 'seatIds' in body;
          const byCount = 'count' in body || 'tier' in body;
          if (bySeats && byCount) {
            throw new ValidationError('Send either seatIds, or count (with an optional tier), not both', {
              fields: [{ field: 'body', message: 'has both seatIds and count/tier' }],
            });
          }
          if (!bySeats && !byCount) {
            throw new ValidationError(
              'Send seatIds (the seats to hold), or count (with an optional tier) for the best seats available',
              { fields: [{ field: 'body', message: 'needs seatIds or count' }] },
            );
          }
        }
        return Promise.resolve();
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const body = req.body;
      const result = await withIdempotency(ctx, req, reply, user.userId, 201, async (idem) =>
        'seatIds' in body
          ? { booking: await bookings.holdSeats(user.userId, body, idem) }
          : bookings.holdBestSeats(user.userId, body, idem),
      );
      return reply.sent ? reply : reply.status(201).send(result);
    },
  );

  app.get(
    '/showtimes/:showtimeId/best-seats',
    {
      schema: {
        operationId: 'proposeBestSeats',
        tags: ['bookings'],
        security: PUBLIC_ROUTE,
        summary: 'Propose the best seats available, without holding them',
        description:
          'The same choice POST /bookings makes with a count. `skip` walks through up to 20 different ' +
          'proposals ("next proposal"), each chosen as if the ones before it were taken. A read, so a ' +
          'proposal may be gone a moment later: hold it with its seatIds, or with the count to have the ' +
          'best seats then. Accessible spaces are proposed only when tier=accessible is asked for.',
        params: BestSeatsParams,
        querystring: BestSeatsQuery,
        response: { 200: BestSeatsResponse, ...errors(400, 404, 409, 429) },
      },
      config: { public: true },
    },
    async (req) =>
      bookings.proposeBestSeats(req.params.showtimeId, req.query.count, req.query.tier, req.query.skip),
  );

  app.post(
    '/bookings/:bookingId/extend',
    {
      schema: {
        operationId: 'extendHold',
        tags: ['bookings'],
        summary: 'More time to pay, once per hold',
        description:
          'Adds HOLD_EXTENSION_SECONDS (3 minutes by default; `extensionSeconds` on the booking says how much ' +
          'now) to a pending hold, never past its hard deadline (maxExpiresAt). 409 HOLD_ALREADY_EXTENDED, ' +
          'HOLD_AT_MAXIMUM, HOLD_ENDED (its time ran out), ALREADY_PAID or BOOKING_NOT_PENDING otherwise.',
        params: BookingParams,
        response: { 200: BookingResponse, ...errors(400, 401, 404, 409, 429) },
      },
    },
    async (req) => ({
      booking: await bookings.extendHoldOnce(currentUser(req).userId, req.params.bookingId),
    }),
  );

  app.get(
    '/bookings',
    {
      schema: {
        operationId: 'listBookings',
        tags: ['bookings'],
        summary: 'Your bookings, newest first',
        querystring: ListQuery,
        response: { 200: BookingList, ...errors(400, 401) },
      },
    },
    async (req) => bookings.listBookings(currentUser(req).userId, req.query.limit, req.query.cursor),
  );

  app.get(
    '/bookings/:bookingId',
    {
      schema: {
        operationId: 'getBooking',
        tags: ['bookings'],
        summary: 'One of your bookings with its tickets and payments',
        params: BookingParams,
        response: { 200: BookingResponse, ...errors(400, 401, 404) },
      },
    },
    async (req) => ({ booking: await bookings.getBooking(currentUser(req).userId, req.params.bookingId) }),
  );

  app.get(
    '/bookings/:bookingId/calendar.ics',
    {
      schema: {
        operationId: 'getBookingCalendar',
        tags: ['bookings'],
        summary: 'Add to calendar: an iCalendar (.ics) file for one of your confirmed bookings',
        description:
          "The showtime's start and end in the theater's time zone (TZID with its VTIMEZONE), the movie, the " +
          'theater and its address, and a link to the booking. 409 BOOKING_NOT_CONFIRMED for a booking that is ' +
          'not confirmed.',
        params: BookingParams,
        produces: ['text/calendar'],
        response: {
          200: Type.String({ description: 'text/calendar; an attachment named matinee-<reference>.ics' }),
          ...errors(400, 401, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const ics = await bookings.bookingCalendar(currentUser(req).userId, req.params.bookingId);
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="${ics.filename}"`)
        .header('cache-control', 'private, no-store')
        .send(ics.content);
    },
  );

  app.post(
    '/bookings/:bookingId/payment',
    {
      schema: {
        operationId: 'completePaymentForTicket',
        tags: ['bookings'],
        summary: 'Pay for a held booking',
        description:
          'Test cards: 4242424242424242 succeeds, 4000000000000002 declines, 4000000000009995 insufficient funds, 4000000000000119 processing error, 4000000000006975 times out. At most one charge per booking is ever kept: a charge the booking cannot use (a second attempt, a late answer after the hold ended) is refunded automatically.',
        params: BookingParams,
        body: CardBody,
        response: { 200: PaymentResponse, ...errors(400, 401, 402, 404, 409, 410, 422, 429, 503) },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      return withIdempotency(ctx, req, reply, user.userId, 200, (idem) =>
        bookings.pay(user.userId, req.params.bookingId, req.body, idem),
      );
    },
  );

  app.delete(
    '/bookings/:bookingId',
    {
      schema: {
        operationId: 'cancelBooking',
        tags: ['bookings'],
        summary: 'Cancel a pending hold; the seats are free at once',
        params: BookingParams,
        response: { 200: BookingResponse, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => ({ booking: await bookings.cancel(currentUser(req).userId, req.params.bookingId) }),
  );

  app.post(
    '/bookings/:bookingId/refund',
    {
      schema: {
        operationId: 'refundBooking',
        tags: ['bookings'],
        summary: 'Refund a confirmed booking before its showtime starts',
        params: BookingParams,
        response: { 200: BookingResponse, ...errors(400, 401, 404, 409, 503) },
      },
    },
    async (req) => ({ booking: await bookings.refund(currentUser(req).userId, req.params.bookingId) }),
  );

  app.get(
    '/tickets/:ticketId',
    {
      schema: {
        operationId: 'getTicketStatus',
        tags: ['bookings'],
        summary: 'A ticket and the status of its booking',
        params: TicketParams,
        response: { 200: TicketResponse, ...errors(400, 401, 404) },
      },
    },
    async (req) => ({ ticket: await bookings.getTicket(currentUser(req).userId, req.params.ticketId) }),
  );
  return Promise.resolve();
};
