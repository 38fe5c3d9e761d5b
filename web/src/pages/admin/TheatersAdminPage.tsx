import { api } from '../../api/client';
import { Loading } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatMoney, formatTaxRate } from '../../lib/format';
import { Link } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';

/** Every theater, open and closed, with what operators set on them. */
export function TheatersAdminPage() {
  const { data, error, loading } = useAsync((signal) => api.admin.theaters(signal), []);
  return (
    <div className="stack-lg">
      <PageHeading title="Theaters · Console">Theaters</PageHeading>
      <p>
        <Link to="/admin/theaters/new" className="btn btn-primary">
          New theater
        </Link>
      </p>
      {error !== undefined && <ConsoleError error={error} title="Could not load the theaters" />}
      {loading && !data && <Loading />}
      {data && data.theaters.length === 0 && <p className="lead">No theaters yet: create the first one.</p>}
      {data && data.theaters.length > 0 && (
        <table className="console-table">
          <caption className="visually-hidden">Theaters</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">City</th>
              <th scope="col">Auditoriums</th>
              <th scope="col">Booking fee</th>
              <th scope="col">Sales tax</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {data.theaters.map((t) => (
              <tr key={t.id}>
                <th scope="row">
                  <Link to={`/admin/theaters/${t.id}`}>{t.name}</Link>
                </th>
                <td>{t.city}</td>
                <td>{t.auditoriumCount}</td>
                <td>{formatMoney(t.bookingFeeCents, t.currency)}</td>
                <td>{formatTaxRate(t.taxRatePpm)}</td>
                <td>
                  {t.closedAt ? (
                    <span className="badge badge-cancelled">Closed</span>
                  ) : (
                    <span className="badge badge-confirmed">Open</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
