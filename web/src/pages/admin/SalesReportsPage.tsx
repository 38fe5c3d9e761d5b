import { useId, useState } from 'react';
import { api } from '../../api/client';
import type { SalesGrouping, SalesReport, SalesReportRow } from '../../api/types';
import { Loading } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { addDays, formatMoney, todayIn } from '../../lib/format';
import { Link } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';

const GROUPINGS: [SalesGrouping, string][] = [
  ['day', 'Day'],
  ['showtime', 'Showtime'],
  ['movie', 'Movie'],
  ['theater', 'Theater'],
];

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Occupancy and revenue over a date range, grouped, as a chart and a table, with CSV downloads. */
export function SalesReportsPage() {
  const id = useId();
  const today = todayIn();
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [groupBy, setGroupBy] = useState<SalesGrouping>('day');
  const [theaterId, setTheaterId] = useState('');
  const theaters = useAsync((signal) => api.admin.theaters(signal), []);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
  const report = useAsync(
    (signal) =>
      valid
        ? api.sales.report({ from, to, groupBy, ...(theaterId ? { theaterId } : {}) }, signal)
        : Promise.resolve(null),
    [from, to, groupBy, theaterId, valid],
  );
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const [downloading, setDownloading] = useState<string | null>(null);
  const [downloaded, setDownloaded] = useState('');

  const download = async (kind: 'report' | 'sales') => {
    setDownloading(kind);
    setDownloadError(null);
    setDownloaded('');
    try {
      const query: Record<string, string> = { from, to, ...(theaterId ? { theaterId } : {}) };
      const file =
        kind === 'report'
          ? await api.sales.csv('/admin/sales/report.csv', { ...query, groupBy })
          : await api.sales.csv('/admin/sales/bookings.csv', query);
      const url = URL.createObjectURL(file.blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = file.filename;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDownloaded(`Downloaded ${file.filename}.`);
    } catch (err) {
      setDownloadError(err);
    } finally {
      setDownloading(null);
    }
  };

  return (
    <div className="stack-lg" data-testid="sales-reports">
      <PageHeading title="Reports · Sales · Console">Sales reports</PageHeading>
      <p>
        <Link to="/admin/sales">Live seats of a showtime</Link>
      </p>
      <form className="card sales-filters" aria-label="Report range" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="date"
            value={from}
            max={to}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="report-from"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="date"
            value={to}
            min={from}
            onChange={(e) => setTo(e.target.value)}
            data-testid="report-to"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-group`}>Group by</label>
          <select
            id={`${id}-group`}
            value={groupBy}
            onChange={(e) => setGroupBy(e.target.value as SalesGrouping)}
            data-testid="report-group"
          >
            {GROUPINGS.map(([g, label]) => (
              <option key={g} value={g}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-theater`}>Theater</label>
          <select
            id={`${id}-theater`}
            value={theaterId}
            onChange={(e) => setTheaterId(e.target.value)}
            data-testid="report-theater"
          >
            <option value="">All theaters</option>
            {theaters.data?.theaters.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        {!valid && <p className="field-error">Choose a start date on or before the end date.</p>}
      </form>
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={!valid || downloading !== null}
          onClick={() => void download('report')}
          data-testid="download-report"
        >
          {downloading === 'report' ? 'Downloading…' : 'Download this report (CSV)'}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={!valid || downloading !== null}
          onClick={() => void download('sales')}
          data-testid="download-sales"
        >
          {downloading === 'sales' ? 'Downloading…' : 'Download sales, one row per booking (CSV)'}
        </button>
      </div>
      <p className="muted small" aria-live="polite">
        {downloaded}
      </p>
      {downloadError ? <ConsoleError error={downloadError} title="Could not download" /> : null}
      {report.error !== undefined && <ConsoleError error={report.error} title="Could not load the report" />}
      {report.loading && !report.data && valid && <Loading label="Loading the report" />}
      {report.data && <ReportView report={report.data} />}
    </div>
  );
}

function ReportView({ report }: { report: SalesReport }) {
  const id = useId();
  if (report.rows.length === 0) return <p className="lead">No showtimes in this range.</p>;
  return (
    <div className="stack-lg">
      <figure className="card stack sales-chart" aria-labelledby={`${id}-cap`}>
        <figcaption id={`${id}-cap`}>
          <strong>Revenue and occupancy by {report.groupBy}</strong>{' '}
          <span className="muted small">(the same numbers are in the table below)</span>
        </figcaption>
        <Bars rows={report.rows} />
      </figure>
      <div className="table-scroll">
        <table className="console-table" data-testid="report-table">
          <caption className="visually-hidden">
            Sales from {report.from} to {report.to} by {report.groupBy}
          </caption>
          <thead>
            <tr>
              <th scope="col">{report.groupBy[0]!.toUpperCase() + report.groupBy.slice(1)}</th>
              <th scope="col">Showtimes</th>
              <th scope="col">Sold</th>
              <th scope="col">Occupancy</th>
              <th scope="col">Revenue</th>
              <th scope="col">Online</th>
              <th scope="col">Box office</th>
              <th scope="col">Refunds</th>
              <th scope="col">Cancelled holds</th>
              <th scope="col">Blocked</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <Row key={`${r.key}-${r.currency}`} r={r} />
            ))}
          </tbody>
          <tfoot>
            {report.totals.map((r) => (
              <Row key={r.key} r={r} />
            ))}
          </tfoot>
        </table>
      </div>
    </div>
  );
}

