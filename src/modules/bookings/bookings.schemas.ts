import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';
import { SeatTier, TicketType } from '../catalog/catalog.schemas.js';

export const Tier = SeatTier;
export const BookingStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('confirmed'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
  Type.Literal('refunded'),
]);

export const MAX_SEATS_PER_HOLD = 10;

const TicketCount = Type.Integer({ minimum: 0, maximum: MAX_SEATS_PER_HOLD });
export const TicketTypeCounts = Type.Object(
  {
    adult: Type.Optional(TicketCount),
    child: Type.Optional(TicketCount),
    senior: Type.Optional(TicketCount),
    student: Type.Optional(TicketCount),
  },
  {
    additionalProperties: false,
    description:
      'How many tickets of each type, adding up to the number of seats; absent: every ticket adult. Types are given ' +
      'to the seats in seat order (front row first, left to right), in the order adult, child, senior, student.',
  },
);
export type TicketTypeCounts = Static<typeof TicketTypeCounts>;

/** High-demand showtimes only (docs/api.md, waiting room): the token the queue gave this account. */
const AdmissionToken = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'The admission token from the waiting room (GET /showtimes/:id/queue), for high-demand showtimes',
});

export const HoldSeatsBody = Type.Object(
  {
    showtimeId: Uuid,
    seatIds: Type.Array(Uuid, { minItems: 1, maxItems: MAX_SEATS_PER_HOLD, uniqueItems: true }),
    ticketTypes: Type.Optional(TicketTypeCounts),
    admissionToken: Type.Optional(AdmissionToken),
  },
  { additionalProperties: false, title: 'Hold these seats' },
);
export type HoldSeatsBody = Static<typeof HoldSeatsBody>;

export const HoldBestBody = Type.Object(
  {
    showtimeId: Uuid,
    count: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_HOLD, description: 'How many seats together' }),
    tier: Type.Optional(Tier),
    ticketTypes: Type.Optional(TicketTypeCounts),
    admissionToken: Type.Optional(AdmissionToken),
  },
  {
    additionalProperties: false,
    title: 'Hold the best seats available',
    description:
      'Without a tier: the best value (the cheapest seats that fit, never accessible spaces). See docs/api.md, best available.',
  },
);
export type HoldBestBody = Static<typeof HoldBestBody>;

/** Either the seats by id, or a count (and optionally a tier) for the best seats available: never both. */
export const HoldBody = Type.Union([HoldSeatsBody, HoldBestBody]);
export type HoldBody = Static<typeof HoldBody>;

export const Seating = Type.Object({
  kind: Type.Union([Type.Literal('block'), Type.Literal('split')], {
    description: 'block: together in one row; split: two groups in adjacent rows (no block was left)',
  }),
  leavesSingle: Type.Boolean({
    description: 'Taking these seats left a single empty seat (only when no other choice was left)',
  }),
  rows: Type.Array(Type.String()),
  message: Type.String(),
});
export type Seating = Static<typeof Seating>;

export const Proposal = Type.Object({
  seatIds: Type.Array(Uuid),
  totalCents: Type.Integer(),
  seating: Seating,
});
export type Proposal = Static<typeof Proposal>;

export const BestSeatsParams = Type.Object({ showtimeId: Uuid });
export const BestSeatsQuery = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_HOLD }),
    tier: Type.Optional(Tier),
    skip: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 0,
      description: 'Proposals to skip: 0 is the best, 1 the next one ("next proposal"), ...',
    }),
  },
  { additionalProperties: false },
);
export const BestSeatsResponse = Type.Object({
  proposal: Type.Union([Proposal, Type.Null()], {
    description: 'null when skip is past the last proposal (start again at 0)',
  }),
  index: Type.Integer({ description: 'Which proposal this is (skip, or the last one when fewer are left)' }),
  available: Type.Integer({
    description: 'How many different proposals there are now (at most 20): a client can wrap around',
  }),
});
export type BestSeatsResponse = Static<typeof BestSeatsResponse>;

/** A ticket's seat type by name, next to its tier in bookings, tickets and check-in answers. */
export const TicketSeatType = Type.Union([Type.String(), Type.Null()], {
  description:
    'The theater\'s own type of this seat ("Recliner", "D-BOX"), by its current name: show it instead of the ' +
    'tier, as the seat map does. null: a plain seat of its tier (or a type deleted after the showtime)',
});

export const Ticket = Type.Object({
  id: Uuid,
  seatId: Uuid,
  row: Type.String(),
  number: Type.Integer(),
  tier: Tier,
  // Optional only because answers stored for Idempotency-Key replay before seat types existed lack it.
  seatType: Type.Optional(TicketSeatType),
  // Optional only because answers stored for Idempotency-Key replay before ticket types existed lack it.
  ticketType: Type.Optional(TicketType),
  priceCents: Type.Integer({ description: "This ticket's price for its tier and type, as held" }),
  status: Type.Union([Type.Literal('held'), Type.Literal('sold'), Type.Literal('void')]),
  admittedAt: Type.Union([IsoDateTime, Type.Null()], { description: 'When it was used at the door' }),
});
export type Ticket = Static<typeof Ticket>;

