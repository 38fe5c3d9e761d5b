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
}: {
  onPick: (p: Place) => void;
  onMessage: (m: string | null) => void;
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

  async function search(e: FormEvent) {
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

  return (
    <form className="city-search" onSubmit={(e) => void search(e)} role="search" aria-label="Find a place">
      <label htmlFor={`${id}-place`}>ZIP code or city</label>
      <input
        id={`${id}-place`}
        list={`${id}-places`}
        placeholder="e.g. 10001 or Brooklyn"
        value={input}
        onChange={(e) => setInput(e.target.value)}
        autoComplete="off"
        inputMode="search"
      />
      <datalist id={`${id}-places`}>
        {suggestions.map((s) => (
          <option key={`${s.label}|${s.lat}|${s.lng}`} value={s.label} />
        ))}
      </datalist>
      <button type="submit" className="btn btn-secondary" disabled={busy}>
        Search
      </button>
    </form>
  );
}
