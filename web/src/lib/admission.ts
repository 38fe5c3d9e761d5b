/**
 * Admissions from the waiting room of high-demand showtimes, by showtime, in sessionStorage: the seat map sends
 * the token with the hold. Another tab without one asks the queue, which answers the same admission (one place
 * per account), so nothing is lost when this storage is.
 */
const KEY = (showtimeId: string) => `matinee.admission.${showtimeId}`;

export interface Admission {
  token: string;
  expiresAt: string;
}

export const admissions = {
  read(showtimeId: string): Admission | null {
    try {
      const raw = window.sessionStorage.getItem(KEY(showtimeId));
      if (!raw) return null;
      const a = JSON.parse(raw) as Admission;
      return new Date(a.expiresAt).getTime() > Date.now() ? a : null;
    } catch {
      return null;
    }
  },
  save(showtimeId: string, admission: Admission): void {
    try {
      window.sessionStorage.setItem(KEY(showtimeId), JSON.stringify(admission));
    } catch {
      // storage disabled: the queue answers the admission again
    }
  },
  clear(showtimeId: string): void {
    try {
      window.sessionStorage.removeItem(KEY(showtimeId));
    } catch {
      // nothing kept
    }
  },
};
