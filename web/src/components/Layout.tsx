import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { useAuth } from '../lib/auth';
import { Link, navigate, signInHref, useLocation } from '../lib/router';

function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const { path } = useLocation();
  const current = to === '/' ? path === '/' || path.startsWith('/theaters') : path.startsWith(to);
  return (
    <Link to={to} className="nav-link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { user, checking, signOut } = useAuth();
  const location = useLocation();
  const header = useRef<HTMLElement>(null);
  // The header is sticky: things that stick below it (the hold countdown) need its height, which wraps on phones.
  useLayoutEffect(() => {
    const el = header.current;
    if (!el) return;
    const ro = new ResizeObserver(() =>
      document.documentElement.style.setProperty('--header-h', `${el.offsetHeight}px`),
    );
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header" ref={header}>
        <div className="site-header-inner">
          <Link to="/" className="brand" aria-label="Matinee, home">
            <span className="brand-mark" aria-hidden="true">
              ▶
            </span>
            Matinee
          </Link>
          <nav aria-label="Main" className="main-nav">
            <NavLink to="/">Theaters</NavLink>
            {user && <NavLink to="/bookings">My bookings</NavLink>}
            {(user?.role === 'staff' || user?.role === 'admin') && <NavLink to="/checkin">Check-in</NavLink>}
            {(user?.role === 'staff' || user?.role === 'admin') && (
              <NavLink to="/box-office">Box office</NavLink>
            )}
            {user?.role === 'admin' && <NavLink to="/admin">Console</NavLink>}
          </nav>
          {!user && !checking && location.path !== '/signin' && (
            <div className="account">
              <Link to={signInHref(location.href)} className="btn btn-secondary btn-small">
                Sign in
              </Link>
            </div>
          )}
          {user && (
            <div className="account">
              <Link to="/account" className="account-name nav-link" title={`${user.email}: your account`}>
                {user.name}
              </Link>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => {
                  signOut();
                  navigate('/');
                }}
              >
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        <p>
          Matinee · demo cinema booking · <a href="/docs">API docs</a>
        </p>
      </footer>
    </div>
  );
}
