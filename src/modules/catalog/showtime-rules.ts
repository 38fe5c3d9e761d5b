/**
 * Minutes an auditorium needs between two showings unless its theater sets its own (theaters.cleaning_minutes;
 * ads and trailers run inside the runtime slot).
 */
export const CLEANING_MINUTES = 15;
export const MAX_CLEANING_MINUTES = 240;

/** When a showing stops occupying its auditorium: two showtimes may not overlap in these ranges. */
export function showtimeEndsAt(
  startsAt: Date,
  runtimeMinutes: number,
  cleaningMinutes = CLEANING_MINUTES,
): Date {
  return new Date(startsAt.getTime() + (runtimeMinutes + cleaningMinutes) * 60_000);
}

/** Whether two occupied slots [start, end) overlap: the same test as the showtimes_no_overlap constraint. */
export function slotsOverlap(
  a: { startsAt: Date; endsAt: Date },
  b: { startsAt: Date; endsAt: Date },
): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}
