import type { User } from '../api/types';

const TOKEN_KEY = 'matinee.token';
const USER_KEY = 'matinee.user';

type Listener = (reason?: string) => void;
const listeners = new Set<Listener>();

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (private mode): the session lasts as long as the page
  }
}

let memoryToken: string | null = read(TOKEN_KEY);

/**
 * The bearer token, kept in localStorage so a reload or a new tab stays signed in. Nothing else is stored;
 * signing out removes both keys. Listeners hear about sign-out and about a token the API refused.
 */
export const session = {
  token(): string | null {
    return memoryToken;
  },
  cachedUser(): User | null {
    const raw = read(USER_KEY);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as User;
    } catch {
      return null;
    }
  },
  save(token: string, user: User): void {
    memoryToken = token;
    try {
      window.localStorage.setItem(TOKEN_KEY, token);
      window.localStorage.setItem(USER_KEY, JSON.stringify(user));
    } catch {
      // keep it in memory only
    }
  },
  clear(): void {
    memoryToken = null;
    try {
      window.localStorage.removeItem(TOKEN_KEY);
      window.localStorage.removeItem(USER_KEY);
    } catch {
      // nothing stored
    }
  },
  /** The API answered 401 to our token: forget it and tell the app to ask for a sign-in. */
  expire(reason: string): void {
    this.clear();
    for (const l of listeners) l(reason);
  },
  onExpire(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
