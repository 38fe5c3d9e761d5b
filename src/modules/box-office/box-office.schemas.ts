import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';
import { Booking, HoldSeatsBody, Payment, TicketSeatType } from '../bookings/bookings.schemas.js';

// The counter bypasses waiting rooms: no admission token.
const { admissionToken: _admission, ...counterSeats } = HoldSeatsBody.properties;

export const CounterHoldBody = Type.Object(
  {
    ...counterSeats,
    buyer: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(
            Type.String({
              format: 'email',
              maxLength: 254,
              description: 'Tickets and receipt are emailed here',
            }),
          ),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'Hold seats at the counter' },
);
export type CounterHoldBody = Static<typeof CounterHoldBody>;

export const CashBody = Type.Object(
  {
    tenderedCents: Type.Integer({
      minimum: 0,
      maximum: 10_000_000,
      description: 'What the buyer handed over, in cents; at least the total',
    }),
  },
  { additionalProperties: false },
);
export type CashBody = Static<typeof CashBody>;

export const CashResponse = Type.Object({
  booking: Booking,
  payment: Payment,
  changeCents: Type.Integer({ description: 'To hand back: tendered minus the total' }),
});

export const CounterBookingParams = Type.Object({ bookingId: Uuid });

export const PrintableTickets = Type.Object({
  reference: Type.String(),
  movie: Type.Object({ title: Type.String(), rating: Type.String(), runtimeMinutes: Type.Integer() }),
  theater: Type.Object({
    name: Type.String(),
    address: Type.String(),
    city: Type.String(),
    timeZone: Type.String(),
  }),
  auditorium: Type.String(),
  startsAt: IsoDateTime,
  totalCents: Type.Integer(),
  currency: Type.String(),
  paidWith: Type.String({ description: '"cash" or the card brand' }),
  tickets: Type.Array(
    Type.Object({
      id: Uuid,
      row: Type.String(),
      number: Type.Integer(),
      tier: Type.String(),
      seatType: TicketSeatType,
      ticketType: Type.String(),
      priceCents: Type.Integer(),
      code: Type.String({ description: 'The QR code content' }),
      shortCode: Type.String({ description: 'Printed beside the QR, to read out at the door' }),
    }),
  ),
});
export type PrintableTickets = Static<typeof PrintableTickets>;

export const CounterSalesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const CounterSales = Type.Object({
  sales: Type.Array(
    Type.Object({
      bookingId: Uuid,
      reference: Type.String(),
      status: Type.String(),
      movieTitle: Type.String(),
      startsAt: IsoDateTime,
      seats: Type.Integer(),
      totalCents: Type.Integer(),
      currency: Type.String(),
      method: Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Null()]),
      createdAt: IsoDateTime,
    }),
  ),
  shift: Type.Array(
    Type.Object({
      currency: Type.String(),
      cashCents: Type.Integer({ description: 'Cash kept (paid, not refunded) in the last 12 hours' }),
      cardCents: Type.Integer(),
      sales: Type.Integer(),
    }),
    { description: "This clerk's takings over the last 12 hours, per currency" },
  ),
});
export type CounterSales = Static<typeof CounterSales>;
