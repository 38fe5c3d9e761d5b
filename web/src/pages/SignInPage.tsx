import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import { isDevelopmentHost } from '../components/CardForm';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { useAuth } from '../lib/auth';
import { fieldErrors as fieldErrorsOf, humanError } from '../lib/errors';
import { browserCountry, checkPhone, countryName } from '../lib/phone';
import { Link, navigate, useLocation } from '../lib/router';

type Mode = 'signin' | 'signup';

const PHONE_HINT = (country: string) =>
  `This does not look like a mobile number. Type it as you dial it in ${countryName(country)}${
    country === 'US' ? ', like 212-555-0199' : ''
  }, or start with + and the country code.`;

function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/';
}

export function SignInPage() {
  const { query } = useLocation();
  const { signedIn, notice } = useAuth();
  const [mode, setMode] = useState<Mode>(query.get('mode') === 'signup' ? 'signup' : 'signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [country] = useState(browserCountry);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      if (mode === 'signup' && phone.trim() && !(await checkPhone(phone, country)).ok) {
        setFieldErrors({ phone: PHONE_HINT(country) });
        setError('Check your mobile number.');
        document.getElementById('phone')?.focus();
        return;
      }
      const result =
        mode === 'signin'
          ? await api.login({ email: email.trim(), password })
          : await api.signup({
              email: email.trim(),
              password,
              name: name.trim(),
              ...(phone.trim() ? { phone: phone.trim(), phoneCountry: country } : {}),
            });
      signedIn(result.token, result.user);
      navigate(safeNext(query.get('next')), { replace: true });
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = fieldErrorsOf(err);
        setFieldErrors(fields);
        setError(
          err.status === 401
            ? 'That email and password do not match an account.'
            : err.status === 409
              ? 'An account with this email already exists. Sign in instead.'
              : Object.keys(fields).length > 0
                ? 'Check the highlighted fields.'
                : humanError(err),
        );
      } else {
        setError('Something went wrong. Try again.');
      }
    } finally {
      setBusy(false);
    }
  }

  const fieldProps = (field: string) => ({
    'aria-invalid': fieldErrors[field] ? true : undefined,
    'aria-describedby': fieldErrors[field] ? `${field}-error` : undefined,
  });
  const fieldError = (field: string) =>
    fieldErrors[field] ? (
      <p className="field-error" id={`${field}-error`}>
        {fieldErrors[field]}
      </p>
    ) : null;

  return (
    <div className="auth-page">
      <div className="auth-intro">
        <PageHeading title={mode === 'signin' ? 'Sign in' : 'Create an account'}>
          Your seat is waiting.
        </PageHeading>
        <p className="lead">
          Find a cinema near you, pick your seats on a live seat map and keep your tickets on your phone.
        </p>
      </div>
      <section className="card auth-card" aria-labelledby="auth-title">
        <div className="segmented" role="group" aria-label="Account">
          <button type="button" aria-pressed={mode === 'signin'} onClick={() => setMode('signin')}>
            Sign in
          </button>
          <button type="button" aria-pressed={mode === 'signup'} onClick={() => setMode('signup')}>
            Create account
          </button>
        </div>
        <h2 id="auth-title" className="visually-hidden">
          {mode === 'signin' ? 'Sign in' : 'Create an account'}
        </h2>
        {query.get('reason') === 'hold' && (
          <Notice kind="info" title="Sign in to hold your seats" testId="hold-reason">
            <p>
              Seats are held in your name while you pay, so holding them needs an account. Create one or sign
              in: your seats stay selected, and you come straight back to the seat map to hold them.
            </p>
          </Notice>
        )}
        {notice && <Notice kind="info">{notice}</Notice>}
        {error && (
          <Notice kind="error" focus>
            <p>{error}</p>
          </Notice>
        )}
        <form onSubmit={(e) => void submit(e)} className="stack">
          {mode === 'signup' && (
            <div className="field">
              <label htmlFor="name">Name</label>
              <input
                id="name"
                name="name"
                autoComplete="name"
                required
                maxLength={200}
                value={name}
                onChange={(e) => setName(e.target.value)}
                {...fieldProps('name')}
              />
              {fieldError('name')}
            </div>
          )}
          <div className="field">
            <label htmlFor="email">Email</label>
            <input
              id="email"
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              {...fieldProps('email')}
            />
            {fieldError('email')}
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'signup' ? 8 : 1}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-describedby={
                mode === 'signup' ? 'password-hint' : fieldProps('password')['aria-describedby']
              }
              aria-invalid={fieldProps('password')['aria-invalid']}
            />
            {mode === 'signup' && (
              <p className="field-hint" id="password-hint">
                At least 8 characters.
              </p>
            )}
            {fieldError('password')}
            {mode === 'signin' && (
              <p className="small">
                <Link to="/forgot-password">Forgot password?</Link>
              </p>
            )}
          </div>
          {mode === 'signup' && (
            <div className="field">
              <label htmlFor="phone">
                Mobile phone <span className="optional">(optional, for text confirmations)</span>
              </label>
              <input
                id="phone"
                name="phone"
                type="tel"
                autoComplete="tel"
                placeholder={country === 'US' ? '212-555-0199' : undefined}
                value={phone}
                onChange={(e) => setPhone(e.target.value)}
                aria-describedby={fieldErrors.phone ? 'phone-hint phone-error' : 'phone-hint'}
                aria-invalid={fieldProps('phone')['aria-invalid']}
              />
              <p className="field-hint" id="phone-hint">
                As you dial it in {countryName(country)}, or starting with + and the country code.
              </p>
              {fieldError('phone')}
            </div>
          )}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy} aria-busy={busy}>
            {busy ? 'One moment…' : mode === 'signin' ? 'Sign in' : 'Create account'}
          </button>
        </form>
        {isDevelopmentHost() && (
          <p className="muted small">
            Development: the demo admin (also allowed to check tickets in) is <code>admin@matinee.local</code>{' '}
            / <code>matinee-admin</code>.
          </p>
        )}
      </section>
    </div>
  );
}
