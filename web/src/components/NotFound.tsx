import { Link } from '../lib/router';
import { PageHeading } from './PageHeading';

/** A link that leads nowhere (a mistyped id, an old booking link): said plainly, with a way on. */
export function NotFound({
  what = 'page',
  back = { to: '/', label: 'Find a theater' },
}: {
  what?: string;
  back?: { to: string; label: string };
}) {
  return (
    <div className="stack-lg" data-testid="not-found">
      <PageHeading title={`${what.charAt(0).toUpperCase()}${what.slice(1)} not found`}>
        We could not find this {what}
      </PageHeading>
      <p className="lead">The link may be mistyped, or what it pointed to is no longer there.</p>
      <p>
        <Link to={back.to}>{back.label}</Link>
      </p>
    </div>
  );
}
