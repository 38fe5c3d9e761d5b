import { useEffect, useId, useState, type FormEvent } from 'react';
import type { GazetteerPlace } from '../api/types';
import { findPlaces, fromGazetteer, type Place } from '../lib/places';

/**
 * A ZIP code or a city, any in the world: suggestions come from GET /places as the customer types; Search
 * takes the suggestion whose label was chosen, or else the best match.
 */
export function PlaceSearch({
  onPick,
  onMessage,
  inForm = false,
  label = 'ZIP code or city',
}: {
  onPick: (p: Place) => void;
  onMessage: (m: string | null) => void;
  /** Inside another form (the console's theater form): no form of its own, Enter searches without submitting. */
  inForm?: boolean;
  label?: string;
}) {
  const id = useId();
  const [input, setInput] = useState('');
  const [suggestions, setSuggestions] = useState<GazetteerPlace[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const q = input.trim();
    if (q.length < 2) {
      setSuggestions([]);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      findPlaces(q, controller.signal)
        .then(setSuggestions)
        .catch(() => undefined);
    }, 200);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [input]);

  async function search(e: { preventDefault(): void }) {
    e.preventDefault();
    const q = input.trim();
    if (!q) return;
    setBusy(true);
    try {
      const chosen = suggestions.find((s) => s.label === q) ?? (await findPlaces(q))[0];
      if (!chosen) {
        onMessage(
          `We could not find “${q}”. Try a US ZIP code such as 10001, or a city such as Brooklyn, NY.`,
        );
        return;
      }
      onMessage(null);
      onPick(fromGazetteer(chosen));
      setInput('');
      setSuggestions([]);
    } catch {
      onMessage('Places could not be searched just now. Try again in a moment.');
    } finally {
      setBusy(false);
    }
  }

  const fields = (
    <>
      <label htmlFor={`${id}-place`}>{label}</label>
      <input
        id={`${id}-place`}
        list={`${id}-places`}
        placeholder="e.g. 10001 or Brooklyn"
        value={input}
        onChange={(e) => setInput(e.target.value)}
        onKeyDown={
          inForm
            ? (e) => {
                if (e.key === 'Enter') void search(e);
              }
            : undefined
        }
        autoComplete="off"
        inputMode="search"
      />
      <datalist id={`${id}-places`}>
        {suggestions.map((s) => (
          <option key={`${s.label}|${s.lat}|${s.lng}`} value={s.label} />
        ))}
      </datalist>
      <button
        type={inForm ? 'button' : 'submit'}
        className="btn btn-secondary"
        disabled={busy}
        onClick={inForm ? (e) => void search(e) : undefined}
      >
        Search
      </button>
    </>
  );
  return inForm ? (
    <div className="city-search" role="search" aria-label="Find a place">
      {fields}
    </div>
  ) : (
    <form
      className="city-search"
      onSubmit={(e: FormEvent) => void search(e)}
      role="search"
      aria-label="Find a place"
    >
      {fields}
    </form>
  );
}
