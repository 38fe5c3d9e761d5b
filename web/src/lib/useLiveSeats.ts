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
/** After a live stream dropped, reconnect this much later (the server's `retry:` hint). */
const STREAM_RECONNECT_MS = 2_000;

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

    /** Reconnects (with a fresh stream token) after a stream that was live drops. */
    function reconnectLater(ms: number): void {
      window.clearTimeout(retryTimer);
      retryTimer = window.setTimeout(() => void openStream(), ms);
    }

    async function openStream(): Promise<void> {
      if (disposed || typeof EventSource === 'undefined') {
        startPolling();
        return;
      }
      window.clearTimeout(graceTimer);
      graceTimer = window.setTimeout(startPolling, STREAM_GRACE_MS);
      // The stream takes a short-lived token for this showtime only (never the session's token in a URL).
      let streamToken: string;
      try {
        streamToken = (await api.seatStreamToken(showtimeId, ctrl.signal)).token;
      } catch {
        if (disposed) return;
        startPolling();
        reconnectLater(STREAM_RETRY_MS);
        return;
      }
      if (disposed) return;
      const current = new EventSource(api.seatStreamUrl(showtimeId, streamToken));
      source = current;
      let opened = false;
      current.addEventListener('open', () => {
        opened = true;
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
      current.addEventListener('snapshot', onData as EventListener);
      current.addEventListener('seats', onData as EventListener);
      current.addEventListener('error', () => {
        if (disposed || source !== current) return;
        // The browser's own reconnect would reuse a token that may have expired: reconnect ourselves with a
        // fresh one, soon after a drop of a live stream, later when the server refused it (401, 404, 503...).
        current.close();
        source = null;
        window.clearTimeout(graceTimer);
        if (opened) {
          graceTimer = window.setTimeout(startPolling, STREAM_GRACE_MS);
          reconnectLater(STREAM_RECONNECT_MS);
        } else {
          startPolling();
          reconnectLater(STREAM_RETRY_MS);
        }
      });
    }

    api
      .seats(showtimeId, ctrl.signal)
      .then((first) => {
        if (disposed) return;
        statusRef.current = new Map(first.seats.map((s) => [s.id, s.status]));
        setMap(first);
        void openStream();
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