export const PriceBreakdown = Type.Object(
  {
    byType: Type.Array(
      Type.Object({ ticketType: TicketType, count: Type.Integer(), subtotalCents: Type.Integer() }),
      { description: 'The tickets by type, adult, child, senior, student; only the types held' },
    ),
    ticketsCents: Type.Integer({ description: "The tickets' prices added up" }),
    bookingFeeCents: Type.Integer({
      description: "The booking fee for all tickets (the theater's per-ticket fee x tickets)",
    }),
    taxRatePpm: Type.Integer({ description: 'Parts per million: 88750 = 8.875%' }),
    taxCents: Type.Integer({
      description: 'On tickets + booking fee, integer cents rounded half up, once per booking',
    }),
    totalCents: Type.Integer(),
  },
  { description: 'The price as stored when the seats were held; later price changes never alter it' },
);
export type PriceBreakdown = Static<typeof PriceBreakdown>;

export const Payment = Type.Object({
  id: Uuid,
  status: Type.Union(
    [
      Type.Literal('pending'),
      Type.Literal('succeeded'),
      Type.Literal('declined'),
      Type.Literal('failed'),
      Type.Literal('refund_pending'),
      Type.Literal('refunded'),
    ],
    {
      description:
        'pending: being processed, or the gateway has not told us yet (settled by key, never charged twice); ' +
        'refund_pending: charged, and being given back (a refund, or a charge the booking could not use).',
    },
  ),
  refundReason: Type.Union([
    Type.Literal('customer'),
    Type.Literal('duplicate_charge'),
    Type.Literal('hold_ended'),
    Type.Literal('operator'),
    Type.Null(),
  ]),
  method: Type.Union([Type.Literal('card'), Type.Literal('cash')], {
    description: 'cash: taken at the box office (brand "cash", no card digits)',
  }),
  amountCents: Type.Integer(),
  currency: Type.String(),
  brand: Type.String(),
  last4: Type.String(),
  declineReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDateTime,
});
export type Payment = Static<typeof Payment>;

export const Booking = Type.Object({
  id: Uuid,
  reference: Type.String({ description: 'Short code to quote at the box office' }),
  status: BookingStatus,
  channel: Type.Union([Type.Literal('online'), Type.Literal('box_office')], {
    description: 'box_office: sold at the counter by the clerk whose account holds it',
  }),
  buyer: Type.Union([
    Type.Object({
      email: Type.Union([Type.String(), Type.Null()]),
      name: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  showtimeId: Uuid,
  expiresAt: IsoDateTime,
  maxExpiresAt: Type.String({
    format: 'date-time',
    description: "The hold's hard deadline: payments must finish before it, whatever their grace",
  }),
  createdAt: IsoDateTime,
  confirmedAt: Type.Union([IsoDateTime, Type.Null()]),
  // Optional only because answers stored for Idempotency-Key replay before these fields existed lack them.
  extendedAt: Type.Optional(
    Type.Union([IsoDateTime, Type.Null()], {
      description: 'When the customer asked for more time (once per hold)',
    }),
  ),
  extensionSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'What POST /bookings/{id}/extend would add now: HOLD_EXTENSION_SECONDS, less if the hard deadline is nearer; 0 once extended or when not pending',
    }),
  ),
  tickets: Type.Array(Ticket),
  totalCents: Type.Integer({
    description: 'Tickets + booking fee + tax, as stored by the hold: what payment charges',
  }),
  currency: Type.String(),
  // Optional only because answers stored for Idempotency-Key replay before it existed lack it.
  breakdown: Type.Optional(PriceBreakdown),
  payments: Type.Array(Payment),
});
export type Booking = Static<typeof Booking>;

export const BookingResponse = Type.Object({ booking: Booking });
export const HoldResponse = Type.Object({
  booking: Booking,
  seating: Type.Optional(Seating),
});
export const PaymentResponse = Type.Object({ booking: Booking, payment: Payment });

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const BookingList = Type.Object({
  bookings: Type.Array(Booking),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const BookingParams = Type.Object({ bookingId: Uuid });
export const TicketParams = Type.Object({ ticketId: Uuid });

export const CardBody = Type.Object(
  {
    card: Type.Object(
      {
        number: Type.String({ minLength: 12, maxLength: 23, pattern: '^[0-9 -]+$' }),
        expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
        expYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
        cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CardBody = Static<typeof CardBody>;

export const TicketResponse = Type.Object({
  ticket: Type.Object({
    id: Uuid,
    bookingId: Uuid,
    bookingReference: Type.String(),
    showtimeId: Uuid,
    seat: Type.Object({
      id: Uuid,
      row: Type.String(),
      number: Type.Integer(),
      tier: Tier,
      seatType: TicketSeatType,
    }),
    status: BookingStatus,
    code: Type.Optional(
      Type.String({ description: 'Present once confirmed: the QR code content to show at the door' }),
    ),
    shortCode: Type.Optional(
      Type.String({ description: 'Present once confirmed: the code printed beside the QR, to read out' }),
    ),
    admittedAt: Type.Union([IsoDateTime, Type.Null()], { description: 'When it was used at the door' }),
  }),
});
