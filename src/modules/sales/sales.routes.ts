import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import { auditActor } from '../audit/audit-actor.js';
import {
  RefundBody,
  ReleaseBody,
  ReportQuery,
  SalesBookingParams,
  SalesBookingResponse,
  SalesExportQuery,
  SalesReport,
  SalesShowtimeParams,
  SeatBlockBody,
  SeatBlockResponse,
  StaffSeatView,
} from './sales.schemas.js';
import { SalesService } from './sales.service.js';

function sendCsv(reply: FastifyReply, file: { filename: string; content: string }) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'private, no-store')
    .send(file.content);
}

const CsvFile = Type.String({ description: 'text/csv (RFC 4180, a header row, CRLF), as an attachment' });

/** Sales and occupancy, under /api/v1/admin/sales: admins; staff may read a showtime's seats. */
export const salesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const sales = new SalesService(ctx);
  const adminOnly = requireRole('admin');

  app.get(
    '/sales/showtimes/:showtimeId/seats',
    {
      onRequest: requireRole('staff', 'admin'),
      schema: {
        operationId: 'adminSalesSeatView',
        tags: ['admin'],
        summary: "A showtime's seats for staff: status and who holds or bought each",
        description:
          'free, held, sold, admitted (sold and scanned) or blocked; for held and sold seats the booking, its ' +
          "customer (a counter sale's buyer when given), channel and the hold's end. A hold that has ended " +
          "reads as free. `version` is the live seat map's: refetch when the stream moves it.",
        params: SalesShowtimeParams,
        response: { 200: StaffSeatView, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => sales.seatView(req.params.showtimeId),
  );

  app.post(
    '/sales/showtimes/:showtimeId/blocks',
    {
      onRequest: adminOnly,
      schema: {
        operationId: 'adminSalesBlockSeats',
        tags: ['admin'],
        summary: 'Block seats of one showtime (off sale until unblocked)',
        description:
          'All or nothing, through the same row locks as a hold: a block and a hold racing for a seat have one ' +
          'winner. A held or sold seat is 409 SEATS_NOT_BLOCKABLE; a seat already blocked is left as it is. ' +
          'Audited as seat.block.',
        params: SalesShowtimeParams,
        body: SeatBlockBody,
        response: { 200: SeatBlockResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => sales.block(auditActor(req), req.params.showtimeId, req.body.seatIds, req.body.reason),
  );

  app.post(
    '/sales/showtimes/:showtimeId/unblocks',
    {
      onRequest: adminOnly,
      schema: {
        operationId: 'adminSalesUnblockSeats',
        tags: ['admin'],
        summary: 'Put blocked seats of one showtime back on sale',
        description:
          'All or nothing; a held or sold seat is 409 SEATS_NOT_BLOCKED, a free one is left as it is. Audited as ' +
          'seat.unblock.',
        params: SalesShowtimeParams,
        body: SeatBlockBody,
        response: { 200: SeatBlockResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => sales.unblock(auditActor(req), req.params.showtimeId, req.body.seatIds, req.body.reason),
  );

  app.post(
    '/sales/bookings/:bookingId/release',
    {
      onRequest: adminOnly,
      // The reason is optional, so is the body: a bare POST releases too.
      preValidation: async (req) => {
        req.body ??= {};
        return Promise.resolve();
      },
      schema: {
        operationId: 'adminSalesReleaseHold',
        tags: ['admin'],
        summary: 'End a hold now: its seats are free, the booking cancelled',
        description:
          '409 BOOKING_NOT_PENDING for a booking that is not a hold; 409 PAYMENT_IN_PROGRESS while a charge call ' +
          'is running. Audited as booking.release.',
        params: SalesBookingParams,
        body: ReleaseBody,
        response: { 200: SalesBookingResponse, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ({
      booking: await sales.releaseHold(auditActor(req), req.params.bookingId, req.body.reason),
    }),
  );

  app.post(
    '/sales/bookings/:bookingId/refund',
    {
      onRequest: adminOnly,
      schema: {
        operationId: 'adminSalesRefundBooking',
        tags: ['admin'],
        summary: 'Refund a paid booking, with a reason',
        description:
          "The customer's refund path (card through the gateway, cash at once; seats back on sale; the customer " +
          'is emailed), also after the showtime started or a ticket was scanned. 409 BOOKING_NOT_CONFIRMED for ' +
          'a booking that is not paid (or is refunded already); 503 REFUND_PENDING when the gateway did not ' +
          'answer (the refund is committed and finished by the sweep). Audited as booking.refund with the reason.',
        params: SalesBookingParams,
        body: RefundBody,
        response: { 200: SalesBookingResponse, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req) => ({ booking: await sales.refund(auditActor(req), req.params.bookingId, req.body.reason) }),
  );

  app.get(
    '/sales/report',
    {
      onRequest: adminOnly,
      schema: {
        operationId: 'adminSalesReport',
        tags: ['admin'],
        summary: 'Occupancy and revenue by showtime, day, movie or theater',
        description:
          "Showtimes whose local date (the theater's time zone) is within from..to (both included, at most 366 " +
          'days), grouped by groupBy (default day), one row per group and currency, and totals per currency.',
        querystring: ReportQuery,
        response: { 200: SalesReport, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => sales.report(req.query),
  );

  app.get(
    '/sales/report.csv',
    {
      onRequest: adminOnly,
      schema: {
        operationId: 'adminSalesReportCsv',
        tags: ['admin'],
        summary: 'The report as CSV: one row per group, then the totals per currency',
        querystring: ReportQuery,
        produces: ['text/csv'],
        response: { 200: CsvFile, ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) => sendCsv(reply, await sales.reportCsv(req.query)),
  );

  app.get(
    '/sales/bookings.csv',
    {
      onRequest: adminOnly,
      schema: {
        operationId: 'adminSalesBookingsCsv',
        tags: ['admin'],
        summary: 'The sales of a date range as CSV, one row per paid booking',
        description:
          'Every booking that was paid (confirmed, or refunded since) for a showtime whose local date is within ' +
          'from..to: booking id, reference, showtime, movie, theater, auditorium, seats, channel, payment method, ' +
          'amount, currency, status, paid at and refunded at (UTC).',
        querystring: SalesExportQuery,
        produces: ['text/csv'],
        response: { 200: CsvFile, ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) => sendCsv(reply, await sales.salesCsv(req.query)),
  );
  return Promise.resolve();
};
