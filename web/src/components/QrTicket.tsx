import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Ticket, TicketDetail } from '../api/types';
import { formatDateTime, formatMoney, seatKindLabel } from '../lib/format';

/**
 * One ticket with its QR code (the `code` from GET /tickets/:id, drawn in the browser) and the short code
 * printed beside it, for reading out when the QR will not scan. A used ticket says so, in the theater's time.
 */
export function QrTicket({
  ticket,
  currency,
  timeZone,
}: {
  ticket: Ticket;
  currency: string;
  /** The theater's, for the admission time. */
  timeZone?: string;
}) {
  const [detail, setDetail] = useState<TicketDetail | null>(null);
  const [image, setImage] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const ctrl = new AbortController();
    api
      .ticket(ticket.id, ctrl.signal)
      .then(async ({ ticket: t }) => {
        setDetail(t);
        if (t.code) {
          // Loaded on demand: only the confirmation page draws QR codes.
          const { toDataURL } = await import('qrcode');
          setImage(await toDataURL(t.code, { errorCorrectionLevel: 'M', margin: 2, width: 240 }));
        }
      })
      .catch(() => {
        if (!ctrl.signal.aborted) setFailed(true);
      });
    return () => ctrl.abort();
  }, [ticket.id]);

  const seat = `Row ${ticket.row}, seat ${ticket.number}`;
  const admittedAt = detail?.admittedAt ?? ticket.admittedAt;
  return (
    <li className={`ticket${admittedAt ? ' ticket-used' : ''}`} data-testid="ticket">
      <div className="ticket-info">
        <p className="ticket-seat">
          <span className="ticket-row">Row {ticket.row}</span>{' '}
          <span className="ticket-num">Seat {ticket.number}</span>
        </p>
        <p className="muted">
          {seatKindLabel(ticket)} · {formatMoney(ticket.priceCents, currency)}
        </p>
        {admittedAt && (
          <p className="badge badge-used" data-testid="ticket-used">
            Used at the door {formatDateTime(admittedAt, timeZone)}
          </p>
        )}
        {detail?.shortCode && (
          <p className="ticket-short">
            <span className="muted">Ticket code</span>{' '}
            <strong className="reference" data-testid="ticket-short-code">
              {detail.shortCode}
            </strong>
          </p>
        )}
      </div>
      <div className="ticket-qr">
        {admittedAt ? (
          <div className="qr-missing">
            <p>This ticket has been used.</p>
          </div>
        ) : image ? (
          <img src={image} width={240} height={240} alt={`QR code for ${seat}`} data-testid="ticket-qr" />
        ) : detail && !detail.code ? (
          <div className="qr-missing">
            <p>No QR code for this ticket yet.</p>
            <p>
              Show the booking reference at the door. Ticket <code>{ticket.id}</code>
            </p>
          </div>
        ) : failed ? (
          <div className="qr-missing">
            <p>
              The QR code could not be loaded. Ticket <code>{ticket.id}</code>
            </p>
          </div>
        ) : (
          <div className="qr-loading" aria-hidden="true" />
        )}
      </div>
    </li>
  );
}
