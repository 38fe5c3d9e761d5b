import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError } from '../api/client';
import type { User } from '../api/types';
import { session } from './session';

interface AuthState {
  user: User | null;
  /** True while a stored token is being checked with the API. */
  checking: boolean;
  /** Why the last session ended, when it was not the user's choice (expired token). */
  notice: string | null;
  signedIn(token: string, user: User): void;
  signOut(): void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(() => (session.token() ? session.cachedUser() : null));
  const [checking, setChecking] = useState<boolean>(() => session.token() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (!session.token()) return;
    const ctrl = new AbortController();
    api
      .me(ctrl.signal)
      .then(({ user: fresh }) => setUser(fresh))
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) setUser(null);
      })
      .finally(() => setChecking(false));
    return () => ctrl.abort();
  }, []);

  useEffect(
    () =>
      session.onExpire(() => {
        setUser(null);
        setNotice('Your session has ended. Please sign in again.');
      }),
    [],
  );

  const signedIn = useCallback((token: string, u: User) => {
    session.save(token, u);
    setUser(u);
    setNotice(null);
  }, []);

  const signOut = useCallback(() => {
    session.clear();
    setUser(null);
    setNotice(null);
  }, []);

  const value = useMemo(
    () => ({ user, checking, notice, signedIn, signOut }),
    [user, checking, notice, signedIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
