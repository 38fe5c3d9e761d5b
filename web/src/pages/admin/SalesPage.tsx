import { useId, useState } from 'react';
import { api } from '../../api/client';
import { Loading } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { addDays, formatTime, todayIn } from '../../lib/format';
import { Link } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';

/** Sales: pick a theater and a day, then a showtime to watch its seats live; or open the reports. */
export function SalesPage() {
  const id = useId();
  const theaters = useAsync((signal) => api.admin.theaters(signal), []);
  const [theaterId, setTheaterId] = useState('');
  const theater = theaters.data?.theaters.find((t) => t.id === theaterId);
  const [date, setDate] = useState<string | undefined>(undefined);
  const day = date ?? todayIn(theater?.timeZone);
  const showtimes = useAsync(
    (signal) =>
      theaterId
        ? // A day in the theater's zone lies within [day - 1, day + 2) in UTC; the list is filtered to it below.
          api.admin.showtimes(
            { theaterId, from: `${addDays(day, -1)}T00:00:00Z`, to: `${addDays(day, 2)}T00:00:00Z` },
            signal,
          )
        : Promise.resolve(null),
    [theaterId, day],
  );
  const onDay = (showtimes.data?.showtimes ?? []).filter(
    (s) => todayIn(s.theater.timeZone, new Date(s.startsAt)) === day,
  );

  return (
    <div className="stack-lg">
      <PageHeading title="Sales · Console">Sales</PageHeading>
      <p>
        <Link to="/admin/sales/reports" className="btn btn-secondary">
          Reports and CSV exports
        </Link>
      </p>
      {theaters.error !== undefined && (
        <ConsoleError error={theaters.error} title="Could not load the theaters" />
      )}
      <section className="card stack" aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Live seats of a showtime</h2>
        <div className="sales-filters">
          <div className="field">
            <label htmlFor={`${id}-theater`}>Theater</label>
            <select
              id={`${id}-theater`}
              value={theaterId}
              onChange={(e) => setTheaterId(e.target.value)}
              data-testid="sales-theater"
            >
              <option value="">Choose a theater</option>
              {theaters.data?.theaters.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-date`}>Date</label>
            <input
              id={`${id}-date`}
              type="date"
              value={day}
              onChange={(e) => setDate(e.target.value || undefined)}
              data-testid="sales-date"
            />
          </div>
        </div>
        {theaterId && showtimes.loading && !showtimes.data && <Loading label="Loading showtimes" />}
        {showtimes.error !== undefined && (
          <ConsoleError error={showtimes.error} title="Could not load showtimes" />
        )}
        {theaterId && showtimes.data && onDay.length === 0 && (
          <p className="muted">No showtimes on this day.</p>
        )}
        {onDay.length > 0 && (
          <table className="console-table" data-testid="sales-showtimes">
            <caption className="visually-hidden">Showtimes on {day}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Movie</th>
                <th scope="col">Auditorium</th>
                <th scope="col">Sold</th>
                <th scope="col">Held</th>
                <th scope="col">Free</th>
              </tr>
            </thead>
            <tbody>
              {onDay.map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    <Link to={`/admin/sales/showtimes/${s.id}`}>
                      {formatTime(s.startsAt, s.theater.timeZone)}
                    </Link>
                  </th>
                  <td>{s.movie.title}</td>
                  <td>{s.auditorium.name}</td>
                  <td>
                    {s.seats.sold} of {s.seats.total}
                  </td>
                  <td>{s.seats.held}</td>
                  <td>{s.seats.available}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
