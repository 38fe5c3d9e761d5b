import { DateTime } from 'luxon';

/**
 * Wall-clock arithmetic in a theater's time zone for the schedule: weeks start on Monday, a "day" of the
 * calendar runs from 06:00 to 06:00 next morning (a 00:30 late show belongs to the evening before).
 */
export const DAY_CUTOFF_MINUTE = 6 * 60;

export function weekStartOf(isoDate: string | null, zone: string): DateTime {
  const picked = isoDate ? DateTime.fromISO(isoDate, { zone }) : undefined;
  const base = picked?.isValid ? picked : DateTime.now().setZone(zone);
  return base.setLocale('en-US').startOf('week');
}

/** Day `day` of the week (0 = Monday) at `minute` after its midnight; 1500 is 01:00 the next morning. */
export function atMinute(weekStart: DateTime, day: number, minute: number): DateTime {
  const extraDays = Math.floor(minute / 1440);
  const m = minute - extraDays * 1440;
  return weekStart
    .plus({ days: day + extraDays })
    .set({ hour: Math.floor(m / 60), minute: m % 60, second: 0, millisecond: 0 });
}

/** Where an instant sits on the week: its calendar day and minutes after that day's midnight. */
export function placeOf(weekStart: DateTime, iso: string): { day: number; minute: number } {
  const t = DateTime.fromISO(iso, { zone: weekStart.zone });
  let day = Math.round(t.startOf('day').diff(weekStart.startOf('day'), 'days').days);
  let minute = t.hour * 60 + t.minute;
  if (minute < DAY_CUTOFF_MINUTE) {
    day -= 1;
    minute += 1440;
  }
  return { day, minute };
}

/** A date and a wall-clock time typed in the theater's zone, as a UTC instant; undefined if not a real time. */
export function zonedInstant(date: string, time: string, zone: string): string | undefined {
  const t = DateTime.fromISO(`${date}T${time}`, { zone });
  return t.isValid ? (t.toUTC().toISO() ?? undefined) : undefined;
}

export function localParts(iso: string, zone: string): { date: string; time: string } {
  const t = DateTime.fromISO(iso, { zone });
  return { date: t.toISODate() ?? '', time: t.toFormat('HH:mm') };
}

/** "7:30 PM" in the zone. */
export function clock(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).setLocale('en-US').toFormat('h:mm a');
}

/** "Mon, Dec 7, 7:30 PM" in the zone. */
export function dayClock(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).setLocale('en-US').toFormat('ccc, LLL d, h:mm a');
}
