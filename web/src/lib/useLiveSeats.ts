import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { session } from './session';
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
 *
 * Versions: the map and every event carry the showtime's seat version. A `seats` event applies only to the
 * version it names as `prevVersion`; at any other version a change was missed, so the map is fetched again
 * (a 304 when the ETag still matches) instead of patching a map that may be wrong.
 */
export function useLiveSeats(showtimeId: string, onChange: (changes: SeatChange[]) => void) {
  const [map, setMap] = useState<SeatMapResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [mode, setMode] = useState<LiveMode>('connecting');
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const statusRef = useRef(new Map<string, SeatStatus>());
  const versionRef = useRef<number | null>(null);

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
    versionRef.current = null;

    async function poll(): Promise<void> {
      try {
        const fresh = await api.seats(showtimeId, ctrl.signal);
        if (disposed) return;
        apply(fresh.seats, true);
        versionRef.current = fresh.version;
      } catch {
        // the next poll tries again
      }
    }

    /** A missed change: refetch the whole map (one request at a time; again if more gaps came meanwhile). */
    let resyncing = false;
    let resyncAgain = false;
    async function resync(): Promise<void> {
      if (resyncing) {
        resyncAgain = true;
        return;
      }
      resyncing = true;
      try {
        do {
          resyncAgain = false;
          await poll();
        } while (resyncAgain && !disposed);
      } finally {
        resyncing = false;
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
      // Signed in, the stream takes a short-lived token for this showtime only (never the session's token in a
      // URL); signed out, it is opened without any credential.
      let streamToken: string | undefined;
      try {
        if (session.token()) streamToken = (await api.seatStreamToken(showtimeId, ctrl.signal)).token;
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
      const parse = (e: MessageEvent<string>): SeatStreamEvent | null => {
        try {
          const data = JSON.parse(e.data) as SeatStreamEvent;
          return data.showtimeId === showtimeId ? data : null;
        } catch {
          return null; // ignore a malformed event
        }
      };
      const onSnapshot = (e: MessageEvent<string>) => {
        const data = parse(e);
        if (!data) return;
        apply(data.seats, true);
        versionRef.current = data.version;
      };
      const onSeats = (e: MessageEvent<string>) => {
        const data = parse(e);
        if (!data) return;
        if (data.prevVersion !== undefined && data.prevVersion === versionRef.current && !resyncing) {
          apply(data.seats, true);
          versionRef.current = data.version;
        } else {
          void resync();
        }
      };
      current.addEventListener('snapshot', onSnapshot as EventListener);
      current.addEventListener('seats', onSeats as EventListener);
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
        versionRef.current = first.version;
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
