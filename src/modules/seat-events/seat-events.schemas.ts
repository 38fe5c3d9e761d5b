import { Type } from '@sinclair/typebox';
import { Uuid } from '../../http/schemas.js';

export const SeatStreamParams = Type.Object({ showtimeId: Uuid });

export const SeatStreamQuery = Type.Object(
  {
    access_token: Type.Optional(
      Type.String({
        maxLength: 4096,
        description: 'The bearer token, for EventSource clients that cannot send an Authorization header',
      }),
    ),
  },
  { additionalProperties: false },
);

const SeatStatus = Type.Union([Type.Literal('available'), Type.Literal('held'), Type.Literal('sold')]);

/** The data of both `snapshot` (every seat) and `seats` (only the changed ones) events. */
export const SeatStreamEvent = Type.Object({
  showtimeId: Uuid,
  seats: Type.Array(Type.Object({ id: Uuid, status: SeatStatus })),
});
