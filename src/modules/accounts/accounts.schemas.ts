import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../../http/schemas.js';

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

export const SignupBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 8, maxLength: 200 }),
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
