import type { TicketTypeName } from '../api/types';
import { formatMoney, formatTaxRate, plural, ticketTypeLabel } from '../lib/format';

/** The shape both a quote (before the hold) and a booking's stored breakdown have. */
export interface BreakdownLike {
  byType: { ticketType: TicketTypeName; count: number; subtotalCents: number }[];
  bookingFeeCents: number;
  taxRatePpm: number;
  taxCents: number;
  totalCents: number;
}

/**
 * Tickets by type, booking fee, tax and total: the same lines on the seat map, at checkout, on the receipt and
 * in My bookings (and in the confirmation email), so they can be checked against each other.
 */
export function PriceBreakdown({
  breakdown,
  currency,
  totalLabel = 'Total',
  totalTestId = 'price-total',
}: {
  breakdown: BreakdownLike;
  currency: string;
  totalLabel?: string;
  totalTestId?: string;
}) {
  const tickets = breakdown.byType.reduce((n, l) => n + l.count, 0);
  return (
    <dl className="breakdown" data-testid="price-breakdown">
      {breakdown.byType.map((l) => (
        <div key={l.ticketType} className="breakdown-line" data-testid="price-line">
          <dt>
            {l.count} {ticketTypeLabel(l.ticketType)}
          </dt>
          <dd>{formatMoney(l.subtotalCents, currency)}</dd>
        </div>
      ))}
      <div className="breakdown-line" data-testid="price-line">
        <dt>Booking fee</dt>
        <dd>{formatMoney(breakdown.bookingFeeCents, currency)}</dd>
      </div>
      <div className="breakdown-line" data-testid="price-line">
        <dt>Tax ({formatTaxRate(breakdown.taxRatePpm)})</dt>
        <dd>{formatMoney(breakdown.taxCents, currency)}</dd>
      </div>
      <div className="breakdown-line breakdown-total" data-testid={totalTestId} aria-live="polite">
        <dt>
          {totalLabel} ({plural(tickets, 'ticket')})
        </dt>
        <dd>
          <strong>{formatMoney(breakdown.totalCents, currency)}</strong>
        </dd>
      </div>
    </dl>
  );
}
