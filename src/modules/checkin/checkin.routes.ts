import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { currentUser, requireRole } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import { CheckinBody, CheckinResponse } from './checkin.schemas.js';
import { CheckinService } from './checkin.service.js';

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
        summary: 'Admit a ticket at the door (once)',
        description:
          'Body: the scanned QR code. 409 ALREADY_CHECKED_IN carries the first admission time; 409 TICKET_NOT_VALID for refunded/cancelled bookings; 409 WRONG_SHOWTIME outside doors-open (2 h before) to the end of the showtime; 404 TICKET_NOT_FOUND for unknown or forged codes; 400 INVALID_CODE for anything that is not a ticket code.',
        body: CheckinBody,
        response: { 200: CheckinResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => checkin.checkIn(currentUser(req).userId, req.body.code),
  );
  return Promise.resolve();
};
