import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';

export const NotificationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
]);

export const Notification = Type.Object({
  id: Uuid,
  bookingId: Type.Union([Uuid, Type.Null()], { description: 'The booking the message is about, if any' }),
  bookingReference: Type.Union([Type.String(), Type.Null()]),
  passwordResetId: Type.Union([Uuid, Type.Null()], {
    description: 'The password reset request the message is about, if any',
  }),
  invitationId: Type.Union([Uuid, Type.Null()], {
    description: 'The invitation the message is about, if any',
  }),
  event: Type.Union([
    Type.Literal('booking.confirmed'),
    Type.Literal('booking.refunded'),
    Type.Literal('booking.expired'),
    Type.Literal('payment.refunded'),
    Type.Literal('account.password_reset'),
    Type.Literal('account.invitation'),
  ]),
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  recipient: Type.String(),
  status: NotificationStatus,
  attempts: Type.Integer({ description: 'Delivery attempts started so far' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.String({ description: 'Message-ID header (email) / idempotency key (SMS), fixed per row' }),
  providerId: Type.Union([Type.String(), Type.Null()]),
  sentAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Notification = Static<typeof Notification>;

export const NotificationListQuery = Type.Object(
  {
    status: Type.Optional(NotificationStatus),
    bookingId: Type.Optional(Uuid),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type NotificationListQuery = Static<typeof NotificationListQuery>;

export const NotificationList = Type.Object({
  notifications: Type.Array(Notification),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const NotificationParams = Type.Object({ notificationId: Uuid });
export const NotificationResponse = Type.Object({ notification: Notification });
