import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';
import { BookingStatus, TicketSeatType } from '../bookings/bookings.schemas.js';
import { SeatTier } from '../catalog/catalog.schemas.js';

export const CheckinBody = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'The QR code content as scanned, or the short code printed beside it (ABCDE-FGHJK) as typed',
    }),
  },
  { additionalProperties: false },
);
export type CheckinBody = Static<typeof CheckinBody>;

const TimeZone = Type.String({
  description: "The theater's IANA time zone: show every time at the door in it",
});

const DoorShowtime = Type.Object({
  id: Uuid,
  startsAt: IsoDateTime,
  movieTitle: Type.String(),
  theaterName: Type.String(),
  auditoriumName: Type.String(),
  timeZone: TimeZone,
});

export const AdmittedTicket = Type.Object({
  id: Uuid,
  bookingId: Uuid,
  bookingReference: Type.String(),
  shortCode: Type.String({ description: 'The code printed beside the QR, for people to read out' }),
  seat: Type.Object({
    row: Type.String(),
    number: Type.Integer(),
    tier: SeatTier,
    seatType: TicketSeatType,
  }),
  showtime: DoorShowtime,
});
export type AdmittedTicket = Static<typeof AdmittedTicket>;

export const CheckinResponse = Type.Object({ ticket: AdmittedTicket, admittedAt: IsoDateTime });
export type CheckinResponse = Static<typeof CheckinResponse>;

export const ReferenceParams = Type.Object({
  reference: Type.String({
    minLength: 1,
    maxLength: 40,
    description: 'The booking reference as read out (case, spaces and dashes do not matter)',
  }),
});
export const DoorTicketParams = Type.Object({ ticketId: Uuid });

export const DoorBooking = Type.Object({
  booking: Type.Object({
    id: Uuid,
    reference: Type.String(),
    status: BookingStatus,
    customerName: Type.Union([Type.String(), Type.Null()]),
    showtime: Type.Union([
      Type.Composite([DoorShowtime, Type.Object({ doorsOpenAt: IsoDateTime, endsAt: IsoDateTime })]),
      Type.Null(),
    ]),
    door: Type.Union([
      Type.Object({
        open: Type.Boolean(),
        reason: Type.Union([
          Type.Literal('another_day'),
          Type.Literal('too_early'),
          Type.Literal('ended'),
          Type.Null(),
        ]),
        message: Type.String({ description: "In words, in the theater's local time" }),
      }),
      Type.Null(),
    ]),
    tickets: Type.Array(
      Type.Object({
        id: Uuid,
        seat: Type.Object({
          row: Type.String(),
          number: Type.Integer(),
          tier: SeatTier,
          seatType: TicketSeatType,
        }),
        shortCode: Type.String(),
        admittable: Type.Boolean({ description: 'Sold, its booking confirmed and not admitted yet' }),
        admittedAt: Type.Union([IsoDateTime, Type.Null()]),
      }),
    ),
  }),
});
export type DoorBooking = Static<typeof DoorBooking>;
