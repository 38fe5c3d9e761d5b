import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { AuditEntry, AuditQuery } from '../../api/types';
import { Loading } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { formatDateTime } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';

const SUBJECT_TYPES = ['theater', 'auditorium', 'movie', 'showtime', 'booking', 'user', 'invitation'];
const PAGE = 50;

interface Filters {
  theaterId: string;
  subjectType: string;
  actorId: string;
  action: string;
}

const NO_FILTERS: Filters = { theaterId: '', subjectType: '', actorId: '', action: '' };

function queryOf(f: Filters): AuditQuery {
  return {
    limit: PAGE,
    ...(f.theaterId ? { theaterId: f.theaterId } : {}),
    ...(f.subjectType ? { subjectType: f.subjectType } : {}),
    ...(f.actorId ? { actorId: f.actorId } : {}),
    ...(f.action.trim() ? { action: f.action.trim() } : {}),
  };
}

/** Every operator action, newest first: who, when, what, and the subject before and after. */
export function AuditLogPage() {
  const theaters = useAsync((signal) => api.admin.theaters(signal), []);
  const people = useAsync((signal) => api.admin.people(signal), []);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [status, setStatus] = useState('');
  const firstNew = useRef<HTMLLIElement | null>(null);
  const focusIndex = useRef<number | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(undefined);
    api.admin
      .auditLog(queryOf(filters), ctrl.signal)
      .then((page) => {
        setEntries(page.entries);
        setCursor(page.nextCursor);
        setStatus(`${page.entries.length}${page.nextCursor ? '+' : ''} entries shown.`);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setError(err);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [filters]);

  useEffect(() => {
    if (focusIndex.current !== null) {
      firstNew.current?.focus();
      focusIndex.current = null;
    }
  }, [entries]);

  async function loadMore() {
    if (!cursor) return;
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.admin.auditLog({ ...queryOf(filters), cursor });
      focusIndex.current = entries.length;
      setEntries([...entries, ...page.entries]);
      setCursor(page.nextCursor);
      setStatus(`${page.entries.length} more entries loaded.`);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters({ ...draft });
  }

  const theaterName = new Map((theaters.data?.theaters ?? []).map((t) => [t.id, t.name]));

  return (
    <div className="stack-lg">
      <PageHeading title="Audit log · Console">Audit log</PageHeading>
      <form className="card console-form audit-filters" onSubmit={apply} aria-label="Filter the audit log">
        <div className="field-row">
          <div className="field">
            <label htmlFor="audit-theater">Theater</label>
            <select
              id="audit-theater"
              value={draft.theaterId}
              onChange={(e) => setDraft({ ...draft, theaterId: e.target.value })}
            >
              <option value="">Any theater</option>
              {(theaters.data?.theaters ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="audit-subject">What</label>
            <select
              id="audit-subject"
              value={draft.subjectType}
              onChange={(e) => setDraft({ ...draft, subjectType: e.target.value })}
            >
              <option value="">Anything</option>
              {SUBJECT_TYPES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="audit-actor">Who</label>
            <select
              id="audit-actor"
              value={draft.actorId}
              onChange={(e) => setDraft({ ...draft, actorId: e.target.value })}
            >
              <option value="">Anyone</option>
              {(people.data?.people ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.email})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="audit-action">Action</label>
            <input
              id="audit-action"
              value={draft.action}
              placeholder="e.g. user.change_access"
              aria-describedby="audit-action-hint"
              autoComplete="off"
              onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            />
            <p className="field-hint" id="audit-action-hint">
              Exact action name: subject.verb
            </p>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary">
            Show
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <p className="visually-hidden" aria-live="polite">
        {status}
      </p>
      {error !== undefined && <ConsoleError error={error} title="Could not load the audit log" />}
      {loading && entries.length === 0 && <Loading />}
      {!loading && entries.length === 0 && error === undefined && (
        <p className="lead">Nothing matches these filters.</p>
      )}
      {entries.length > 0 && (
        <ol className="audit-list" data-testid="audit-entries">
          {entries.map((e, i) => (
            <li
              key={e.id}
              className="card stack audit-entry"
              data-action={e.action}
              tabIndex={-1}
              ref={i === focusIndex.current ? firstNew : undefined}
            >
              <p className="audit-head">
                <strong>{e.action}</strong> <span className="muted">on</span> {e.subjectType}{' '}
                <code className="muted">{e.subjectId.slice(0, 8)}</code>
                {e.theaterId && (
                  <span className="muted"> · {theaterName.get(e.theaterId) ?? 'a theater'}</span>
                )}
              </p>
              <p className="muted small">
                {e.actor.email} · <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                {e.reason && <> · {e.reason}</>}
              </p>
              <Diff before={e.before} after={e.after} />
            </li>
          ))}
        </ol>
      )}
      {cursor && (
        <p>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => void loadMore()}
            disabled={loading}
            aria-busy={loading}
          >
            Load more
          </button>
        </p>
      )}
    </div>
  );
}

function show(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'none';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Before and after, field by field; changed fields first and marked. */
function Diff({ before, after }: { before: unknown; after: unknown }) {
  if (!isRecord(before) && !isRecord(after)) {
    return (
      <p className="small">
        {show(before)} → {show(after)}
      </p>
    );
  }
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const changed = (k: string) => JSON.stringify(b[k]) !== JSON.stringify(a[k]);
  keys.sort((x, y) => Number(changed(y)) - Number(changed(x)));
  return (
    <table className="console-table audit-diff">
      <caption className="visually-hidden">Before and after</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before{isRecord(before) ? '' : ' (created)'}</th>
          <th scope="col">After{isRecord(after) ? '' : ' (deleted)'}</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k} className={changed(k) ? 'audit-changed' : undefined}>
            <th scope="row">
              {k}
              {changed(k) && <span className="visually-hidden"> (changed)</span>}
            </th>
            <td>{isRecord(before) ? show(b[k]) : '—'}</td>
            <td>{isRecord(after) ? show(a[k]) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