function Row({ r }: { r: SalesReportRow }) {
  return (
    <tr>
      <th scope="row">{r.label}</th>
      <td>{r.showtimes}</td>
      <td>
        {r.sold} of {r.capacity}
      </td>
      <td>{percent(r.occupancy)}</td>
      <td>{formatMoney(r.revenueCents, r.currency)}</td>
      <td>{formatMoney(r.onlineCents, r.currency)}</td>
      <td>{formatMoney(r.boxOfficeCents, r.currency)}</td>
      <td>
        {r.refunds}
        {r.refunds > 0 ? ` (${formatMoney(r.refundedCents, r.currency)})` : ''}
      </td>
      <td>{r.cancellations}</td>
      <td>{r.blocked}</td>
    </tr>
  );
}

/**
 * Two bars per group, inline SVG: revenue (scaled to the largest in its currency) and occupancy (of 100%).
 * Hidden from screen readers, who get the table, which holds every number the chart shows.
 */
function Bars({ rows }: { rows: SalesReportRow[] }) {
  const shown = rows.slice(0, 40);
  const maxByCurrency = new Map<string, number>();
  for (const r of shown) {
    maxByCurrency.set(r.currency, Math.max(maxByCurrency.get(r.currency) ?? 0, r.revenueCents));
  }
  return (
    <>
      <ul className="bars" aria-hidden="true" data-testid="report-chart">
        {shown.map((r) => {
          const revenue = (100 * r.revenueCents) / (maxByCurrency.get(r.currency) || 1);
          return (
            <li key={`${r.key}-${r.currency}`} className="bars-row">
              <span className="bars-label">{r.label}</span>
              <svg className="bars-svg" viewBox="0 0 100 20" preserveAspectRatio="none">
                <rect className="bar-track" x={0} y={0} width={100} height={20} />
                <rect className="bar-revenue" x={0} y={1} width={Math.max(revenue, 0.5)} height={10} />
                <rect
                  className="bar-occupancy"
                  x={0}
                  y={13}
                  width={Math.max(100 * r.occupancy, 0.5)}
                  height={6}
                />
              </svg>
              <span className="bars-value">
                {formatMoney(r.revenueCents, r.currency)} · {percent(r.occupancy)}
              </span>
            </li>
          );
        })}
      </ul>
      <p className="muted small">
        <span className="swatch swatch-revenue" aria-hidden="true" /> Revenue{' '}
        <span className="swatch swatch-occupancy" aria-hidden="true" /> Occupancy
        {rows.length > shown.length
          ? ` · the first ${shown.length} of ${rows.length} rows; all are in the table`
          : ''}
      </p>
    </>
  );
}
