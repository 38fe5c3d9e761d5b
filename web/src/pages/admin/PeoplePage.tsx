import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { AdminTheater, Invitation, Person } from '../../api/types';
import { Loading, Notice } from '../../components/Notice';
import { PageHeading } from '../../components/PageHeading';
import { useAuth } from '../../lib/auth';
import { fieldErrors } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { ConsoleError } from './ConsoleShell';

type OperatorRole = 'staff' | 'admin';

const ROLE_LABEL: Record<OperatorRole, string> = { staff: 'Staff', admin: 'Admin' };

/**
 * Who runs the chain: staff (door check-in and the box office, at their theaters) and admins (everything).
 * Invite by email, change someone's role or theaters, revoke access; every change lands in the audit log.
 */
export function PeoplePage() {
  const people = useAsync((signal) => api.admin.people(signal), []);
  const invitations = useAsync((signal) => api.admin.invitations(signal), []);
  const theaters = useAsync((signal) => api.admin.theaters(signal), []);
  const [announcement, setAnnouncement] = useState('');
  const open = (theaters.data?.theaters ?? []).filter((t) => !t.closedAt);

  function changed(message: string) {
    setAnnouncement(message);
    people.reload();
    invitations.reload();
  }

  return (
    <div className="stack-lg">
      <PageHeading title="People · Console">People</PageHeading>
      <p className="visually-hidden" aria-live="polite" data-testid="people-announcement">
        {announcement}
      </p>
      {theaters.error !== undefined && (
        <ConsoleError error={theaters.error} title="Could not load the theaters" />
      )}
      <InviteForm theaters={open} onInvited={(inv) => changed(`Invitation sent to ${inv.email}.`)} />
      <section className="card stack" aria-labelledby="invitations-title">
        <h2 id="invitations-title">Invitations</h2>
        {invitations.error !== undefined && (
          <ConsoleError error={invitations.error} title="Could not load the invitations" />
        )}
        {invitations.loading && !invitations.data && <Loading />}
        {invitations.data && <Invitations list={invitations.data.invitations} onChanged={changed} />}
      </section>
      <section className="card stack" aria-labelledby="people-title">
        <h2 id="people-title">Staff and admins</h2>
        {people.error !== undefined && <ConsoleError error={people.error} title="Could not load people" />}
        {people.loading && !people.data && <Loading />}
        {people.data && <PeopleTable people={people.data.people} theaters={open} onChanged={changed} />}
      </section>
    </div>
  );
}

