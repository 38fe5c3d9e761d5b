import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';

export const SalesShowtimeParams = Type.Object({ showtimeId: Uuid });
export const SalesBookingParams = Type.Object({ bookingId: Uuid });

/** What staff see of a seat: `admitted` is sold and scanned at the door; `blocked` is off sale for this showtime. */
export const StaffSeatStatus = Type.Union([
  Type.Literal('free'),
  Type.Literal('held'),
  Type.Literal('sold'),
  Type.Literal('admitted'),
  Type.Literal('blocked'),
]);
export type StaffSeatStatus = Static<typeof StaffSeatStatus>;

export const Channel = Type.Union([Type.Literal('online'), Type.Literal('box_office')]);

export const StaffSeatBooking = Type.Object({
  id: Uuid,
  reference: Type.String(),
  status: Type.String({ description: 'pending (a hold) or confirmed' }),
  channel: Channel,
  customerEmail: Type.String({
    description: "The buyer's email for a counter sale that has one, else the account's",
  }),
  customerName: Type.String(),
  heldUntil: Type.Union([IsoDateTime, Type.Null()], { description: 'The end of a hold; null once paid' }),
  totalCents: Type.Integer(),
  currency: Type.String(),
});

export const StaffSeat = Type.Object({
  id: Uuid,
  row: Type.String(),
  number: Type.Integer(),
  tier: Type.String(),
  status: StaffSeatStatus,
  admittedAt: Type.Union([IsoDateTime, Type.Null()]),
  booking: Type.Union([StaffSeatBooking, Type.Null()]),
});
export type StaffSeat = Static<typeof StaffSeat>;

export const SeatCounts = Type.Object({
  total: Type.Integer(),
  free: Type.Integer(),
  held: Type.Integer(),
  sold: Type.Integer({ description: 'Sold, admitted included' }),
  admitted: Type.Integer(),
  blocked: Type.Integer(),
});

export const StaffSeatView = Type.Object({
  showtime: Type.Object({
    id: Uuid,
    startsAt: IsoDateTime,
    movieTitle: Type.String(),
    theaterId: Uuid,
    theaterName: Type.String(),
    auditoriumName: Type.String(),
    timeZone: Type.String(),
    currency: Type.String(),
    started: Type.Boolean(),
  }),
  version: Type.Integer({ description: "The showtime's seat version, as the live seat map's" }),
  counts: SeatCounts,
  seats: Type.Array(StaffSeat),
});
export type StaffSeatView = Static<typeof StaffSeatView>;

const Reason = Type.String({
  minLength: 1,
  maxLength: 500,
  pattern: '\\S',
  description: 'Kept in the audit log',
});

export const SeatBlockBody = Type.Object(
  {
    seatIds: Type.Array(Uuid, { minItems: 1, maxItems: 200, uniqueItems: true }),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
export type SeatBlockBody = Static<typeof SeatBlockBody>;

export const SeatBlockResponse = Type.Object({
  changed: Type.Array(Uuid, {
    description: 'Seats whose status this call changed (the others already were so)',
  }),
  view: StaffSeatView,
});

export const ReleaseBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export const RefundBody = Type.Object({ reason: Reason }, { additionalProperties: false });

export const SalesBooking = Type.Object({
  id: Uuid,
  reference: Type.String(),
  status: Type.String(),
  channel: Channel,
  showtimeId: Uuid,
  totalCents: Type.Integer(),
  currency: Type.String(),
  paidAt: Type.Union([IsoDateTime, Type.Null()]),
  closedAt: Type.Union([IsoDateTime, Type.Null()]),
  payments: Type.Array(
    Type.Object({
      method: Type.String(),
      status: Type.String(),
      amountCents: Type.Integer(),
      refundReason: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export const SalesBookingResponse = Type.Object({ booking: SalesBooking });
export type SalesBooking = Static<typeof SalesBooking>;

const LocalDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: "YYYY-MM-DD, the theater's local date",
});
export const ReportGrouping = Type.Union([
  Type.Literal('showtime'),
  Type.Literal('day'),
  Type.Literal('movie'),
  Type.Literal('theater'),
]);
export type ReportGrouping = Static<typeof ReportGrouping>;

export const ReportQuery = Type.Object(
  {
    from: LocalDate,
    to: LocalDate,
    groupBy: Type.Optional(ReportGrouping),
    theaterId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

export const SalesExportQuery = Type.Object(
  { from: LocalDate, to: LocalDate, theaterId: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export type SalesExportQuery = Static<typeof SalesExportQuery>;

export const ReportRow = Type.Object({
  key: Type.String({ description: 'Showtime id, local date, movie id or theater id' }),
  label: Type.String(),
  currency: Type.String(),
  showtimes: Type.Integer(),
  capacity: Type.Integer({ description: 'Seats on sale: every seat but the blocked ones' }),
  sold: Type.Integer(),
  admitted: Type.Integer(),
  blocked: Type.Integer(),
  occupancy: Type.Number({ description: 'sold / capacity, 0 to 1' }),
  bookings: Type.Integer({ description: 'Paid bookings not refunded' }),
  revenueCents: Type.Integer({ description: 'Paid bookings not refunded: tickets, fees and tax' }),
  onlineCents: Type.Integer(),
  boxOfficeCents: Type.Integer(),
  refunds: Type.Integer(),
  refundedCents: Type.Integer(),
  cancellations: Type.Integer({ description: 'Holds cancelled by the customer or released by an operator' }),
  expired: Type.Integer({ description: 'Holds that ran out unpaid' }),
});
export type ReportRow = Static<typeof ReportRow>;

export const SalesReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  groupBy: ReportGrouping,
  rows: Type.Array(ReportRow),
  totals: Type.Array(ReportRow, { description: 'One row per currency' }),
});
export type SalesReport = Static<typeof SalesReport>;
