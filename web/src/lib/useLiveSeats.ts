import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Seat, SeatMapResponse, SeatStatus, SeatStreamEvent } from '../api/types';

export type LiveMode = 'connecting' | 'live' | 'polling';

export interface SeatChange {
  id: string;
  status: SeatStatus;
}

const POLL_MS = 5_000;
/** How long the stream may stay unconnected before the seat map is polled instead. */
const STREAM_GRACE_MS = 3_000;
/** After the server refused the stream outright, try it again this much later. */
const STREAM_RETRY_MS = 20_000;

/**
 * The seat map of a showtime, kept live: a server-sent-events stream applies each change as it is committed;
 * when the stream cannot connect, GET .../seats is polled every 5 s until it can. `onChange` hears about
 * every seat whose status changed after the first load (to deselect seats someone else just took).
 */
export function useLiveSeats(showtimeId: string, onChange: (changes: SeatChange[]) => void) {
  const [map, setMap] = useState<SeatMapResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [mode, setMode] = useState<LiveMode>('connecting');
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const statusRef = useRef(new Map<string, SeatStatus>());

  /** Applies statuses; reports the seats that really changed. */
  const apply = useCallback((changes: SeatChange[], report: boolean) => {
    const changed: SeatChange[] = [];
    for (const c of changes) {
      const before = statusRef.current.get(c.id);
      if (before === undefined || before === c.status) continue;
      statusRef.current.set(c.id, c.status);
      changed.push(c);
    }
    if (changed.length === 0) return;
    const byId = new Map(changed.map((c) => [c.id, c.status]));
    setMap((m) =>
      m ? { ...m, seats: m.seats.map((s) => (byId.has(s.id) ? { ...s, status: byId.get(s.id)! } : s)) } : m,
    );
    if (report) onChangeRef.current(changed);
  }, []);

  useEffect(() => {
    let disposed = false;
    let source: EventSource | null = null;
    let pollTimer: number | undefined;
    let graceTimer: number | undefined;
    let retryTimer: number | undefined;
    const ctrl = new AbortController();
    setMap(null);
    setError(null);
    setMode('connecting');
    statusRef.current = new Map();

    async function poll(): Promise<void> {
      try {
        const fresh = await api.seats(showtimeId, ctrl.signal);
        if (!disposed) apply(fresh.seats, true);
      } catch {
        // the next poll tries again
      }
    }
    function startPolling(): void {
      if (disposed || pollTimer !== undefined) return;
      setMode('polling');
      void poll();
      pollTimer = window.setInterval(() => void poll(), POLL_MS);
    }
    function stopPolling(): void {
      window.clearInterval(pollTimer);
      pollTimer = undefined;
    }

    function openStream(): void {
      if (disposed || typeof EventSource === 'undefined') {
        startPolling();
        return;
      }
      source = new EventSource(api.seatStreamUrl(showtimeId));
      graceTimer = window.setTimeout(startPolling, STREAM_GRACE_MS);
      source.addEventListener('open', () => {
        window.clearTimeout(graceTimer);
        stopPolling();
        setMode('live');
      });
      const onData = (e: MessageEvent<string>) => {
        try {
          const data = JSON.parse(e.data) as SeatStreamEvent;
          if (data.showtimeId === showtimeId) apply(data.seats, true);
        } catch {
          // ignore a malformed event
        }
      };
      source.addEventListener('snapshot', onData as EventListener);
      source.addEventListener('seats', onData as EventListener);
      source.addEventListener('error', () => {
        if (disposed || !source) return;
        if (source.readyState === EventSource.CLOSED) {
          // The server refused the stream (401, 404, 503...): poll, and try the stream again later.
          source.close();
          source = null;
          startPolling();
          retryTimer = window.setTimeout(openStream, STREAM_RETRY_MS);
        } else {
          // The browser reconnects by itself; poll meanwhile if that takes a while.
          window.clearTimeout(graceTimer);
          graceTimer = window.setTimeout(startPolling, STREAM_GRACE_MS);
        }
      });
    }

    api
      .seats(showtimeId, ctrl.signal)
      .then((first) => {
        if (disposed) return;
        statusRef.current = new Map(first.seats.map((s) => [s.id, s.status]));
        setMap(first);
        openStream();
      })
      .catch((err: unknown) => {
        if (!disposed) setError(err);
      });

    return () => {
      disposed = true;
      ctrl.abort();
      source?.close();
      stopPolling();
      window.clearTimeout(graceTimer);
      window.clearTimeout(retryTimer);
    };
  }, [showtimeId, apply]);

  /** Marks seats as taken locally (e.g. the ones a 409 SEATS_UNAVAILABLE named) without reporting them. */
  const markTaken = useCallback(
    (ids: string[]) =>
      apply(
        ids.map((id) => ({ id, status: 'held' })),
        false,
      ),
    [apply],
  );

  const seats: Seat[] = map?.seats ?? [];
  return { map, seats, error, mode, markTaken };
}
