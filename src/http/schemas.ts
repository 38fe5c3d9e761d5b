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

/**
 * The OpenAPI `security` of a route anyone may call: a bearer token is optional (a signed-in caller is counted
 * under its own rate limit; a token that is not valid is ignored, never refused).
 */
export const PUBLIC_ROUTE: Record<string, string[]>[] = [{}, { bearerAuth: [] }];

export const IdParams = Type.Object({ id: Uuid });
