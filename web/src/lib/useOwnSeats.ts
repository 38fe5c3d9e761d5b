import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Booking } from '../api/types';
import { NO_OWN_SEATS, type OwnSeats } from '../components/SeatMap';

/** Pages of the customer's bookings read to find this showtime's (newest first, 100 a page). */
const MAX_PAGES = 5;

export interface OwnBookings extends OwnSeats {
  /** This showtime's bookings that hold or own seats: paid ones and holds still awaiting payment. */
  bookings: Booking[];
}

const NONE: OwnBookings = { ...NO_OWN_SEATS, bookings: [] };

/**
 * The signed-in customer's own seats in one showtime, from their bookings (GET /bookings). The seat map
 * itself is shared by everyone and cached per process, so it never says whose a seat is; the page marks
 * the customer's own seats from this instead. Read again when the tab comes back into view (they may have
 * paid in another tab). Not read at all while signed out.
 */
export function useOwnSeats(showtimeId: string, signedIn: boolean): OwnBookings {
  const [own, setOwn] = useState<OwnBookings>(NONE);
  useEffect(() => {
    setOwn(NONE);
    if (!signedIn) return; // someone browsing signed out has no seats of their own
    const ctrl = new AbortController();
    let running = false;
    async function load(): Promise<void> {
      if (running) return;
      running = true;
      try {
        const mine: Booking[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const res = await api.bookings(cursor, 100, ctrl.signal);
          mine.push(...res.bookings.filter((b) => b.showtimeId === showtimeId));
          if (!res.nextCursor) break;
          cursor = res.nextCursor;
        }
        const now = Date.now();
        const live = mine.filter(
          (b) =>
            b.status === 'confirmed' || (b.status === 'pending' && new Date(b.expiresAt).getTime() > now),
        );
        const ids = (status: Booking['status'], ticket: string) =>
          new Set(
            live
              .filter((b) => b.status === status)
              .flatMap((b) => b.tickets.filter((t) => t.status === ticket).map((t) => t.seatId)),
          );
        if (!ctrl.signal.aborted)
          setOwn({ booked: ids('confirmed', 'sold'), held: ids('pending', 'held'), bookings: live });
      } catch {
        // Only a nicety: without it the customer's seats show as sold or held, as to everyone else.
      } finally {
        running = false;
      }
    }
    void load();
    const onVisible = () => {
      if (document.visibilityState === 'visible') void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      ctrl.abort();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [showtimeId, signedIn]);
  return own;
}
