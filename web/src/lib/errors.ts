import { ApiError } from '../api/client';

/**
 * What people read when something goes wrong: the API's stable `code` (and, for VALIDATION_FAILED, its
 * `fields`) mapped to sentences. The API's own `message` is for developers and logs; it is shown only for
 * codes this table does not know, and never for validation failures (which name JSON paths and patterns).
 */
const SENTENCES: Record<string, string> = {
  NETWORK: 'We could not reach Matinee. Check your connection and try again.',
  RATE_LIMITED: 'That was a lot of requests in a short time. Wait a minute and try again.',
  BUSY: 'Matinee is busy right now. Try again in a moment.',
  DATABASE_UNAVAILABLE: 'Matinee is briefly unavailable. Try again in a moment.',
  INTERNAL: 'Something went wrong on our side. Try again in a moment.',
  TOKEN_EXPIRED: 'Your session has ended. Sign in again.',
  TOKEN_INVALID: 'Your session has ended. Sign in again.',
  TOKEN_REVOKED: 'You were signed out. Sign in again.',
  UNAUTHORIZED: 'Sign in to continue.',
  FORBIDDEN: 'Your account is not allowed to do this.',
  THEATER_NOT_ALLOWED: 'Your account does not work at this theater.',
  INVITATION_INVALID: 'This invitation link is not valid. Open it from the email again.',
  INVITATION_USED: 'This invitation was already accepted. Sign in instead.',
  INVITATION_REVOKED: 'This invitation was withdrawn.',
  INVITATION_EXPIRED: 'This invitation has expired.',
  ACCOUNT_EXISTS: 'An account with this email exists: sign in to accept the invitation.',
  ALREADY_OPERATOR:
    'This email already belongs to staff or an admin: change their access in the people list.',
  THEATERS_REQUIRED: 'Choose at least one theater for a staff member.',
  OWN_ROLE: 'You cannot change your own access; ask another admin.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  INVALID_PHONE:
    'This does not look like a mobile number we can text. Type it as you dial it, like 212-555-0199, or start with + and the country code.',
  INVALID_CARD: 'The card number is not valid. Check the digits and try again.',
  PAYMENT_DECLINED: 'The bank declined this card. Try another card.',
  PAYMENT_FAILED: 'The payment could not be processed. Nothing was charged; you can try again.',
  PAYMENT_IN_PROGRESS: 'A payment for this booking is still going through. Wait a moment.',
  TOO_MANY_PAYMENT_ATTEMPTS: 'This hold has had too many payment attempts. Hold the seats again to retry.',
  ALREADY_PAID: 'This booking is already paid.',
  HOLD_EXPIRED: 'This hold has ended and the seats went back on sale.',
  HOLD_DEADLINE_REACHED: 'This hold has ended and the seats went back on sale.',
  SEATS_UNAVAILABLE: 'Some of these seats were just taken. Choose others.',
  SEATS_NOT_FOUND: 'Some of these seats are not in this showtime. Reload the seat map.',
  SEAT_LIMIT_REACHED: 'You have reached the number of seats one person can book for this showtime.',
  COMPANION_SEAT_RESERVED:
    'A companion seat is kept for the wheelchair space beside it until shortly before the show. Choose another seat.',
  TOO_MANY_HOLDS: 'You already have seats on hold. Pay for them or cancel them first.',
  SHOWTIME_CLOSED: 'This showtime has started, so tickets are no longer sold.',
  ADMISSION_REQUIRED: 'This showtime sells through a waiting room. Join the queue to choose seats.',
  NOT_IN_QUEUE: 'You are not in the queue for this showtime.',
  WAITING_ROOM_NOT_FOUND: 'This showtime has no waiting room: tickets are on sale as usual.',
  WAITING_ROOM_OPEN: 'The queue has opened, so its on-sale time can no longer change.',
  SHOWTIME_STARTED: 'This showtime has started, so it can no longer be refunded.',
  TICKET_ADMITTED: 'A ticket of this booking was already used at the door, so it cannot be refunded.',
  BOOKING_NOT_PENDING: 'This booking is no longer waiting for payment.',
  BOOKING_NOT_CONFIRMED: 'Only a paid booking can be refunded.',
  SEATS_NOT_BLOCKABLE: 'Some of these seats are held or sold. Release or refund them before blocking.',
  SEATS_NOT_BLOCKED: 'Some of these seats are held or sold, not blocked.',
  REFUND_PENDING:
    'The refund is recorded; the card payment network has not confirmed it yet. It completes on its own.',
  IDEMPOTENCY_REQUEST_IN_PROGRESS: 'Your last request is still being processed. Wait a moment.',
  SHOWTIME_NOT_FOUND: 'We could not find this showtime. The link may be mistyped or out of date.',
  BOOKING_NOT_FOUND: 'We could not find this booking.',
  THEATER_NOT_FOUND: 'We could not find this theater. The link may be mistyped or out of date.',
  TICKET_NOT_FOUND: 'We could not find this ticket.',
  ROUTE_NOT_FOUND: 'This is not available on this server.',
  WRONG_PASSWORD: 'Your current password is not right.',
  RESET_TOKEN_INVALID:
    'This password reset link is not valid. Copy the whole link from the email, or ask for a new one.',
  RESET_TOKEN_USED: 'This password reset link was already used. Ask for a new one if you need to.',
  RESET_TOKEN_EXPIRED: 'This password reset link has expired. Ask for a new one.',
  RESET_TOKEN_SUPERSEDED: 'A newer password reset link was sent. Use the link in the most recent email.',
};

