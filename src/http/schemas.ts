import { Type, type TSchema } from '@sinclair/typebox';

/** Shared schema pieces. Every route declares its request and response with these and TypeBox. */
export const Uuid = Type.String({ format: 'uuid' });
export const IsoDateTime = Type.String({ format: 'date-time' });
export const Cents = Type.Integer({ minimum: 0, maximum: 1_000_000 });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
  },
  { $id: 'ErrorResponse' },
);

/** Error responses a route documents; the error handler produces them. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}

export const IdParams = Type.Object({ id: Uuid });
