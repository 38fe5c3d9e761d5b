import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { AuthResponse, InvitationPreview } from '../api/types';
import { Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { useAuth } from '../lib/auth';
import { humanError } from '../lib/errors';
import { Link, navigate } from '../lib/router';

/** The token is in the fragment (#token=...), which never reaches a server log or a Referer header. */
function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

function describe(p: InvitationPreview): string {
  return p.role === 'admin'
    ? 'an administrator (the whole operator console, every theater)'
    : `staff at ${p.theaters.map((t) => t.name).join(', ') || 'Matinee'} (door check-in and the box office)`;
}

/**
 * The invitation link's page: shows what is offered, then creates the account (name and password) or, when the
 * email has an account already, has its owner sign in and accept.
 */
export function InvitationPage() {
  const { user, signedIn, signOut } = useAuth();
  const [token] = useState(tokenFromHash);
  const [preview, setPreview] = useState<InvitationPreview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');

  useEffect(() => {
    if (!token) return;
    api
      .previewInvitation(token)
      .then(setPreview)
      .catch((err: unknown) => setLoadError(humanError(err)));
  }, [token]);

  function done(auth: AuthResponse) {
    signedIn(auth.token, auth.user);
    navigate(auth.user.role === 'admin' ? '/admin' : '/checkin', { replace: true });
  }

  async function run(step: () => Promise<AuthResponse>) {
    setError(null);
    setBusy(true);
    try {
      done(await step());
    } catch (err) {
      setError(humanError(err));
      setBusy(false);
    }
  }

  function createAccount(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setError('The two passwords are not the same.');
      return;
    }
    void run(() => api.acceptInvitation({ token, name: name.trim(), password }));
  }

  function signInAndAccept(e: FormEvent) {
    e.preventDefault();
    if (!preview) return;
    void run(async () => {
      const auth = await api.login({ email: preview.email, password });
      signedIn(auth.token, auth.user);
      return api.acceptInvitation({ token });
    });
  }

  const sameAccount = user && preview && user.email.toLowerCase() === preview.email.toLowerCase();

  return (
    <div className="auth-page">
      <div className="auth-intro">
        <PageHeading title="Invitation">Join Matinee</PageHeading>
        {preview && (
          <p className="lead" data-testid="invitation-offer">
            You are invited as {describe(preview)}, with the email <strong>{preview.email}</strong>.
          </p>
        )}
      </div>
      <section className="card auth-card stack" aria-label="Accept the invitation">
        {!token ? (
          <Notice kind="error" focus>
            <p>This link has no invitation code. Open the link from the email again.</p>
          </Notice>
        ) : loadError ? (
          <Notice kind="error" focus testId="invitation-error">
            <p>{loadError}</p>
            <p>Ask the person who invited you for a new invitation.</p>
          </Notice>
        ) : !preview ? (
          <Loading />
        ) : (
          <>
            {error && (
              <Notice kind="error" focus testId="invitation-error">
                <p>{error}</p>
              </Notice>
            )}
            {user && !sameAccount ? (
              <>
                <p>
                  You are signed in as {user.email}. This invitation is for {preview.email}: sign out, then
                  open the link again.
                </p>
                <button type="button" className="btn btn-secondary" onClick={signOut}>
                  Sign out
                </button>
              </>
            ) : sameAccount ? (
              <button
                type="button"
                className="btn btn-primary btn-block"
                disabled={busy}
                aria-busy={busy}
                onClick={() => void run(() => api.acceptInvitation({ token }))}
              >
                Accept the invitation
              </button>
            ) : preview.accountExists ? (
              <form onSubmit={signInAndAccept} className="stack">
                <p>{preview.email} has a Matinee account: sign in to accept.</p>
                <div className="field">
                  <label htmlFor="invite-password">Password</label>
                  <input
                    id="invite-password"
                    type="password"
                    autoComplete="current-password"
                    required
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                </div>
                <button type="submit" className="btn btn-primary btn-block" disabled={busy} aria-busy={busy}>
                  Sign in and accept
                </button>
                <p className="small">
                  <Link to="/forgot-password">Forgot your password?</Link>
                </p>
              </form>
            ) : (
              <form onSubmit={createAccount} className="stack">
                <div className="field">
                  <label htmlFor="invite-name">Your name</label>
                  <input
                    id="invite-name"
                    autoComplete="name"
                    required
                    maxLength={200}
                    value={name}
                    onChange={(e) => setName(e.target.value)}
                  />
                </div>
                <div className="field">
                  <label htmlFor="invite-new-password">Choose a password</label>
                  <input
                    id="invite-new-password"
                    type="password"
                    autoComplete="new-password"
                    required
                    minLength={8}
                    maxLength={200}
                    aria-describedby="invite-password-hint"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                  <p className="field-hint" id="invite-password-hint">
                    At least 8 characters.
                  </p>
                </div>
                <div className="field">
                  <label htmlFor="invite-confirm">Password again</label>
                  <input
                    id="invite-confirm"
                    type="password"
                    autoComplete="new-password"
                    required
                    value={confirm}
                    onChange={(e) => setConfirm(e.target.value)}
                  />
                </div>
                <button type="submit" className="btn btn-primary btn-block" disabled={busy} aria-busy={busy}>
                  Create account and accept
                </button>
              </form>
            )}
          </>
        )}
      </section>
    </div>
  );
}
