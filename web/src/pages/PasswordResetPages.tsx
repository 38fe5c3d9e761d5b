import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { useAuth } from '../lib/auth';
import { humanError } from '../lib/errors';
import { Link } from '../lib/router';

/** "Forgot password?": one field; the answer is the same whether or not the email has an account. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.requestPasswordReset(email.trim());
      setSent(answer.message);
    } catch (err) {
      setError(humanError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-intro">
        <PageHeading title="Forgot password">Forgot your password?</PageHeading>
        <p className="lead">
          Enter the email you signed up with and we will send you a link to choose a new one.
        </p>
      </div>
      <section className="card auth-card" aria-label="Reset your password">
        {sent ? (
          <Notice kind="success" focus testId="reset-requested">
            <p>{sent}</p>
            <p>Check your inbox (and the spam folder). The link works once, for 30 minutes.</p>
          </Notice>
        ) : (
          <form onSubmit={(e) => void submit(e)} className="stack">
            {error && (
              <Notice kind="error" focus>
                <p>{error}</p>
              </Notice>
            )}
            <div className="field">
              <label htmlFor="reset-email">Email</label>
              <input
                id="reset-email"
                name="email"
                type="email"
                autoComplete="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </div>
            <button type="submit" className="btn btn-primary btn-block" disabled={busy} aria-busy={busy}>
              {busy ? 'One moment…' : 'Email me a link'}
            </button>
          </form>
        )}
        <p className="small">
          <Link to="/signin">Back to sign in</Link>
        </p>
      </section>
    </div>
  );
}

/** The emailed link's page: the token is in the fragment (#token=...), which never reaches a server log. */
function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

export function ResetPasswordPage() {
  const { user, signOut } = useAuth();
  const [token] = useState(tokenFromHash);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (password !== confirm) {
      setError('The two passwords are not the same.');
      return;
    }
    setBusy(true);
    try {
      await api.resetPassword({ token, password });
      // Every session of the account was signed out, this browser's included.
      if (user) signOut();
      setDone(true);
    } catch (err) {
      setError(humanError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-intro">
        <PageHeading title="Choose a new password">Choose a new password</PageHeading>
        <p className="lead">Setting a new password signs your account out on every device.</p>
      </div>
      <section className="card auth-card" aria-label="Set a new password">
        {done ? (
          <Notice kind="success" focus testId="reset-done">
            <p>Your password is changed. Sign in with your new password.</p>
            <p>
              <Link to="/signin">Sign in</Link>
            </p>
          </Notice>
        ) : !token ? (
          <Notice kind="error" focus>
            <p>This link has no reset code. Open the link from the email again, or ask for a new one.</p>
            <p>
              <Link to="/forgot-password">Ask for a new link</Link>
            </p>
          </Notice>
        ) : (
          <form onSubmit={(e) => void submit(e)} className="stack">
            {error && (
              <Notice kind="error" focus testId="reset-error">
                <p>{error}</p>
                <p>
                  <Link to="/forgot-password">Ask for a new link</Link>
                </p>
              </Notice>
            )}
            <div className="field">
              <label htmlFor="new-password">New password</label>
              <input
                id="new-password"
                name="new-password"
                type="password"
                autoComplete="new-password"
                required
                minLength={8}
                maxLength={200}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby="new-password-hint"
              />
              <p className="field-hint" id="new-password-hint">
                At least 8 characters.
              </p>
            </div>
            <div className="field">
              <label htmlFor="confirm-password">New password again</label>
              <input
                id="confirm-password"
                name="confirm-password"
                type="password"
                autoComplete="new-password"
                required
                minLength={8}
                maxLength={200}
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
              />
            </div>
            <button type="submit" className="btn btn-primary btn-block" disabled={busy} aria-busy={busy}>
              {busy ? 'One moment…' : 'Set new password'}
            </button>
          </form>
        )}
      </section>
    </div>
  );
}
