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

export function formatDistance(km: number | null | undefined): string {
  if (km === null || km === undefined) return '';
  const miles = km * 0.621371;
  return `${km < 10 ? km.toFixed(1) : Math.round(km)} km · ${miles < 10 ? miles.toFixed(1) : Math.round(miles)} mi`;
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

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone?: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(new Date());
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

/** "Row F, seat 12" */
export function seatName(row: string, number: number): string {
  return `Row ${row}, seat ${number}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
