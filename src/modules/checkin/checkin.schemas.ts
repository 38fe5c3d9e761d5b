import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../../http/schemas.js';
import { SeatTier } from '../catalog/catalog.schemas.js';

export const CheckinBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 200, description: 'The QR code content, as scanned' }) },
  { additionalProperties: false },
);
export type CheckinBody = Static<typeof CheckinBody>;

export const AdmittedTicket = Type.Object({
  id: Uuid,
  bookingId: Uuid,
  bookingReference: Type.String(),
  seat: Type.Object({
    row: Type.String(),
    number: Type.Integer(),
    tier: SeatTier,
  }),
  showtime: Type.Object({
    id: Uuid,
    startsAt: IsoDateTime,
    movieTitle: Type.String(),
    theaterName: Type.String(),
    auditoriumName: Type.String(),
  }),
});
export type AdmittedTicket = Static<typeof AdmittedTicket>;

export const CheckinResponse = Type.Object({ ticket: AdmittedTicket, admittedAt: IsoDateTime });
export type CheckinResponse = Static<typeof CheckinResponse>;
