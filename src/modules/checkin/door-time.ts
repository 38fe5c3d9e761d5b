/**
 * Times at the door, in the theater's own time zone and in words ("7:10 PM", "Thursday, December 3"): the
 * staff member and the customer both read the theater's clock, whatever zone the server or the scanner runs in.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(kind: 'time' | 'day' | 'date', timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      kind === 'date' ? 'en-CA' : 'en-US',
      kind === 'time'
        ? { timeZone, hour: 'numeric', minute: '2-digit' }
        : kind === 'day'
          ? { timeZone, weekday: 'long', month: 'long', day: 'numeric' }
          : { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' },
    );
    formats.set(key, f);
  }
  return f;
}

/** "7:10 PM" */
export const localTime = (at: Date, timeZone: string): string => format('time', timeZone).format(at);
/** "Thursday, December 3" */
export const localDay = (at: Date, timeZone: string): string => format('day', timeZone).format(at);
/** YYYY-MM-DD as the theater's calendar shows it. */
export const localDate = (at: Date, timeZone: string): string => format('date', timeZone).format(at);

/** "7:10 PM" on the same local day as `now`, else "7:10 PM on Thursday, December 3". */
export function localMoment(at: Date, now: Date, timeZone: string): string {
  const time = localTime(at, timeZone);
  return localDate(at, timeZone) === localDate(now, timeZone) ? time : `${time} on ${localDay(at, timeZone)}`;
}
