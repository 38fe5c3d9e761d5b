import type { ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { humanError } from '../../lib/errors';
import { useAuth } from '../../lib/auth';
import { Link, useLocation } from '../../lib/router';

/**
 * The operator console's frame: its own navigation (Theaters, People, Audit log), shown to admins.
 * Staff and customers get a page that says plainly why not, and where they can go instead.
 */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { path } = useLocation();
  if (!user) return null; // App sends signed-out visitors to sign in first
  if (user.role !== 'admin') return <NotAllowed role={user.role} />;
  const current = (section: string) =>
    (
      section === 'theaters'
        ? path === '/admin' || path.startsWith('/admin/theaters')
        : path === `/admin/${section}`
    )
      ? ('page' as const)
      : undefined;
  return (
    <div className="console" data-testid="console">
      <nav aria-label="Operator console" className="console-nav">
        <p className="console-title">Operator console</p>
        <ul>
          <li>
            <Link to="/admin/theaters" className="nav-link" aria-current={current('theaters')}>
              Theaters
            </Link>
          </li>
          <li>
            <Link to="/admin/people" className="nav-link" aria-current={current('people')}>
              People
            </Link>
          </li>
          <li>
            <Link to="/admin/audit-log" className="nav-link" aria-current={current('audit-log')}>
              Audit log
            </Link>
          </li>
        </ul>
      </nav>
      <div className="console-main">{children}</div>
    </div>
  );
}

function NotAllowed({ role }: { role: string }) {
  return (
    <div className="stack-lg" data-testid="not-allowed">
      <PageHeading title="Not allowed">The operator console is for administrators</PageHeading>
      <p className="lead">
        You are signed in as {role === 'staff' ? 'door staff' : 'a customer'}, so you cannot set up theaters
        or seat layouts. Ask an administrator of your cinema if you need this.
      </p>
      <p>
        {role === 'staff' ? <Link to="/checkin">Go to check-in</Link> : <Link to="/">Find a theater</Link>}
      </p>
    </div>
  );
}

/** Admin answers speak to operators: a validation message names the field, so show the API's own words. */
export function consoleError(err: unknown): string {
  if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') return err.message;
  return humanError(err);
}

export function ConsoleError({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  return (
    <Notice kind="error" title={title} focus>
      <p>{consoleError(error)}</p>
    </Notice>
  );
}
