import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { AdminSeatType } from '../../api/types';
import { Notice } from '../../components/Notice';
import { visibleColour } from '../../lib/colour';
import { formatMoney, plural } from '../../lib/format';
import { ConsoleError } from './ConsoleShell';

interface Form {
  name: string;
  colour: string;
  baseTier: 'standard' | 'premium';
  surcharge: string;
}

const EMPTY: Form = { name: '', colour: '#8a2be2', baseTier: 'premium', surcharge: '0.00' };

type Errors = Partial<Record<keyof Form, string>>;

function parse(f: Form, types: AdminSeatType[], editing: string | null) {
  const errors: Errors = {};
  const name = f.name.trim();
  if (!name) errors.name = 'Required, e.g. Recliner.';
  else if (name.length > 40) errors.name = 'At most 40 characters.';
  else if (types.some((t) => t.id !== editing && t.name.toLowerCase() === name.toLowerCase())) {
    errors.name = 'This theater already has a seat type with this name.';
  }
  if (!/^#[0-9a-fA-F]{6}$/.test(f.colour)) errors.colour = 'A colour as #rrggbb.';
  const cents = /^\d{1,4}(\.\d{1,2})?$/.test(f.surcharge.trim())
    ? Math.round(Number(f.surcharge) * 100)
    : NaN;
  if (!Number.isInteger(cents) || cents > 100_000)
    errors.surcharge = 'An amount from 0 to 1000.00, e.g. 3.00.';
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    body: { name, colour: f.colour.toLowerCase(), baseTier: f.baseTier, surchargeCents: cents },
  };
}

/**
 * The theater's own seat types (Recliner, D-BOX): create, change and delete them beside the layout that uses
 * them. A type is a base tier (its rules and showtime price) plus a surcharge, drawn in its colour.
 */
