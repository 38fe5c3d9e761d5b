const moneyFormats = new Map<string, Intl.NumberFormat>();

/** 1800, 'USD' -> "$18.00" */
export function formatMoney(cents: number, currency = 'USD'): string {
  let f = moneyFormats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    moneyFormats.set(currency, f);
  }
  return f.format(cents / 100);
}

export type DistanceUnit = 'mi' | 'km';
export const KM_PER_MILE = 1.609344;

/** Miles where people measure distances in miles (the US, the UK, Liberia, Myanmar), km elsewhere. */
export function distanceUnit(
  locale = typeof navigator === 'undefined' ? 'en-US' : navigator.language,
): DistanceUnit {
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).maximize().region;
  } catch {
    region = undefined;
  }
  return region && ['US', 'GB', 'LR', 'MM'].includes(region) ? 'mi' : 'km';
}

/** 3.2 -> "2.0 mi" (or "3.2 km"). */
export function formatDistance(km: number | null | undefined, unit: DistanceUnit = distanceUnit()): string {
  if (km === null || km === undefined) return '';
  const value = unit === 'mi' ? km / KM_PER_MILE : km;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

const FORMAT_NAMES: Record<string, string> = { '2D': '2D', '3D': '3D', IMAX: 'IMAX', DOLBY: 'Dolby Cinema' };
const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

export function languageName(code: string): string {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "IMAX", "Dolby Cinema · Subtitled in English", "3D · Dubbed in Spanish" */
export function formatLabel(f: {
  format: string;
  presentation: string;
  presentationLanguage: string | null;
}): string {
  const parts = [FORMAT_NAMES[f.format] ?? f.format];
  if (f.presentation === 'subtitled' && f.presentationLanguage) {
    parts.push(`Subtitled in ${languageName(f.presentationLanguage)}`);
  } else if (f.presentation === 'dubbed' && f.presentationLanguage) {
    parts.push(`Dubbed in ${languageName(f.presentationLanguage)}`);
  }
  return parts.join(' · ');
}

/** "7:30 PM" in the theater's time zone. */
export function formatTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone }).format(
    new Date(iso),
  );
}

/** "Fri, Nov 29, 7:30 PM" in the theater's time zone. */
export function formatDateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
  }).format(new Date(iso));
}

/** Today's date (YYYY-MM-DD) in a time zone; or the date there at `at`. */
export function todayIn(timeZone?: string, at: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(at);
}

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** "Today", "Tomorrow", or "Mon" + "Dec 2" for a YYYY-MM-DD date. */
export function dayLabel(date: string, today: string): { top: string; bottom: string; full: string } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d, 12));
  const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: 'UTC' }).format(t);
  const monthDay = new Intl.DateTimeFormat('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(t);
  const full = new Intl.DateTimeFormat('en-US', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(t);
  const top = date === today ? 'Today' : date === addDays(today, 1) ? 'Tomorrow' : weekday;
  return { top, bottom: monthDay, full };
}

export function tierLabel(tier: string): string {
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}

/**
 * What kind of seat a ticket is for, as the seat map names it: the theater's own type ("Recliner") when it has
 * one (its tier is only what the type is built on), else the tier ("Premium").
 */
export function seatKindLabel(seat: { tier: string; seatType?: string | null }): string {
  return seat.seatType ?? tierLabel(seat.tier);
}

/** "Row F, seat 12" */
export function seatName(row: string, number: number): string {
  return `Row ${row}, seat ${number}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 128 -> "2 h 8 min" */
export function runtime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

const TICKET_TYPE_LABELS: Record<string, string> = {
  adult: 'Adult',
  child: 'Child',
  senior: 'Senior',
  student: 'Student',
};

export function ticketTypeLabel(type: string): string {
  return TICKET_TYPE_LABELS[type] ?? type;
}

/** 88750 parts per million -> "8.875%" (as the confirmation email writes it). */
export function formatTaxRate(ppm: number): string {
  return `${(ppm / 10_000).toString()}%`;
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
};

/** "Visa ending in 4242": the card of the charge that paid (brand and last four digits are all we keep). */
export function paidWith(b: { payments: { status: string; brand: string; last4: string }[] }): string | null {
  const p = b.payments.find((x) => ['succeeded', 'refund_pending', 'refunded'].includes(x.status));
  if (!p) return null;
  if (p.brand === 'cash') return 'Cash at the box office';
  const brand = BRANDS[p.brand] ?? p.brand.charAt(0).toUpperCase() + p.brand.slice(1);
  return `${brand} ending in ${p.last4}`;
}
