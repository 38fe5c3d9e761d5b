import type { ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { humanError } from '../../lib/errors';
import { useAuth } from '../../lib/auth';
import { Link, useLocation } from '../../lib/router';

/**
 * The operator console's frame: its own navigation, shown to admins.
 * Staff and customers get a page that says plainly why not, and where they can go instead.
 */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { path } = useLocation();
  if (!user) return null; // App sends signed-out visitors to sign in first
  if (user.role !== 'admin') return <NotAllowed role={user.role} />;
  const sections: [string, string, (p: string) => boolean][] = [
    ['/admin/theaters', 'Theaters', (p) => p === '/admin' || p.startsWith('/admin/theaters')],
    ['/admin/movies', 'Movies', (p) => p.startsWith('/admin/movies')],
    ['/admin/schedule', 'Schedule', (p) => p.startsWith('/admin/schedule')],
    ['/admin/sales', 'Sales', (p) => p.startsWith('/admin/sales')],
    ['/admin/waiting-rooms', 'Waiting rooms', (p) => p.startsWith('/admin/waiting-rooms')],
    ['/admin/people', 'People', (p) => p.startsWith('/admin/people')],
    ['/admin/audit-log', 'Audit log', (p) => p.startsWith('/admin/audit-log')],
  ];
  return (
    <div className="console" data-testid="console">
      <nav aria-label="Operator console" className="console-nav">
        <p className="console-title">Operator console</p>
        <ul>
          {sections.map(([to, label, isCurrent]) => (
            <li key={to}>
              <Link to={to} className="nav-link" aria-current={isCurrent(path) ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
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