export function SeatTypesPanel({
  theaterId,
  currency,
  types,
  onChange,
}: {
  theaterId: string;
  currency: string;
  types: AdminSeatType[];
  onChange: (types: AdminSeatType[]) => void;
}) {
  const [form, setForm] = useState<Form>(EMPTY);
  const [editing, setEditing] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const sorted = (list: AdminSeatType[]) =>
    [...list].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFailure(undefined);
    setStatus('');
    const parsed = parse(form, types, editing);
    setErrors(parsed.errors);
    if (!parsed.body) return;
    setBusy(true);
    try {
      if (editing) {
        const { seatType } = await api.admin.updateSeatType(theaterId, editing, parsed.body);
        onChange(sorted(types.map((t) => (t.id === editing ? seatType : t))));
        setStatus(`Saved ${seatType.name}. Seat maps of coming showtimes show it now.`);
      } else {
        const { seatType } = await api.admin.createSeatType(theaterId, parsed.body);
        onChange(sorted([...types, seatType]));
        setStatus(`Created ${seatType.name}: pick it under Draw to place its seats.`);
      }
      setEditing(null);
      setForm(EMPTY);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SEAT_TYPE_NAME_TAKEN') {
        setErrors({ name: 'This theater already has a seat type with this name.' });
      } else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove(type: AdminSeatType) {
    setFailure(undefined);
    setStatus('');
    setBusy(true);
    try {
      await api.admin.deleteSeatType(theaterId, type.id);
      onChange(types.filter((t) => t.id !== type.id));
      setStatus(`Deleted ${type.name}.`);
      if (editing === type.id) {
        setEditing(null);
        setForm(EMPTY);
      }
    } catch (err) {
      setFailure(err);
    } finally {
      setConfirming(null);
      setBusy(false);
    }
  }

  const field = (key: keyof Form) => ({
    id: `${id}-${key}`,
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': errors[key] ? `${id}-${key}-error` : undefined,
  });
  const fieldError = (key: keyof Form) =>
    errors[key] ? (
      <p className="field-error" id={`${id}-${key}-error`}>
        {errors[key]}
      </p>
    ) : null;

  return (
    <section className="card stack" aria-labelledby={`${id}-title`} data-testid="seat-types">
      <h2 id={`${id}-title`}>Seat types</h2>
      <p className="field-hint">
        The theater’s own kinds of seat, for every auditorium here: each takes the rules and showtime price of
        its base tier, plus a surcharge. A change shows on the seat maps of coming showtimes and prices new
        holds; tickets already held or sold keep their price.
      </p>
      {types.length > 0 ? (
        <ul className="seat-type-list">
          {types.map((t) => (
            <li key={t.id} data-seat-type={t.name}>
              <span
                className="cell-swatch has-type"
                style={{ ['--type-colour' as string]: visibleColour(t.colour) }}
                aria-hidden="true"
              />
              <span className="seat-type-name">{t.name}</span>
              <span className="muted small">
                {t.baseTier === 'premium' ? 'Premium' : 'Standard'} +{' '}
                {formatMoney(t.surchargeCents, currency)} ·{' '}
                {t.auditoriumsUsing > 0 ? `in ${plural(t.auditoriumsUsing, 'auditorium')}` : 'not used yet'}
              </span>
              <span className="actions">
                {confirming === t.id ? (
                  <>
                    <button
                      type="button"
                      className="btn btn-danger btn-small"
                      disabled={busy}
                      onClick={() => void remove(t)}
                    >
                      Delete {t.name}
                    </button>
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      onClick={() => setConfirming(null)}
                    >
                      Keep it
                    </button>
                  </>
                ) : (
                  <>
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      aria-label={`Edit ${t.name}`}
                      onClick={() => {
                        setEditing(t.id);
                        setErrors({});
                        setForm({
                          name: t.name,
                          colour: t.colour,
                          baseTier: t.baseTier,
                          surcharge: (t.surchargeCents / 100).toFixed(2),
                        });
                        document.getElementById(`${id}-name`)?.focus();
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      aria-label={`Delete ${t.name}`}
                      onClick={() => setConfirming(t.id)}
                    >
                      Delete
                    </button>
                  </>
                )}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No seat types yet: seats are standard, premium, wheelchair or companion.</p>
      )}
      {failure !== undefined && (
        <ConsoleError
          error={failure}
          title={
            failure instanceof ApiError && failure.code === 'SEAT_TYPE_IN_USE' ? 'Still in use' : 'Not saved'
          }
        />
      )}
      <p className="visually-hidden" aria-live="polite" data-testid="seat-types-status">
        {status}
      </p>
      {status && (
        <Notice kind="success">
          <p>{status}</p>
        </Notice>
      )}
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <h3>
          {editing ? `Edit ${types.find((t) => t.id === editing)?.name ?? 'seat type'}` : 'New seat type'}
        </h3>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              {...field('name')}
              value={form.name}
              maxLength={40}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
            {fieldError('name')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-colour`}>Colour</label>
            <input
              {...field('colour')}
              type="color"
              className="input-colour"
              value={/^#[0-9a-fA-F]{6}$/.test(form.colour) ? form.colour : '#000000'}
              onChange={(e) => setForm({ ...form, colour: e.target.value })}
            />
            {fieldError('colour')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-baseTier`}>Base tier</label>
            <select
              {...field('baseTier')}
              value={form.baseTier}
              onChange={(e) =>
                setForm({ ...form, baseTier: e.target.value === 'standard' ? 'standard' : 'premium' })
              }
            >
              <option value="standard">Standard: the showtime’s standard price</option>
              <option value="premium">Premium: the showtime’s premium price</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-surcharge`}>Surcharge ({currency})</label>
            <input
              {...field('surcharge')}
              inputMode="decimal"
              value={form.surcharge}
              onChange={(e) => setForm({ ...form, surcharge: e.target.value })}
            />
            {fieldError('surcharge')}
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary btn-small" disabled={busy} aria-busy={busy}>
            {editing ? 'Save seat type' : 'Add seat type'}
          </button>
          {editing && (
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => {
                setEditing(null);
                setErrors({});
                setForm(EMPTY);
              }}
            >
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
