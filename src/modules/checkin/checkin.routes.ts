import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireRole } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import {
  CheckinBody,
  CheckinResponse,
  DoorBooking,
  DoorTicketParams,
  ReferenceParams,
} from './checkin.schemas.js';
import { CheckinService } from './checkin.service.js';

const REFUSALS =
  '403 THEATER_NOT_ALLOWED when the ticket is for a theater the staff member does not work at; ' +
  '409 ALREADY_CHECKED_IN carries the first admission time; 409 TICKET_NOT_VALID for refunded/cancelled bookings; ' +
  '409 WRONG_SHOWTIME outside doors-open (2 h before) to the end of the showtime. Messages give times in the ' +
  "theater's local time, in words; details carry the ISO instants and the theater's timeZone.";

export const checkinRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const checkin = new CheckinService(ctx);
  // Door staff only; checked before validation so others learn nothing but 401/403.
  app.addHook('onRequest', requireRole('staff', 'admin'));

  app.post(
    '/checkin',
    {
      schema: {
        operationId: 'checkInTicket',
        tags: ['checkin'],
        summary: 'Admit a ticket at the door (once), by its QR code or its short code',
        description: `Body: the scanned QR code, or the short code printed beside it. ${REFUSALS} 404 TICKET_NOT_FOUND for unknown or forged codes; 400 INVALID_CODE for anything that is not a ticket code.`,
        body: CheckinBody,
        response: { 200: CheckinResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => checkin.checkIn(currentUser(req), req.body.code),
  );

  app.get(
    '/checkin/bookings/:reference',
    {
      schema: {
        operationId: 'lookUpBookingAtDoor',
        tags: ['checkin'],
        summary: 'Look a booking up by the reference its customer reads out',
        description:
          "Its showtime, whether the doors are open for it (in words, in the theater's local time) and its " +
          'tickets with their short codes and admission times. 404 BOOKING_NOT_FOUND; 403 THEATER_NOT_ALLOWED ' +
          "for another theater's booking.",
        params: ReferenceParams,
        response: { 200: DoorBooking, ...errors(401, 403, 404, 429) },
      },
    },
    async (req) => checkin.lookUpBooking(currentUser(req), req.params.reference),
  );

  app.post(
    '/checkin/tickets/:ticketId',
    {
      schema: {
        operationId: 'checkInTicketById',
        tags: ['checkin'],
        summary: 'Admit one ticket of a booking looked up by its reference',
        description: `${REFUSALS} 404 TICKET_NOT_FOUND.`,
        params: DoorTicketParams,
        response: { 200: CheckinResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => checkin.checkInTicket(currentUser(req), req.params.ticketId),
  );
  return Promise.resolve();
};
