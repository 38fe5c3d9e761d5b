import QRCode from 'qrcode';
import type { BookingNotificationEvent, SeatTier, TicketType } from '../../db/schema.js';
import { bookingCalendar } from '../bookings/booking-calendar.js';
import type { MailAttachment, MailMessage } from './mailer.js';
import type { BookingMessageView } from './notifications.repository.js';
import { formatAddress } from '../catalog/address.js';

/** What the templates need besides the booking: the ticket code signer and the Message-ID. */
export interface RenderOptions {
  messageId: string;
  to: string;
  /** The ticket's signed code (the QR content). */
  ticketCode: (ticketId: string) => string;
  /** The short code printed beside each QR, for reading out at the door. */
  shortCode?: (ticketId: string) => string;
  /** For the calendar UID. */
  domain: string;
  /** The web app's base URL (PUBLIC_URL): every email links back to the booking. */
  publicUrl: string;
}

/** The booking's page in the web app, where its tickets, receipt and calendar file are. */
export function bookingUrl(publicUrl: string, bookingId: string): string {
  return `${publicUrl}/bookings/${bookingId}`;
}

/** "Visa ending in 4242": the card that paid, as receipts show it (brand and last four digits only). */
export function cardLabel(charge: { brand: string; last4: string }): string {
  if (charge.brand === 'cash') return 'cash at the box office';
  const brand = charge.brand.charAt(0).toUpperCase() + charge.brand.slice(1);
  return `${brand} ending in ${charge.last4}`;
}

const TIER_LABEL: Record<SeatTier, string> = {
  standard: 'Standard',
  premium: 'Premium',
  accessible: 'Accessible',
  companion: 'Companion seat',
};

/** What kind of seat, as the seat map names it: the theater's own type ("Recliner") if it has one, else the tier. */
const seatKind = (t: { tier: SeatTier; seatType: string | null }) => t.seatType ?? TIER_LABEL[t.tier];

const TYPE_LABEL: Record<TicketType, string> = {
  adult: 'Adult',
  child: 'Child',
  senior: 'Senior',
  student: 'Student',
};
const TYPE_ORDER: TicketType[] = ['adult', 'child', 'senior', 'student'];

/** 88750 parts per million -> "8.875%". */
export function formatTaxRate(ppm: number): string {
  return `${(ppm / 10_000).toString()}%`;
}

/**
 * The stored breakdown as label/amount lines: tickets by type ("2 Adult"), booking fee, tax (the total follows
 * them in the message). The same
 * lines as the web app's breakdown, so a customer can check one against the other.
 */
export function priceLines(v: BookingMessageView): [string, string][] {
  const money = (c: number) => formatMoney(c, v.booking.currency);
  const lines: [string, string][] = [];
  for (const type of TYPE_ORDER) {
    const of = v.tickets.filter((t) => t.ticketType === type);
    if (of.length === 0) continue;
    lines.push([`${of.length} ${TYPE_LABEL[type]}`, money(of.reduce((sum, t) => sum + t.priceCents, 0))]);
  }
  lines.push(['Booking fee', money(v.booking.bookingFeeCents)]);
  lines.push([`Tax (${formatTaxRate(v.booking.taxRatePpm)})`, money(v.booking.taxCents)]);
  return lines;
}

export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.trim() }).format(cents / 100);
}

/** "Saturday, June 14, 2025 at 7:30 PM EDT": the showtime as the theater's clock shows it. */
export function formatShowtime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

