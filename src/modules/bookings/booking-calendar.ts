import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { formatAddress } from '../catalog/address.js';

/** What a calendar entry says about a booking (a subset of the email's view of it). */
export interface CalendarBooking {
  booking: {
    id: string;
    reference: string;
    createdAt: Date;
    confirmedAt: Date | null;
    closedAt: Date | null;
  };
  movie: { title: string; runtimeMinutes: number };
  showtime: { startsAt: Date };
  theater: { name: string; address: string; city: string; timeZone: string };
  auditorium: { name: string };
  tickets: { row: string; number: number }[];
}

/**
 * An iCalendar file (RFC 5545, by ical-generator) for a booking's showtime: start and end on the theater's clock
 * (TZID with its VTIMEZONE, so a calendar in another zone still shows the right instant), the movie, the theater
 * and its address, and a link to the booking. `cancel` (after a refund) is METHOD:CANCEL with the same UID and a
 * higher SEQUENCE, so calendars that imported the first one remove it.
 */
export function bookingCalendar(
  v: CalendarBooking,
  o: { domain: string; bookingUrl: string; cancel?: boolean },
): string {
  const cancel = o.cancel ?? false;
  const calendar = ical({
    prodId: { company: 'Matinee', product: 'Tickets', language: 'EN' },
    method: cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH,
    name: `${v.movie.title} (Matinee)`,
  });
  // A Luxon time in the theater's zone: ical-generator would read a native Date's wall clock in the process's zone.
  const zone = v.theater.timeZone;
  const start = DateTime.fromJSDate(v.showtime.startsAt, { zone });
  // No calendar-wide zone (DTSTAMP stays UTC, as RFC 5545 wants); the generator adds the event zone's VTIMEZONE.
  calendar.timezone({ name: null, generator: getVtimezoneComponent });
  const seats = v.tickets.map((t) => `${t.row}${t.number}`).join(', ');
  calendar.createEvent({
    id: `booking-${v.booking.id}@${o.domain}`,
    sequence: cancel ? 1 : 0,
    stamp: DateTime.fromJSDate(v.booking.closedAt ?? v.booking.confirmedAt ?? v.booking.createdAt, {
      zone: 'utc',
    }),
    start,
    end: start.plus({ minutes: v.movie.runtimeMinutes }),
    timezone: zone,
    summary: `${v.movie.title} (Matinee)`,
    location: `${v.theater.name}, ${formatAddress(v.theater.address, v.theater.city)}`,
    description:
      `Booking ${v.booking.reference}. ${v.auditorium.name}${seats ? `, seats ${seats}` : ''}.\n` +
      `Your tickets: ${o.bookingUrl}`,
    url: o.bookingUrl,
    status: cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}
