import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../../http/schemas.js';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Phone = Type.String({
  pattern: '^\\+[1-9][0-9]{6,14}$',
  description: 'E.164, e.g. +12125550123',
});

export const SignupBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 8, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    phone: Type.Optional(Phone),
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