function TheaterChoice({
  idPrefix,
  theaters,
  chosen,
  onChange,
  error,
}: {
  idPrefix: string;
  theaters: AdminTheater[];
  chosen: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}) {
  return (
    <fieldset className="stack" aria-describedby={error ? `${idPrefix}-theaters-error` : undefined}>
      <legend>Theaters they work at</legend>
      {theaters.length === 0 && <p className="muted">No open theaters yet.</p>}
      {theaters.map((t) => (
        <label key={t.id} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(t.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...chosen, t.id] : chosen.filter((id) => id !== t.id))
            }
          />{' '}
          {t.name} <span className="muted">({t.city})</span>
        </label>
      ))}
      {error && (
        <p className="field-error" id={`${idPrefix}-theaters-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

function RoleChoice({
  name,
  role,
  onChange,
}: {
  name: string;
  role: OperatorRole;
  onChange: (r: OperatorRole) => void;
}) {
  return (
    <fieldset className="field">
      <legend>Role</legend>
      <label className="check">
        <input type="radio" name={name} checked={role === 'staff'} onChange={() => onChange('staff')} /> Staff
        — check-in and box office at the theaters chosen
      </label>
      <label className="check">
        <input type="radio" name={name} checked={role === 'admin'} onChange={() => onChange('admin')} /> Admin
        — the whole console, every theater
      </label>
    </fieldset>
  );
}

function InviteForm({
  theaters,
  onInvited,
}: {
  theaters: AdminTheater[];
  onInvited: (inv: Invitation) => void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OperatorRole>('staff');
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(undefined);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim()))
      found.email = 'An email address, e.g. sam@example.com.';
    if (role === 'staff' && chosen.length === 0) found.theaters = 'Choose at least one theater.';
    setErrors(found);
    setError(undefined);
    setSent(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const { invitation } = await api.admin.invite({
        email: email.trim(),
        role,
        ...(role === 'staff' ? { theaterIds: chosen } : {}),
      });
      setSent(invitation.email);
      setEmail('');
      setChosen([]);
      onInvited(invitation);
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors({
        ...(fields['body.email'] ? { email: fields['body.email'] } : {}),
        ...(fields['body.theaterIds'] ? { theaters: fields['body.theaterIds'] } : {}),
      });
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card stack console-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="invite-title"
    >
      <h2 id="invite-title">Invite someone</h2>
      <div className="field">
        <label htmlFor="invite-email">Email</label>
        <input
          id="invite-email"
          type="email"
          autoComplete="off"
          value={email}
          aria-invalid={errors.email ? true : undefined}
          aria-describedby={errors.email ? 'invite-email-error' : 'invite-email-hint'}
          onChange={(e) => setEmail(e.target.value)}
        />
        <p className="field-hint" id="invite-email-hint">
          They get a link by email that works once, for 3 days.
        </p>
        {errors.email && (
          <p className="field-error" id="invite-email-error">
            {errors.email}
          </p>
        )}
      </div>
      <RoleChoice name="invite-role" role={role} onChange={setRole} />
      {role === 'staff' && (
        <TheaterChoice
          idPrefix="invite"
          theaters={theaters}
          chosen={chosen}
          onChange={setChosen}
          error={errors.theaters}
        />
      )}
      {error !== undefined && <ConsoleError error={error} title="Not invited" />}
      {sent && (
        <Notice kind="success" testId="invite-sent">
          <p>Invitation sent to {sent}.</p>
        </Notice>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
        Send invitation
      </button>
    </form>
  );
}

const STATUS_BADGE: Record<Invitation['status'], string> = {
  pending: 'badge-pending',
  expired: 'badge-expired',
  accepted: 'badge-confirmed',
  revoked: 'badge-cancelled',
};

function Invitations({ list, onChanged }: { list: Invitation[]; onChanged: (message: string) => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  if (list.length === 0) return <p className="muted">No invitations in the last 30 days.</p>;

  async function withdraw(inv: Invitation) {
    setError(undefined);
    try {
      await api.admin.revokeInvitation(inv.id);
      setConfirming(null);
      onChanged(`Invitation to ${inv.email} withdrawn.`);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      {error !== undefined && <ConsoleError error={error} title="Not withdrawn" />}
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Invitations table">
        <table className="console-table" data-testid="invitations">
          <caption className="visually-hidden">Invitations</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Theaters</th>
              <th scope="col">Status</th>
              <th scope="col">Sent</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((inv) => (
              <tr key={inv.id}>
                <th scope="row">{inv.email}</th>
                <td>{ROLE_LABEL[inv.role]}</td>
                <td>{inv.role === 'admin' ? 'All' : inv.theaters.map((t) => t.name).join(', ')}</td>
                <td>
                  <span className={`badge ${STATUS_BADGE[inv.status]}`}>{inv.status}</span>
                </td>
                <td>
                  {formatDateTime(inv.createdAt)}
                  {inv.invitedBy && <span className="muted"> by {inv.invitedBy}</span>}
                </td>
                <td>
                  {(inv.status === 'pending' || inv.status === 'expired') &&
                    (confirming === inv.id ? (
                      <div className="actions">
                        <button type="button" className="btn btn-danger" onClick={() => void withdraw(inv)}>
                          Yes, withdraw
                        </button>
                        <button type="button" className="btn btn-ghost" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </div>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-secondary"
                        aria-label={`Withdraw the invitation to ${inv.email}`}
                        onClick={() => setConfirming(inv.id)}
                      >
                        Withdraw…
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PeopleTable({
  people,
  theaters,
  onChanged,
}: {
  people: Person[];
  theaters: AdminTheater[];
  onChanged: (message: string) => void;
}) {
  const { user } = useAuth();
  const [editing, setEditing] = useState<string | null>(null);
  if (people.length === 0) return <p className="muted">Nobody yet.</p>;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="People table">
      <table className="console-table" data-testid="people">
        <caption className="visually-hidden">Staff and admins</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Theaters</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) =>
            editing === p.id ? (
              <tr key={p.id}>
                <td colSpan={5}>
                  <AccessEditor
                    person={p}
                    theaters={theaters}
                    onDone={(message) => {
                      setEditing(null);
                      if (message) onChanged(message);
                    }}
                  />
                </td>
              </tr>
            ) : (
              <tr key={p.id}>
                <th scope="row">{p.name}</th>
                <td>{p.email}</td>
                <td>{ROLE_LABEL[p.role]}</td>
                <td>
                  {p.theaters === null ? 'All theaters' : p.theaters.map((t) => t.name).join(', ') || 'None'}
                </td>
                <td>
                  {p.id === user?.id ? (
                    <span className="muted">You</span>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-secondary"
                      aria-label={`Change access of ${p.name}`}
                      onClick={() => setEditing(p.id)}
                    >
                      Change…
                    </button>
                  )}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

function AccessEditor({
  person,
  theaters,
  onDone,
}: {
  person: Person;
  theaters: AdminTheater[];
  onDone: (message: string | null) => void;
}) {
  const [role, setRole] = useState<OperatorRole>(person.role);
  const [chosen, setChosen] = useState<string[]>(person.theaters?.map((t) => t.id) ?? []);
  const [error, setError] = useState<unknown>(undefined);
  const [theaterError, setTheaterError] = useState<string | undefined>(undefined);
  const [revoking, setRevoking] = useState(false);
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    if (role === 'staff' && chosen.length === 0) {
      setTheaterError('Choose at least one theater.');
      return;
    }
    setTheaterError(undefined);
    setBusy(true);
    try {
      await api.admin.changeAccess(person.id, { role, ...(role === 'staff' ? { theaterIds: chosen } : {}) });
      onDone(`${person.name} is now ${role === 'admin' ? 'an admin' : 'staff'}.`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  async function revoke() {
    setError(undefined);
    setBusy(true);
    try {
      await api.admin.revokeAccess(person.id);
      onDone(`${person.name} no longer has operator access.`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form
      className="stack console-form"
      onSubmit={(e) => void save(e)}
      noValidate
      aria-label={`Access of ${person.name}`}
    >
      <p>
        <strong>{person.name}</strong> <span className="muted">{person.email}</span>
      </p>
      <RoleChoice name={`role-${person.id}`} role={role} onChange={setRole} />
      {role === 'staff' && (
        <TheaterChoice
          idPrefix={`edit-${person.id}`}
          theaters={theaters}
          chosen={chosen}
          onChange={setChosen}
          error={theaterError}
        />
      )}
      <p className="field-hint">
        A new role signs them out everywhere; new theaters apply to their next check-in or sale.
      </p>
      {error !== undefined && <ConsoleError error={error} title="Not changed" />}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          Save access
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
      {revoking ? (
        <div className="actions" role="group" aria-label="Confirm revoking">
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void revoke()}>
            Yes, revoke {person.name}’s access
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setRevoking(false)}>
            Keep access
          </button>
        </div>
      ) : (
        <button type="button" className="btn btn-secondary" onClick={() => setRevoking(true)}>
          Revoke access…
        </button>
      )}
    </form>
  );
}
