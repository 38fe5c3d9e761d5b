import { useId, useRef, useState, type FormEvent } from 'react';
import type { Card } from '../api/types';

export const TEST_CARDS = [
  { number: '4242424242424242', outcome: 'succeeds' },
  { number: '4000000000000002', outcome: 'is declined' },
  { number: '4000000000009995', outcome: 'is declined: insufficient funds' },
  { number: '4000000000000119', outcome: 'fails with a processing error' },
];

export function isDevelopmentHost(): boolean {
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(window.location.hostname);
}

function groups(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

interface Errors {
  number?: string;
  expiry?: string;
  cvc?: string;
}

/** A card is good through the last day of its expiry month (the server refuses it after that too). */
function hasExpired(month: number, year: number, now = new Date()): boolean {
  return year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1);
}

function validate(number: string, expiry: string, cvc: string): { errors: Errors; card?: Card } {
  const errors: Errors = {};
  const digits = number.replace(/\D/g, '');
  if (digits.length < 12 || digits.length > 19)
    errors.number = 'Enter the 12 to 19 digits of your card number.';
  const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  let expMonth = 0;
  let expYear = 0;
  if (!m) {
    errors.expiry = 'Enter the expiry date as MM/YY.';
  } else {
    expMonth = Number(m[1]);
    expYear = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
    if (expMonth < 1 || expMonth > 12) errors.expiry = 'The month must be between 01 and 12.';
    else if (hasExpired(expMonth, expYear))
      errors.expiry = 'This card has expired. Check the expiry date or use another card.';
  }
  if (!/^\d{3,4}$/.test(cvc.trim())) errors.cvc = 'Enter the 3 or 4 digits on the back of the card.';
  if (Object.keys(errors).length > 0) return { errors };
  return { errors, card: { number: digits, expMonth, expYear, cvc: cvc.trim() } };
}

/**
 * Card details for the simulated gateway. The number only ever goes to the API (which keeps brand and last
 * four digits); it is cleared after a decline so the next attempt starts clean.
 */
export function CardForm({
  amount,
  busy,
  onPay,
  resetKey,
}: {
  amount: string;
  busy: boolean;
  onPay: (card: Card) => void;
  /** Changing it clears the card number (after a decline) and focuses it. */
  resetKey: number;
}) {
  const id = useId();
  const [number, setNumber] = useState('');
  const [expiry, setExpiry] = useState('');
  const [cvc, setCvc] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const numberRef = useRef<HTMLInputElement>(null);
  const [lastReset, setLastReset] = useState(resetKey);
  if (resetKey !== lastReset) {
    setLastReset(resetKey);
    setNumber('');
    setErrors({});
    queueMicrotask(() => numberRef.current?.focus());
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const result = validate(number, expiry, cvc);
    setErrors(result.errors);
    if (result.card) onPay(result.card);
    else document.getElementById(`${id}-${Object.keys(result.errors)[0] ?? 'number'}`)?.focus();
  }

  function fillTestCard(n: string) {
    setNumber(groups(n));
    if (!expiry) setExpiry(`12/${String((new Date().getFullYear() + 3) % 100).padStart(2, '0')}`);
    if (!cvc) setCvc('123');
    setErrors({});
  }

  const field = (name: keyof Errors) => ({
    id: `${id}-${name}`,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `${id}-${name}-error` : undefined,
  });

  return (
    <form className="card-form" onSubmit={submit} noValidate aria-label="Card payment">
      <div className="field">
        <label htmlFor={`${id}-number`}>Card number</label>
        <input
          {...field('number')}
          ref={numberRef}
          name="cardnumber"
          inputMode="numeric"
          autoComplete="cc-number"
          placeholder="1234 1234 1234 1234"
          maxLength={23}
          value={number}
          onChange={(e) => setNumber(groups(e.target.value.replace(/[^\d]/g, '').slice(0, 19)))}
        />
        {errors.number && (
          <p className="field-error" id={`${id}-number-error`}>
            {errors.number}
          </p>
        )}
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expiry (MM/YY)</label>
          <input
            {...field('expiry')}
            name="exp-date"
            inputMode="numeric"
            autoComplete="cc-exp"
            placeholder="MM/YY"
            maxLength={7}
            value={expiry}
            onChange={(e) => {
              const v = e.target.value.replace(/[^\d/]/g, '');
              setExpiry(/^\d{2}$/.test(v) && expiry.length < v.length ? `${v}/` : v);
            }}
          />
          {errors.expiry && (
            <p className="field-error" id={`${id}-expiry-error`}>
              {errors.expiry}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-cvc`}>Security code</label>
          <input
            {...field('cvc')}
            name="cvc"
            inputMode="numeric"
            autoComplete="cc-csc"
            placeholder="CVC"
            maxLength={4}
            value={cvc}
            onChange={(e) => setCvc(e.target.value.replace(/\D/g, '').slice(0, 4))}
          />
          {errors.cvc && (
            <p className="field-error" id={`${id}-cvc-error`}>
              {errors.cvc}
            </p>
          )}
        </div>
      </div>
      <button type="submit" className="btn btn-primary btn-block" disabled={busy} aria-busy={busy}>
        {busy ? 'Paying…' : `Pay ${amount}`}
      </button>

      {isDevelopmentHost() && (
        <details className="test-cards" open>
          <summary>Test cards (development)</summary>
          <p className="muted">Any future expiry date and any 3-digit code work.</p>
          <ul>
            {TEST_CARDS.map((c) => (
              <li key={c.number}>
                <button type="button" className="btn btn-link" onClick={() => fillTestCard(c.number)}>
                  <code>{groups(c.number)}</code>
                </button>{' '}
                {c.outcome}
              </li>
            ))}
          </ul>
        </details>
      )}
    </form>
  );
}