/** "Sat, Jun 14, 7:30 PM": for subjects and SMS. */
export function formatShowtimeShort(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(at);
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const seatLabel = (t: { row: string; number: number }) => `${t.row}${t.number}`;

/** "D5, D6 (Recliner); A1": the seats in order, grouped by seat type so that a row of recliners names it once. */
function seatList(tickets: BookingMessageView['tickets']): string {
  const groups = new Map<string | null, string[]>();
  for (const t of tickets) groups.set(t.seatType, [...(groups.get(t.seatType) ?? []), seatLabel(t)]);
  return [...groups]
    .map(([type, seats]) => (type ? `${seats.join(', ')} (${type})` : seats.join(', ')))
    .join('; ');
}

export function qrCid(ticketId: string): string {
  return `ticket-${ticketId}@matinee`;
}

/** The email for one booking event: HTML and text parts, a QR code per valid ticket, a calendar file. */
export async function renderEmail(
  event: BookingNotificationEvent,
  v: BookingMessageView,
  o: RenderOptions,
): Promise<MailMessage> {
  const when = formatShowtime(v.showtime.startsAt, v.theater.timeZone);
  const whenShort = formatShowtimeShort(v.showtime.startsAt, v.theater.timeZone);
  const total = formatMoney(v.booking.totalCents, v.booking.currency);
  const place = `${v.theater.name}, ${formatAddress(v.theater.address, v.theater.city)}`;
  const seats = v.tickets.map(seatLabel).join(', ');
  const ref = v.booking.reference;
  const link = bookingUrl(o.publicUrl, v.booking.id);
  const paidWith = v.charge ? cardLabel(v.charge) : null;
  const attachments: MailAttachment[] = [];

  let subject: string;
  let intro: string;
  let note = '';
  // A confirmation delivered late, after the booking was refunded, still tells what happened but carries no
  // codes: the door would refuse them anyway.
  const valid = v.tickets.filter((t) => t.status === 'sold');
  const withCodes = event === 'booking.confirmed' && v.booking.status === 'confirmed' ? valid : [];
  switch (event) {
    case 'booking.confirmed':
      subject = `Your tickets: ${v.movie.title}, ${whenShort} at ${v.theater.name} (${ref})`;
      intro = `Your booking is confirmed. Show the QR code of each ticket at the door.`;
      if (v.booking.status !== 'confirmed') {
        note = `This booking has since been ${v.booking.status}; these tickets are no longer valid.`;
      }
      break;
    case 'booking.refunded':
      subject = `Refund confirmed: ${v.movie.title}, ${whenShort} (${ref})`;
      intro = `Your booking has been refunded and its tickets are cancelled.`;
      note =
        v.charge?.brand === 'cash'
          ? `${formatMoney(v.charge.amountCents, v.charge.currency)} was paid back in cash at the box office.`
          : v.charge
            ? `${formatMoney(v.charge.amountCents, v.charge.currency)} goes back to your ${cardLabel(v.charge)}; banks usually take 5-10 days to show it.`
            : `The full amount goes back to the card you paid with.`;
      break;
    case 'booking.expired':
      subject = `Your seats for ${v.movie.title} were released (${ref})`;
      intro = `Your hold on these seats ran out before the payment went through, so they have been released.`;
      note = v.charge
        ? `Your card was charged, but the seats were no longer yours: the ${formatMoney(v.charge.amountCents, v.charge.currency)} charge is refunded in full.`
        : `You have not been charged.`;
      break;
    case 'payment.refunded':
      subject = `A charge for booking ${ref} is refunded`;
      intro =
        v.booking.status === 'confirmed'
          ? `Your booking was already paid when another payment attempt for it went through. We never keep two charges for one booking: the extra ${total} charge is refunded in full.`
          : `A payment for this booking went through only after the hold had ended (booking ${v.booking.status}), so it could not buy the seats. The ${total} charge is refunded in full.`;
      note = `Banks usually take 5-10 days to show a refund.`;
      break;
  }

  const ticketLines = v.tickets.map(
    (t) =>
      `  Row ${t.row}, seat ${t.number} (${seatKind(t)}, ${TYPE_LABEL[t.ticketType]}) - ${formatMoney(t.priceCents, v.booking.currency)}`,
  );
  const prices = priceLines(v);
  const text = [
    `Hello ${v.customer.name},`,
    '',
    intro,
    ...(note ? ['', note] : []),
    '',
    `Booking reference: ${ref}`,
    `Movie: ${v.movie.title} (${v.movie.rating}, ${v.movie.runtimeMinutes} min)`,
    `When: ${when}`,
    `Where: ${v.theater.name}, ${v.auditorium.name}`,
    `       ${formatAddress(v.theater.address, v.theater.city)}`,
    `Seats:`,
    ...ticketLines,
    'Price:',
    ...prices.map(([label, amount]) => `  ${label}: ${amount}`),
    `Total paid: ${total}`,
    ...(paidWith ? [`Paid with: ${paidWith}`] : []),
    '',
    `Your booking: ${link}`,
    ...(event === 'booking.confirmed' && v.booking.status === 'confirmed'
      ? ['The attached .ics file adds the showtime to your calendar.']
      : []),
    ...(withCodes.length > 0
      ? [
          '',
          'Your ticket codes (the QR codes in this email carry the same):',
          ...withCodes.map(
            (t) =>
              `  ${seatLabel(t)}: ${o.shortCode ? `${o.shortCode(t.id)} (QR: ${o.ticketCode(t.id)})` : o.ticketCode(t.id)}`,
          ),
        ]
      : []),
    '',
    'Enjoy the show,',
    'Matinee',
  ].join('\n');

  for (const t of withCodes) {
    attachments.push({
      filename: `ticket-${seatLabel(t)}.png`,
      content: await QRCode.toBuffer(o.ticketCode(t.id), {
        type: 'png',
        errorCorrectionLevel: 'M',
        margin: 2,
        scale: 6,
      }),
      contentType: 'image/png',
      cid: qrCid(t.id),
    });
  }

  const row = (label: string, value: string) =>
    `<tr><td style="padding:4px 12px 4px 0;color:#666;vertical-align:top">${label}</td><td style="padding:4px 0">${value}</td></tr>`;
  const ticketCards = v.tickets
    .map((t) => {
      const qr = withCodes.includes(t)
        ? `<img src="cid:${qrCid(t.id)}" width="180" height="180" alt="QR code for seat ${escapeHtml(seatLabel(t))}" style="display:block;margin:8px auto">` +
          (o.shortCode
            ? `<div style="font-family:monospace;font-size:16px;letter-spacing:1px">Ticket code <strong>${escapeHtml(o.shortCode(t.id))}</strong></div>`
            : '')
        : '';
      return `<div style="display:inline-block;border:1px solid #ddd;border-radius:8px;padding:12px;margin:6px;text-align:center;min-width:180px">
<div style="font-weight:bold">Row ${escapeHtml(t.row)}, seat ${t.number}</div>
<div style="color:#666">${escapeHtml(seatKind(t))} &middot; ${TYPE_LABEL[t.ticketType]} &middot; ${escapeHtml(formatMoney(t.priceCents, v.booking.currency))}</div>${qr}</div>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html><body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:640px;margin:0 auto;padding:16px">
<h1 style="font-size:20px">${escapeHtml(v.movie.title)}</h1>
<p>Hello ${escapeHtml(v.customer.name)},</p>
<p>${escapeHtml(intro)}</p>
${note ? `<p><strong>${escapeHtml(note)}</strong></p>` : ''}
<table style="border-collapse:collapse;margin:12px 0">
${row('Booking reference', `<strong style="font-size:18px;letter-spacing:2px">${escapeHtml(ref)}</strong>`)}
${row('When', escapeHtml(when))}
${row('Where', `${escapeHtml(v.theater.name)}, ${escapeHtml(v.auditorium.name)}<br>${escapeHtml(formatAddress(v.theater.address, v.theater.city))}`)}
${row('Seats', escapeHtml(seats))}
${prices.map(([label, amount]) => row(escapeHtml(label), escapeHtml(amount))).join('\n')}
${row('Total paid', escapeHtml(total))}
${paidWith ? row('Paid with', escapeHtml(paidWith)) : ''}
</table>
<p><a href="${escapeHtml(link)}" style="color:#b3261e">See this booking in Matinee</a>${
    event === 'booking.confirmed' && v.booking.status === 'confirmed'
      ? ' &middot; the attached .ics file adds the showtime to your calendar'
      : ''
  }</p>
<div>${ticketCards}</div>
<p style="color:#666;font-size:12px">Matinee &middot; ${escapeHtml(place)}</p>
</body></html>`;

  if (event === 'booking.confirmed' || event === 'booking.refunded') {
    const cancel = event === 'booking.refunded';
    attachments.push({
      filename: `matinee-${ref}.ics`,
      content: bookingCalendar(v, { domain: o.domain, bookingUrl: link, cancel }),
      contentType: `text/calendar; charset=utf-8; method=${cancel ? 'CANCEL' : 'PUBLISH'}`,
    });
  }

  return { to: o.to, subject, text, html, messageId: o.messageId, attachments };
}

export function renderSms(event: BookingNotificationEvent, v: BookingMessageView): string {
  const when = formatShowtimeShort(v.showtime.startsAt, v.theater.timeZone);
  const ref = v.booking.reference;
  switch (event) {
    case 'booking.confirmed':
      return `Matinee: booking ${ref} confirmed. ${v.movie.title}, ${when}, ${v.theater.name}. Seats ${seatList(v.tickets)}. QR tickets are in your email.`;
    case 'booking.refunded':
      return `Matinee: booking ${ref} (${v.movie.title}, ${when}) is refunded: ${formatMoney(v.booking.totalCents, v.booking.currency)} back to your card.`;
    case 'booking.expired':
      return `Matinee: your hold ${ref} for ${v.movie.title} expired and the seats were released. ${v.charge ? 'Your payment is refunded in full.' : 'You were not charged.'}`;
    case 'payment.refunded':
      return `Matinee: a ${formatMoney(v.booking.totalCents, v.booking.currency)} charge for booking ${ref} could not be used and is refunded in full.`;
  }
}

/** The password reset email: the link (single use, short-lived) and what to do if it was not you. */
export function renderPasswordResetEmail(r: {
  to: string;
  messageId: string;
  name: string;
  link: string;
  expiresAt: Date;
  now: Date;
  accountUrl: string;
}): MailMessage {
  const minutes = Math.max(1, Math.round((r.expiresAt.getTime() - r.now.getTime()) / 60_000));
  const subject = 'Reset your Matinee password';
  const text = [
    `Hello ${r.name},`,
    '',
    'Someone (we hope you) asked to reset the password of your Matinee account. Choose a new one here:',
    '',
    r.link,
    '',
    `The link works once, for ${minutes} minutes. Setting a new password signs your account out on every device.`,
    'If you did not ask for this, ignore this email: your password stays as it is.',
    '',
    `Your account: ${r.accountUrl}`,
    '',
    'Matinee',
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:640px;margin:0 auto;padding:16px">
<h1 style="font-size:20px">Reset your password</h1>
<p>Hello ${escapeHtml(r.name)},</p>
<p>Someone (we hope you) asked to reset the password of your Matinee account.</p>
<p><a href="${escapeHtml(r.link)}" style="display:inline-block;background:#b3261e;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Choose a new password</a></p>
<p>The link works once, for ${minutes} minutes. Setting a new password signs your account out on every device.</p>
<p>If you did not ask for this, ignore this email: your password stays as it is.</p>
<p style="color:#666;font-size:12px">Matinee &middot; <a href="${escapeHtml(r.accountUrl)}">your account</a></p>
</body></html>`;
  return { to: r.to, subject, text, html, messageId: r.messageId, attachments: [] };
}

/** The invitation email: who invited, the role (and theaters), the link and until when it works. */
export function renderInvitationEmail(r: {
  to: string;
  messageId: string;
  role: 'staff' | 'admin';
  theaters: string[];
  inviterName: string | null;
  link: string;
  expiresAt: Date;
}): MailMessage {
  const what =
    r.role === 'admin'
      ? 'an administrator of Matinee (every theater, the whole console)'
      : `staff at ${r.theaters.join(', ') || 'Matinee'} (door check-in and the box office)`;
  const by = r.inviterName ? `${r.inviterName} invited you` : 'You are invited';
  const until = `${r.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const subject =
    r.role === 'admin' ? 'You are invited to run Matinee' : 'You are invited to work at Matinee';
  const text = [
    'Hello,',
    '',
    `${by} to join as ${what}. Accept here (create your account, or sign in if you have one):`,
    '',
    r.link,
    '',
    `The link works once, until ${until}.`,
    'If you did not expect this, ignore this email.',
    '',
    'Matinee',
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:640px;margin:0 auto;padding:16px">
<h1 style="font-size:20px">${escapeHtml(subject)}</h1>
<p>${escapeHtml(by)} to join as ${escapeHtml(what)}.</p>
<p><a href="${escapeHtml(r.link)}" style="display:inline-block;background:#b3261e;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Accept the invitation</a></p>
<p>The link works once, until ${escapeHtml(until)}. If you did not expect this, ignore this email.</p>
</body></html>`;
  return { to: r.to, subject, text, html, messageId: r.messageId, attachments: [] };
}
