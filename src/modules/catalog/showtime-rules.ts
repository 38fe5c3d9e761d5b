/** Minutes an auditorium needs between two showings (cleaning, ads and trailers run inside the runtime slot). */
export const CLEANING_MINUTES = 15;

/** When a showing stops occupying its auditorium: two showtimes may not overlap in these ranges. */
export function showtimeEndsAt(startsAt: Date, runtimeMinutes: number): Date {
  return new Date(startsAt.getTime() + (runtimeMinutes + CLEANING_MINUTES) * 60_000);
}
