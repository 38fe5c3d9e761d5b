import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { useAuth } from '../lib/auth';
import { fieldErrors, humanError } from '../lib/errors';
import { browserCountry, checkPhone, countryName } from '../lib/phone';
import { navigate } from '../lib/router';
import { session } from '../lib/session';

type Message = { kind: 'success' | 'error'; text: string } | null;

function useFieldErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const props = (field: string, hint?: string) => ({
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby':
      [hint, errors[field] ? `${field}-error` : undefined].filter(Boolean).join(' ') || undefined,
  });
  const error = (field: string) =>
    errors[field] ? (
      <p className="field-error" id={`${field}-error`}>
        {errors[field]}
      </p>
    ) : null;
  return { errors, setErrors, props, error };
}

function ProfileForm() {
  const { user, signedIn } = useAuth();
  const [name, setName] = useState(user?.name ?? '');
  const [phone, setPhone] = useState(user?.phone ?? '');
  const [country] = useState(browserCountry);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const f = useFieldErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    f.setErrors({});
    try {
      if (phone.trim() && !(await checkPhone(phone, country)).ok) {
        f.setErrors({
          phone: `This does not look like a mobile number. Type it as you dial it in ${countryName(country)}, or start with + and the country code.`,
        });
        setMessage({ kind: 'error', text: 'Check your mobile number.' });
        return;
      }
      const { user: updated } = await api.updateProfile({
        name: name.trim(),
        phone: phone.trim() ? phone.trim() : null,
        ...(phone.trim() ? { phoneCountry: country } : {}),
      });
      signedIn(session.token()!, updated);
      setPhone(updated.phone ?? '');
      setName(updated.name);
      setMessage({ kind: 'success', text: 'Your details are saved.' });
    } catch (err) {
      f.setErrors(fieldErrors(err));
      setMessage({ kind: 'error', text: humanError(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack" aria-labelledby="profile-title">
      <h2 id="profile-title" className="section-title">
        Your details
      </h2>
      <p className="muted small">
        Email: <strong>{user?.email}</strong>
      </p>
      {message && (
        <Notice kind={message.kind} focus testId="profile-message">
          <p>{message.text}</p>
        </Notice>
      )}
      <form onSubmit={(e) => void submit(e)} className="stack">
        <div className="field">
          <label htmlFor="account-name">Name</label>
          <input
            id="account-name"
            name="name"
            autoComplete="name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...f.props('name')}
          />
          {f.error('name')}
        </div>
        <div className="field">
          <label htmlFor="account-phone">
            Mobile phone <span className="optional">(optional, for text confirmations)</span>
          </label>
          <input
            id="account-phone"
            name="phone"
            type="tel"
            autoComplete="tel"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            {...f.props('phone', 'account-phone-hint')}
          />
          <p className="field-hint" id="account-phone-hint">
            As you dial it in {countryName(country)}, or starting with + and the country code. Leave it empty
            for no text messages.
          </p>
          {f.error('phone')}
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save details'}
        </button>
      </form>
    </section>
  );
}

function PasswordForm() {
  const { signedIn } = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const f = useFieldErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    f.setErrors({});
    try {
      const result = await api.changePassword({ currentPassword: current, newPassword: next });
      // Every other session was signed out; this one carries on with the new token.
      signedIn(result.token, result.user);
      setCurrent('');
      setNext('');
      setMessage({
        kind: 'success',
        text: 'Your password is changed. Your other devices were signed out.',
      });
    } catch (err) {
      f.setErrors(fieldErrors(err));
      setMessage({ kind: 'error', text: humanError(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack" aria-labelledby="password-title">
      <h2 id="password-title" className="section-title">
        Password
      </h2>
      {message && (
        <Notice kind={message.kind} focus testId="password-message">
          <p>{message.text}</p>
        </Notice>
      )}
      <form onSubmit={(e) => void submit(e)} className="stack">
        <div className="field">
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            name="current-password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            {...f.props('currentPassword')}
          />
          {f.error('currentPassword')}
        </div>
        <div className="field">
          <label htmlFor="account-new-password">New password</label>
          <input
            id="account-new-password"
            name="new-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={200}
            value={next}
            onChange={(e) => setNext(e.target.value)}
            {...f.props('newPassword', 'account-new-password-hint')}
          />
          <p className="field-hint" id="account-new-password-hint">
            At least 8 characters. Changing it signs out your other devices.
          </p>
          {f.error('newPassword')}
        </div>
        <button type="submit" className="btn btn-secondary" disabled={busy} aria-busy={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

function SignOutEverywhere() {
  const { signOut } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      await api.logoutEverywhere();
      signOut();
      navigate('/signin');
    } catch (err) {
      setError(humanError(err));
      setBusy(false);
    }
  }

  return (
    <section className="card stack" aria-labelledby="sessions-title">
      <h2 id="sessions-title" className="section-title">
        Devices
      </h2>
      <p className="muted">
        Lost a phone, or signed in on a shared computer? This signs your account out on every device, this one
        included.
      </p>
      {error && (
        <Notice kind="error" focus>
          <p>{error}</p>
        </Notice>
      )}
      <button type="button" className="btn btn-danger" onClick={() => void run()} disabled={busy}>
        {busy ? 'Signing out…' : 'Sign out everywhere'}
      </button>
    </section>
  );
}

export function AccountPage() {
  return (
    <div className="stack-lg account-page">
      <PageHeading title="Your account">Your account</PageHeading>
      <ProfileForm />
      <PasswordForm />
      <SignOutEverywhere />
    </div>
  );
}
