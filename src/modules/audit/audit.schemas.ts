import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const AuditEntry = Type.Object({
  id: Uuid,
  at: IsoDateTime,
  actor: Type.Object({
    id: Type.Union([Uuid, Type.Null()], { description: 'null once the account is deleted' }),
    email: Type.String({ description: 'The email of the account when it acted' }),
  }),
  action: Type.String({ description: 'subject.verb, e.g. theater.update, booking.refund' }),
  subjectType: Type.String(),
  subjectId: Type.String(),
  theaterId: Type.Union([Uuid, Type.Null()]),
  before: Type.Unknown({ description: 'The subject before the action (null when it was created)' }),
  after: Type.Unknown({ description: 'The subject after the action (null when it was deleted)' }),
  reason: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object({
  theaterId: Type.Optional(Uuid),
  subjectType: Type.Optional(Type.String({ pattern: '^[a-z_]+$', maxLength: 40 })),
  subjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  actorId: Type.Optional(Uuid),
  action: Type.Optional(Type.String({ pattern: '^[a-z_]+\\.[a-z_]+$', maxLength: 80 })),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of a previous page' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditListResponse = Type.Object({
  entries: Type.Array(AuditEntry),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type AuditListResponse = Static<typeof AuditListResponse>;
