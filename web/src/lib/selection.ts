const KEY = 'matinee.selection';

/** The seats chosen on a showtime's seat map, kept for this tab across a reload and the sign-in round trip. */
export interface SavedSelection {
  showtimeId: string;
  seatIds: string[];
  /** Tickets of each type besides adult (child, senior, student) asked for; adult is the rest of the seats. */
  ticketTypes?: Record<string, number>;
  /** The hold button was pressed signed out: hold these seats as soon as the customer is back signed in. */
  holdAfterSignIn?: boolean;
}

/**
 * sessionStorage: per tab, gone when the tab closes, never sent anywhere. One selection at a time (the
 * showtime last chosen on); another showtime's page starts empty.
 */
export const savedSelection = {
  read(showtimeId: string): SavedSelection | null {
    try {
      const raw = window.sessionStorage.getItem(KEY);
      if (!raw) return null;
      const saved = JSON.parse(raw) as Partial<SavedSelection>;
      if (saved.showtimeId !== showtimeId || !Array.isArray(saved.seatIds)) return null;
      return {
        showtimeId,
        seatIds: saved.seatIds.filter((id): id is string => typeof id === 'string'),
        ticketTypes: Object.fromEntries(
          Object.entries(saved.ticketTypes ?? {}).filter(
            (e): e is [string, number] => Number.isInteger(e[1]) && (e[1] as number) > 0,
          ),
        ),
        holdAfterSignIn: saved.holdAfterSignIn === true,
      };
    } catch {
      return null; // storage disabled or a value we did not write
    }
  },
  write(selection: SavedSelection): void {
    try {
      if (selection.seatIds.length === 0 && !selection.holdAfterSignIn) {
        const current = window.sessionStorage.getItem(KEY);
        // Clearing this showtime's selection must not wipe another showtime's.
        if (current && (JSON.parse(current) as SavedSelection).showtimeId !== selection.showtimeId) return;
        window.sessionStorage.removeItem(KEY);
        return;
      }
      window.sessionStorage.setItem(KEY, JSON.stringify(selection));
    } catch {
      // not kept: the selection lasts as long as the page
    }
  },
  clear(showtimeId: string): void {
    this.write({ showtimeId, seatIds: [] });
  },
};
