import { sql, type RawBuilder } from 'kysely';
import type { TicketType } from '../../db/schema.js';
import { TICKET_TYPE_ORDER } from '../bookings/price-quote.js';
import type { PriceColumns } from './catalog.repository.js';

/**
 * Ticket types. Adult is always offered and pays the seat's tier price; child, senior and student are offered
 * per showtime, each with a discount in cents off every tier's price (never below zero). One number per type
 * keeps premium dearer than standard for every type, and an operator sets three numbers, not a grid.
 */
export const TICKET_TYPES: readonly TicketType[] = TICKET_TYPE_ORDER;

export type DiscountType = Exclude<TicketType, 'adult'>;
export const DISCOUNT_COLUMN = {
  child: 'child_discount_cents',
  senior: 'senior_discount_cents',
  student: 'student_discount_cents',
} as const satisfies Record<DiscountType, keyof PriceColumns>;

/** The discount of a type at this showtime: 0 for adult, undefined when the type is not offered. */
export function discountOf(row: PriceColumns, type: TicketType): number | undefined {
  if (type === 'adult') return 0;
  return row[DISCOUNT_COLUMN[type]] ?? undefined;
}

export function ticketPrice(tierPrice: number, discount: number): number {
  return Math.max(0, tierPrice - discount);
}

/**
 * ticketPrice in SQL for a statement that prices seats itself (the hold): `showtime` names a showtimes row,
 * `tierPrice` an expression of the tier's price, `type` a ticket type. NULL when the type is not offered.
 */
export function ticketPriceSql(
  showtime: string,
  tierPrice: RawBuilder<number>,
  type: string,
): RawBuilder<number | null> {
  const col = (c: string) => sql.ref(`${showtime}.${c}`);
  const discount = sql<number | null>`CASE ${sql.ref(type)}
    WHEN 'adult' THEN 0
    WHEN 'child' THEN ${col('child_discount_cents')}
    WHEN 'senior' THEN ${col('senior_discount_cents')}
    WHEN 'student' THEN ${col('student_discount_cents')}
    END`;
  // greatest() skips NULLs: a type not offered must stay NULL, not become free.
  return sql<
    number | null
  >`CASE WHEN ${discount} IS NULL THEN NULL ELSE greatest(${tierPrice} - ${discount}, 0) END`;
}

export { taxCents } from '../bookings/price-quote.js';
