import { Type } from '@sinclair/typebox';
import { Uuid } from '../../http/schemas.js';

export const SeatStreamParams = Type.Object({ showtimeId: Uuid });

export const SeatStreamQuery = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          'A stream token from POST .../seats/stream-token, for signed-in EventSource clients that cannot ' +
          'send an Authorization header (anonymous viewers send none). Bearer tokens are never accepted in ' +
          'the URL.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const StreamTokenResponse = Type.Object({
  token: Type.String({ description: "Valid only for this showtime's seat stream, as ?token=" }),
  expiresAt: Type.String({ format: 'date-time' }),
});

const SeatStatus = Type.Union([Type.Literal('available'), Type.Literal('held'), Type.Literal('sold')]);

/** The data of both `snapshot` (every seat) and `seats` (only the changed ones) events. */
export const SeatStreamEvent = Type.Object({
  showtimeId: Uuid,
  version: Type.Integer({
    minimum: 0,
    description: "The showtime's seat version after this event (the seat map's `version`)",
  }),
  prevVersion: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        '`seats` events only: the version this change applies to. Equal to `version` when only a hold ' +
        'lapsed. A client at another version missed a change: it refetches the seat map.',
    }),
  ),
  seats: Type.Array(Type.Object({ id: Uuid, status: SeatStatus })),
});
