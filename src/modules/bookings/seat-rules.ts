import { sql, type RawBuilder } from 'kysely';

/**
 * "Is this seat free?", written once: the claim statement, the seat map, the showtime listings and the live
 * seat stream all ask this. A seat is free when it is available or held by a booking whose hold has ended
 * (bookings.expires_at, the one owner of a hold's expiry, against the database's now()), so nothing waits for
 * the expiry sweep. `alias` names a seat_inventory row in the surrounding query.
 *
 * Written as "its booking is visibly over", never "no live booking is visible": after waiting for a seat's
 * row lock, a claim re-checks the new row version but its subqueries still read the statement's snapshot, in
 * which a booking created by the transaction it waited for does not exist yet. That booking must count as live.
 */
export function seatIsFree(alias: string): RawBuilder<boolean> {
  const a = sql.ref(alias);
  return sql<boolean>`(${a}.status = 'available' OR (${a}.status = 'held' AND EXISTS (
    SELECT 1 FROM bookings hb WHERE hb.id = ${sql.ref(`${alias}.booking_id`)} AND hb.expires_at <= now())))`;
}
