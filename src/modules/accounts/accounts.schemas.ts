import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../../http/schemas.js';
import { RESET_TOKEN_PATTERN } from './password-reset.js';

export const Email = Type.String({ format: 'email', maxLength: 254 });
/** As people type it; the service parses it (libphonenumber-js) and stores E.164, or answers 400 INVALID_PHONE. */
export const PhoneInput = Type.String({
  minLength: 1,
  maxLength: 40,
  description:
    'As typed: international (+1 212 555 0123, +44 20 7946 0018) or national (212-555-0123) in phoneCountry. ' +
    'Stored and returned in E.164 (+12125550123); 400 INVALID_PHONE when it is not a valid number.',
});
export const PhoneCountry = Type.String({
  pattern: '^[A-Za-z]{2}$',
  description: "ISO 3166-1 alpha-2 country a national phone number is read in (the browser's); default US",
});

/** The one rule for a new password: sign-up, a change and a reset all use it. */
export const NewPassword = Type.String({
  minLength: 8,
  maxLength: 200,
  description: 'At least 8 characters',
});

export const SignupBody = Type.Object(
  {
    email: Email,
    password: NewPassword,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    phone: Type.Optional(PhoneInput),
    phoneCountry: Type.Optional(PhoneCountry),
  },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const User = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal('customer'), Type.Literal('staff'), Type.Literal('admin')]),
});
export type User = Static<typeof User>;

export const AuthResponse = Type.Object({ token: Type.String(), user: User });
export type AuthResponse = Static<typeof AuthResponse>;

export const RoleSchema = Type.Union([
  Type.Literal('customer'),
  Type.Literal('staff'),
  Type.Literal('admin'),
]);

export const UserParams = Type.Object({ userId: Uuid });

export const RoleChangeBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
export type RoleChangeBody = Static<typeof RoleChangeBody>;

export const ProfileBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    phone: Type.Optional(
      Type.Union([PhoneInput, Type.Literal(''), Type.Null()], {
        description: 'As typed (see sign-up); null or "" removes it (no more text messages)',
      }),
    ),
    phoneCountry: Type.Optional(PhoneCountry),
  },
  { additionalProperties: false },
);
export type ProfileBody = Static<typeof ProfileBody>;

export const PasswordChangeBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: NewPassword },
  { additionalProperties: false },
);
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const PasswordResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
export type PasswordResetRequestBody = Static<typeof PasswordResetRequestBody>;

export const PasswordResetRequested = Type.Object({
  message: Type.String({
    description: 'The same whether or not an account has this email (no account enumeration)',
  }),
});

export const PasswordResetBody = Type.Object(
  {
    token: Type.String({
      pattern: RESET_TOKEN_PATTERN,
      description: 'The token from the emailed link (after #token=)',
    }),
    password: NewPassword,
  },
  { additionalProperties: false },
);
export type PasswordResetBody = Static<typeof PasswordResetBody>;
