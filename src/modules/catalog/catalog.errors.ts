import { ConflictError, DomainError, NotFoundError } from '../../http/errors.js';

export class TheaterNotFoundError extends NotFoundError {
  override name = 'TheaterNotFoundError';
  constructor() {
    super('Theater', 'THEATER_NOT_FOUND');
  }
}

export class AuditoriumNotFoundError extends NotFoundError {
  override name = 'AuditoriumNotFoundError';
  constructor() {
    super('Auditorium', 'AUDITORIUM_NOT_FOUND');
  }
}

export class MovieNotFoundError extends NotFoundError {
  override name = 'MovieNotFoundError';
  constructor() {
    super('Movie', 'MOVIE_NOT_FOUND');
  }
}

export class ShowtimeNotFoundError extends NotFoundError {
  override name = 'ShowtimeNotFoundError';
  constructor() {
    super('Showtime', 'SHOWTIME_NOT_FOUND');
  }
}

export interface OverlapConflict {
  showtimeId: string | null;
  itemIndex?: number;
  movie: { id: string; title: string };
  auditorium: { id: string; name: string };
  startsAt: string;
  endsAt: string;
  cleaningMinutes: number;
  timeZone: string;
}

/** "Dune" in Screen 1, Fri, Dec 4, 7:00 PM – 9:50 PM incl. 15 min cleaning (in the theater's time zone). */
export function describeConflict(c: OverlapConflict): string {
  const day = new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: c.timeZone,
  });
  const time = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: c.timeZone });
  return (
    `"${c.movie.title}" in ${c.auditorium.name}, ${day.format(new Date(c.startsAt))} – ` +
    `${time.format(new Date(c.endsAt))} incl. ${c.cleaningMinutes} min cleaning`
  );
}

export class ShowtimeOverlapError extends ConflictError {
  override name = 'ShowtimeOverlapError';
  constructor(conflict: OverlapConflict | null) {
    super(
      'SHOWTIME_OVERLAP',
      conflict
        ? `The auditorium is taken at that time by ${describeConflict(conflict)}`
        : 'Another showtime occupies the auditorium at that time (runtime plus cleaning)',
      conflict ? { conflictingShowtimeId: conflict.showtimeId, conflict } : {},
    );
  }
}

/** A batch where some item overlaps an existing showtime or another item: nothing was created. */
export class ShowtimeBulkConflictError extends ConflictError {
  override name = 'ShowtimeBulkConflictError';
  constructor(items: { index: number; conflicts: OverlapConflict[] }[]) {
    const first = items[0];
    const firstConflict = first?.conflicts[0];
    super(
      'SHOWTIME_BULK_CONFLICT',
      `${items.length} of the showtimes overlap others, so none was created` +
        (first && firstConflict ? `; item ${first.index} overlaps ${describeConflict(firstConflict)}` : ''),
      { items },
    );
  }
}

export class AuditoriumNameTakenError extends ConflictError {
  override name = 'AuditoriumNameTakenError';
  constructor() {
    super('AUDITORIUM_NAME_TAKEN', 'The theater already has an auditorium with this name');
  }
}

export class TheaterHasShowtimesError extends ConflictError {
  override name = 'TheaterHasShowtimesError';
  constructor() {
    super('THEATER_HAS_SHOWTIMES', 'The theater has showtimes; delete them first');
  }
}

export class AuditoriumHasShowtimesError extends ConflictError {
  override name = 'AuditoriumHasShowtimesError';
  constructor() {
    super('AUDITORIUM_HAS_SHOWTIMES', 'The auditorium has showtimes; delete them first');
  }
}

export class MovieHasShowtimesError extends ConflictError {
  override name = 'MovieHasShowtimesError';
  constructor() {
    super('MOVIE_HAS_SHOWTIMES', 'The movie has showtimes; delete them first');
  }
}

export class ShowtimeHasSalesError extends ConflictError {
  override name = 'ShowtimeHasSalesError';
  constructor() {
    super('SHOWTIME_HAS_SALES', 'Seats of this showtime are sold; refund them before deleting it');
  }
}

export class ShowtimeHasBookingsError extends ConflictError {
  override name = 'ShowtimeHasBookingsError';
  constructor(message = 'Bookings refer to this showtime') {
    super('SHOWTIME_HAS_BOOKINGS', message);
  }
}

export class UnknownLanguageError extends DomainError {
  override name = 'UnknownLanguageError';
  constructor(field: string, code: string) {
    super(400, 'UNKNOWN_LANGUAGE', `${field} is not a known ISO 639 language code: ${code}`, { field });
  }
}

export class PresentationLanguageRequiredError extends DomainError {
  override name = 'PresentationLanguageRequiredError';
  constructor(field = 'body.presentationLanguage') {
    super(
      400,
      'PRESENTATION_LANGUAGE_REQUIRED',
      'A subtitled or dubbed showtime needs presentationLanguage (the subtitles or the dubbed soundtrack)',
      { field },
    );
  }
}

export class PresentationLanguageNotAllowedError extends DomainError {
  override name = 'PresentationLanguageNotAllowedError';
  constructor(field = 'body.presentationLanguage') {
    super(
      400,
      'PRESENTATION_LANGUAGE_NOT_ALLOWED',
      'An original-version showtime has no presentationLanguage: send presentation subtitled or dubbed',
      { field },
    );
  }
}

export class LayoutVersionConflictError extends ConflictError {
  override name = 'LayoutVersionConflictError';
  constructor(currentVersion: number) {
    super(
      'LAYOUT_VERSION_CONFLICT',
      'The layout was saved by someone else since you opened it: reload it and make your changes again',
      { currentVersion },
    );
  }
}

export class TheaterClosedError extends ConflictError {
  override name = 'TheaterClosedError';
  constructor() {
    super('THEATER_CLOSED', 'The theater is closed: reopen it before scheduling showtimes');
  }
}

export class SeatTypeNotFoundError extends NotFoundError {
  override name = 'SeatTypeNotFoundError';
  constructor() {
    super('Seat type', 'SEAT_TYPE_NOT_FOUND');
  }
}

export class SeatTypeNameTakenError extends ConflictError {
  override name = 'SeatTypeNameTakenError';
  constructor() {
    super('SEAT_TYPE_NAME_TAKEN', 'The theater already has a seat type with this name (names ignore case)');
  }
}

export class SeatTypeInUseError extends ConflictError {
  override name = 'SeatTypeInUseError';
  constructor(auditoriums: { id: string; name: string }[], upcomingShowtimes: number) {
    super(
      'SEAT_TYPE_IN_USE',
      auditoriums.length > 0
        ? `The seat type is used by the layout of ${auditoriums.map((a) => a.name).join(', ')}: give those seats another type first`
        : 'Showtimes still to come sell seats of this type: delete the type after they have played',
      { auditoriums, upcomingShowtimes },
    );
  }
}

/** A layout names seat types that are not this theater's (or a type on a wheelchair or companion seat). */
export class UnknownSeatTypeError extends DomainError {
  override name = 'UnknownSeatTypeError';
  constructor(fields: { field: string; message: string }[], unknownNames: string[] = []) {
    super(
      400,
      'UNKNOWN_SEAT_TYPE',
      unknownNames.length > 0
        ? `The layout names seat types this theater does not have: ${unknownNames.join(', ')}. Create them first, or change those seats`
        : `Invalid seat layout: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`,
      { fields, unknownNames },
    );
  }
}
