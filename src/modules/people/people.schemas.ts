import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';
import { AuthResponse, Email, NewPassword } from '../accounts/accounts.schemas.js';
import { INVITATION_TOKEN_PATTERN } from './invitation-token.js';

export const OperatorRole = Type.Union([Type.Literal('staff'), Type.Literal('admin')]);
export type OperatorRole = Static<typeof OperatorRole>;

const TheaterIds = Type.Array(Uuid, {
  minItems: 1,
  maxItems: 200,
  uniqueItems: true,
  description: 'Staff only (at least one): the theaters they may check in and sell at',
});

export const TheaterRef = Type.Object({ id: Uuid, name: Type.String() });

export const Person = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: OperatorRole,
  theaters: Type.Union([Type.Array(TheaterRef), Type.Null()], {
    description:
      'The theaters a staff member works at; null: every theater (admins, and staff from before 0019)',
  }),
  createdAt: IsoDateTime,
});
export type Person = Static<typeof Person>;

export const PeopleList = Type.Object({ people: Type.Array(Person) });

export const PersonParams = Type.Object({ userId: Uuid });

export const AccessChangeBody = Type.Object(
  {
    role: Type.Union([Type.Literal('customer'), Type.Literal('staff'), Type.Literal('admin')], {
      description: 'customer revokes operator access',
    }),
    theaterIds: Type.Optional(TheaterIds),
  },
  { additionalProperties: false },
);
export type AccessChangeBody = Static<typeof AccessChangeBody>;

export const InvitationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('expired'),
  Type.Literal('accepted'),
  Type.Literal('revoked'),
]);

export const Invitation = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: OperatorRole,
  theaters: Type.Array(TheaterRef),
  status: InvitationStatus,
  invitedBy: Type.Union([Type.String(), Type.Null()], { description: 'Email of the admin who invited' }),
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
});
export type Invitation = Static<typeof Invitation>;

export const InviteBody = Type.Object(
  { email: Email, role: OperatorRole, theaterIds: Type.Optional(TheaterIds) },
  { additionalProperties: false },
);
export type InviteBody = Static<typeof InviteBody>;

export const InvitationList = Type.Object({ invitations: Type.Array(Invitation) });
export const InvitationParams = Type.Object({ invitationId: Uuid });

const InvitationTokenField = Type.String({
  pattern: INVITATION_TOKEN_PATTERN,
  description: 'The token from the emailed link (after #token=)',
});

export const InvitationTokenBody = Type.Object(
  { token: InvitationTokenField },
  { additionalProperties: false },
);
export type InvitationTokenBody = Static<typeof InvitationTokenBody>;

export const InvitationPreview = Type.Object({
  email: Type.String(),
  role: OperatorRole,
  theaters: Type.Array(TheaterRef),
  expiresAt: IsoDateTime,
  accountExists: Type.Boolean({
    description: 'true: sign in with this email to accept; false: create the account',
  }),
});
export type InvitationPreview = Static<typeof InvitationPreview>;

export const AcceptInvitationBody = Type.Object(
  {
    token: InvitationTokenField,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    password: Type.Optional(NewPassword),
  },
  { additionalProperties: false },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;

export const AcceptInvitationResponse = AuthResponse;

export const WebConfig = Type.Object({
  map: Type.Union(
    [
      Type.Object({
        tileUrl: Type.String({ description: 'Leaflet tile URL template ({z}/{x}/{y})' }),
        attribution: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ],
    { description: 'null: no tile server configured (MAP_TILE_URL); forms show latitude/longitude only' },
  ),
});
