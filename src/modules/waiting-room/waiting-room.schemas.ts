import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';

export const WaitingRoomParams = Type.Object({ showtimeId: Uuid });
export type WaitingRoomParams = Static<typeof WaitingRoomParams>;

export const WaitingRoomSettingsBody = Type.Object(
  {
    onSaleAt: Type.String({
      format: 'date-time',
      description:
        'When the queue opens: who joined before is shuffled into a random order, later arrivals queue in turn',
    }),
    admitPerMinute: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], {
        description: 'Customers let in per minute (null: no rate, only the cap)',
      }),
    ),
    maxActive: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], {
        description: 'At most this many admitted customers at once (null: no cap, only the rate)',
      }),
    ),
    admissionTtlSeconds: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: 3600,
        description:
          'How long an admission lasts without a hold before the place goes to the next (default 600)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WaitingRoomSettingsBody = Static<typeof WaitingRoomSettingsBody>;

const RoomStats = Type.Object({
  waiting: Type.Integer({ description: 'In the queue after the opening' }),
  preQueue: Type.Integer({ description: 'Joined before the on-sale time, not shuffled yet' }),
  active: Type.Integer({ description: 'Admitted and not finished, left or expired' }),
  idle: Type.Integer({ description: 'Admitted without a hold or purchase since' }),
  admittedPerMinute: Type.Union([Type.Number(), Type.Null()], {
    description: 'Measured over the last 5 minutes (null before the opening)',
  }),
  seatsFree: Type.Integer({ description: 'Seats of the showtime free now' }),
  seatsHeld: Type.Integer({ description: 'Seats held now (bought or freed again when the hold ends)' }),
});

export const AdminWaitingRoom = Type.Object({
  showtimeId: Uuid,
  onSaleAt: IsoDateTime,
  admitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  maxActive: Type.Union([Type.Integer(), Type.Null()]),
  admissionTtlSeconds: Type.Integer(),
  openedAt: Type.Union([IsoDateTime, Type.Null()]),
  stats: RoomStats,
});
export type AdminWaitingRoom = Static<typeof AdminWaitingRoom>;
export const AdminWaitingRoomResponse = Type.Object({ waitingRoom: AdminWaitingRoom });

export const PublicWaitingRoom = Type.Object({
  waitingRoom: Type.Union([
    Type.Object({
      onSaleAt: IsoDateTime,
      opened: Type.Boolean(),
      waiting: Type.Integer({ description: 'People in the queue (pre-queue included)' }),
    }),
    Type.Null(),
  ]),
});
export type PublicWaitingRoom = Static<typeof PublicWaitingRoom>;

export const QueueStatus = Type.Object({
  showtimeId: Uuid,
  status: Type.Union(
    [
      Type.Literal('waiting'),
      Type.Literal('admitted'),
      Type.Literal('done'),
      Type.Literal('left'),
      Type.Literal('expired'),
    ],
    {
      description:
        'waiting; admitted (hold with the admission token); done (bought); left; expired (the admission ended unused)',
    },
  ),
  onSaleAt: IsoDateTime,
  opened: Type.Boolean({
    description: 'False: the pre-queue; places are drawn at random at the on-sale time',
  }),
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'Place in line while waiting after the opening (1: next); null otherwise',
  }),
  ahead: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  estimatedWaitSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description:
      'Seconds until this place is let in (null when not waiting with a place): places the cap has free go at the admission rate, the rest at the pace places come free (see estimateBasis)',
  }),
  estimateBasis: Type.Union(
    [
      Type.Literal('rate'),
      Type.Literal('measured'),
      Type.Literal('history'),
      Type.Literal('bound'),
      Type.Null(),
    ],
    {
      description:
        'What the estimate rests on: rate (a free place, at the admission rate); measured (the pace places came free over the last 20 s); history (the typical admission of earlier on-sales, before this one is measured); bound (nothing known yet: the slowest the admission window allows, so the real wait is likely shorter)',
    },
  ),
  seatsLeft: Type.Integer({ minimum: 0, description: 'Seats of the showtime free right now' }),
  likelySoldOut: Type.Boolean({
    description:
      'While waiting: the people ahead (and the admitted who have not chosen yet) likely take every seat left before this turn',
  }),
  admitRatePerMinute: Type.Union([Type.Number(), Type.Null()]),
  admission: Type.Union([Type.Object({ token: Type.String(), expiresAt: IsoDateTime }), Type.Null()], {
    description: 'While admitted: send the token as admissionToken with POST /bookings before expiresAt',
  }),
  serverTime: IsoDateTime,
});
export type QueueStatus = Static<typeof QueueStatus>;