/** One sentence per field the API can refuse, by the field's last path segment. */
const FIELD_SENTENCES: Record<string, string> = {
  email: 'Enter your email address, like name@example.com.',
  password: 'Your password needs at least 8 characters.',
  newPassword: 'Your new password needs at least 8 characters.',
  currentPassword: 'Enter your current password.',
  token:
    'This password reset link is not complete. Copy the whole link from the email, or ask for a new one.',
  name: 'Enter your name.',
  phone: SENTENCES.INVALID_PHONE!,
  phoneCountry: SENTENCES.INVALID_PHONE!,
  number: 'Enter the 12 to 19 digits of your card number.',
  expMonth: 'Enter the expiry month as MM.',
  expYear: 'Enter the expiry year as YY.',
  cvc: 'Enter the 3 or 4 digits on the back of the card.',
  seatIds: 'Choose between 1 and 10 seats.',
  date: 'Pick a day from the list.',
  code: 'Scan the QR code or type the code on the ticket.',
  lat: 'Choose a place from the list, or use your location.',
  lng: 'Choose a place from the list, or use your location.',
  radiusKm: 'Choose a distance from the list.',
  cursor: 'Reload the page to see your bookings from the start.',
};

const UNKNOWN_FIELD = 'Something you entered is not in a form we accept. Check it and try again.';

export interface FieldProblem {
  /** The field's last path segment: "phone", "number"... */
  field: string;
  sentence: string;
}

/** The fields a VALIDATION_FAILED (or INVALID_PHONE) answer names, each with a sentence. */
export function fieldProblems(err: unknown): FieldProblem[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.details.fields)) return [];
  return (err.details.fields as Array<{ field?: unknown; code?: unknown }>).flatMap((f) => {
    if (typeof f.field !== 'string') return [];
    const leaf = f.field.split('.').pop() ?? f.field;
    const bySpecificCode = typeof f.code === 'string' ? SENTENCES[f.code] : undefined;
    return [{ field: leaf, sentence: bySpecificCode ?? FIELD_SENTENCES[leaf] ?? UNKNOWN_FIELD }];
  });
}

/** fieldProblems as a form's errors: the sentence for each field the answer names. */
export function fieldErrors(err: unknown): Record<string, string> {
  return Object.fromEntries(fieldProblems(err).map((p) => [p.field, p.sentence]));
}

/** An answer about something a link points at that is not there: 404, or an id that cannot exist. */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.status === 404 && err.code !== 'ROUTE_NOT_FOUND') return true;
  if (err.code !== 'VALIDATION_FAILED' || !Array.isArray(err.details.fields)) return false;
  const fields = err.details.fields as Array<{ field?: unknown }>;
  return (
    fields.length > 0 && fields.every((f) => typeof f.field === 'string' && f.field.startsWith('params.'))
  );
}

/** "the card number is not valid" -> "The card number is not valid." */
export function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** A sentence (or two) for any error the app can meet. */
export function humanError(err: unknown): string {
  if (err instanceof ApiError) {
    if (isNotFound(err)) return SENTENCES[err.code] ?? 'We could not find what this link points to.';
    if (err.code === 'VALIDATION_FAILED' || err.code === 'INVALID_PHONE') {
      const problems = fieldProblems(err);
      if (problems.length > 0) return [...new Set(problems.map((p) => p.sentence))].join(' ');
      return 'Something in the form is not right. Check it and try again.';
    }
    const known = SENTENCES[err.code];
    if (known) return known;
    if (err.status >= 500) return SENTENCES.INTERNAL!;
    return asSentence(err.message);
  }
  if (err instanceof Error && err.message) return asSentence(err.message);
  return 'Something went wrong. Try again.';
}
