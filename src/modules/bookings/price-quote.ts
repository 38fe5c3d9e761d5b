// Pure (no imports): the web app's seat map quotes with these before a hold, as the hold statement prices.

export type TicketTypeName = 'adult' | 'child' | 'senior' | 'student';

/** The order types are given to seats (in seat order: front row first, left to right). */
export const TICKET_TYPE_ORDER: readonly TicketTypeName[] = ['adult', 'child', 'senior', 'student'];

export type TicketTypeCounts = Partial<Record<TicketTypeName, number>>;

/**
 * Sales tax: integer cents, half up, once on the whole subtotal (tickets + booking fee). The hold statement
 * computes the same in SQL: (subtotal * ppm + 500000) / 1000000 in integer division. The rate is in parts per
 * million (88750 = 8.875%): US sales tax rates have up to three decimals.
 */
export function taxCents(subtotalCents: number, taxRatePpm: number): number {
  return Math.floor((subtotalCents * taxRatePpm + 500_000) / 1_000_000);
}

/** One type per seat, in TICKET_TYPE_ORDER; no counts: every ticket adult. */
export function ticketTypeList(seats: number, counts?: TicketTypeCounts): TicketTypeName[] | undefined {
  if (!counts) return Array<TicketTypeName>(seats).fill('adult');
  const list = TICKET_TYPE_ORDER.flatMap((t) => Array<TicketTypeName>(counts[t] ?? 0).fill(t));
  return list.length === seats ? list : undefined;
}

export interface QuoteInput {
  /** Each chosen seat's price before discounts (its tier's, plus a seat type's surcharge: the seat map's priceCents), in seat order. */
  tierPrices: number[];
  counts?: TicketTypeCounts;
  /** Discount per offered type (adult 0); a type missing here is not offered. */
  discounts: Partial<Record<TicketTypeName, number>>;
  bookingFeeCents: number;
  taxRatePpm: number;
}

export interface Quote {
  tickets: { ticketType: TicketTypeName; priceCents: number }[];
  byType: { ticketType: TicketTypeName; count: number; subtotalCents: number }[];
  ticketsCents: number;
  bookingFeeCents: number;
  taxRatePpm: number;
  taxCents: number;
  totalCents: number;
}

/** What a hold of these seats would store; undefined when the counts do not fit the seats or the showtime. */
export function quote(q: QuoteInput): Quote | undefined {
  const types = ticketTypeList(q.tierPrices.length, q.counts);
  if (!types) return undefined;
  const tickets: Quote['tickets'] = [];
  for (const [i, ticketType] of types.entries()) {
    const discount = q.discounts[ticketType];
    if (discount === undefined) return undefined;
    tickets.push({ ticketType, priceCents: Math.max(0, q.tierPrices[i]! - discount) });
  }
  const byType = TICKET_TYPE_ORDER.map((ticketType) => {
    const of = tickets.filter((t) => t.ticketType === ticketType);
    return { ticketType, count: of.length, subtotalCents: of.reduce((s, t) => s + t.priceCents, 0) };
  }).filter((l) => l.count > 0);
  const ticketsCents = tickets.reduce((s, t) => s + t.priceCents, 0);
  const bookingFeeCents = q.bookingFeeCents * tickets.length;
  const tax = taxCents(ticketsCents + bookingFeeCents, q.taxRatePpm);
  return {
    tickets,
    byType,
    ticketsCents,
    bookingFeeCents,
    taxRatePpm: q.taxRatePpm,
    taxCents: tax,
    totalCents: ticketsCents + bookingFeeCents + tax,
  };
}
