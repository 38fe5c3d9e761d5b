import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { QueueStatus } from '../api/types';
import { NotFound } from '../components/NotFound';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { admissions } from '../lib/admission';
import { useAuth } from '../lib/auth';
import { isNotFound } from '../lib/errors';
import { formatDateTime, plural } from '../lib/format';
import { Link, navigate, signInHref } from '../lib/router';
import { useAsync } from '../lib/useAsync';
import { ShowtimePage } from './ShowtimePage';

/**
 * The seat map of a showtime, unless it sells through a waiting room and this tab has no admission yet: then
 * the queue page. Asked each time the page opens (one small cached answer).
 */
export function ShowtimeGate({ showtimeId }: { showtimeId: string }) {
  const room = useAsync((signal) => api.waitingRoom(showtimeId, signal), [showtimeId]);
  const queued = room.data?.waitingRoom != null && !admissions.read(showtimeId);
  useEffect(() => {
    if (queued) navigate(`/showtimes/${showtimeId}/queue`, { replace: true });
  }, [queued, showtimeId]);
  if (room.loading && !room.data) return <Loading />;
  if (queued) return <Loading />;
  // No room, or it could not be asked: the seat map (a hold then says if an admission is needed).
  return <ShowtimePage showtimeId={showtimeId} />;
}

function minutesText(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const m = Math.round(seconds / 60);
  return m < 90 ? plural(m, 'minute') : `about ${Math.round(m / 60)} hours`;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** What the estimate rests on, in words (QueueStatus.estimateBasis). */
function basisText(status: QueueStatus): string {
  switch (status.estimateBasis) {
    case 'measured':
      return 'The estimate follows how fast places came free over the last 20 seconds.';
    case 'history':
      return 'The estimate follows earlier sales until this one has a pace of its own (about 20 seconds).';
    case 'bound':
      return 'Nobody has finished yet, so this is the longest it can take: it will likely be shorter.';
    case 'rate':
      return status.admitRatePerMinute
        ? `People are let in at about ${Math.round(status.admitRatePerMinute)} a minute right now.`
        : 'A place is free for you: you are let in next.';
    case null:
      return '';
  }
}

/** Live place in the queue: a stream while it connects, polling every 5 s when it cannot. */
function useQueue(showtimeId: string, enabled: boolean) {
  const [status, setStatus] = useState<QueueStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let closed = false;
    let source: EventSource | null = null;
    let poll: number | undefined;
    const startPolling = () => {
      if (poll !== undefined || closed) return;
      poll = window.setInterval(() => {
        api.queueStatus(showtimeId).then(
          (s) => !closed && setStatus(s),
          () => undefined,
        );
      }, 5000);
    };
    void (async () => {
      try {
        // Opening the page (a reload, a second tab) asks for this account's place first: one that is live is
        // kept, one that ended (left, bought, ran out) is shown with "Queue again", never silently re-queued at
        // the back. Only without a place, or when asked to, does it join (idempotent: one place per account).
        let joined =
          attempt === 0
            ? await api.queueStatus(showtimeId).catch((err: unknown) => {
                if (err instanceof ApiError && err.code === 'NOT_IN_QUEUE') return null;
                throw err;
              })
            : null;
        if (closed) return;
        joined ??= await api.joinQueue(showtimeId);
        if (closed) return;
        setStatus(joined);
        setError(null);
        if (joined.status !== 'waiting') return;
        const { token } = await api.seatStreamToken(showtimeId);
        if (closed) return;
        source = new EventSource(api.queueStreamUrl(showtimeId, token));
        source.addEventListener('status', (e) => {
          setStatus(JSON.parse((e as MessageEvent<string>).data) as QueueStatus);
        });
        source.onerror = () => {
          // EventSource retries by itself; a stream token that expired does not get better: poll instead.
          if (source?.readyState === EventSource.CLOSED) startPolling();
        };
      } catch (err) {
        if (!closed) setError(err);
      }
    })();
    return () => {
      closed = true;
      source?.close();
      if (poll !== undefined) window.clearInterval(poll);
    };
  }, [showtimeId, enabled, attempt]);
  return { status, error, retry: () => setAttempt((n) => n + 1) };
}

export function WaitingRoomPage({ showtimeId }: { showtimeId: string }) {
  const { user } = useAuth();
  const details = useAsync((signal) => api.showtime(showtimeId, signal), [showtimeId]);
  const room = useAsync((signal) => api.waitingRoom(showtimeId, signal), [showtimeId]);
  const highDemand = room.data?.waitingRoom != null;
  const { status, error, retry } = useQueue(showtimeId, !!user && highDemand);
  const [now, setNow] = useState(() => Date.now());
  const skew = useRef(0);
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    if (status) skew.current = new Date(status.serverTime).getTime() - Date.now();
    if (status?.status === 'admitted' && status.admission) {
      admissions.save(showtimeId, status.admission);
      navigate(`/showtimes/${showtimeId}`, { replace: true });
    }
  }, [status, showtimeId]);

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    // The room was removed (normal sale again): straight to the seat map.
    if (room.data && room.data.waitingRoom === null) navigate(`/showtimes/${showtimeId}`, { replace: true });
  }, [room.data, showtimeId]);

  if (details.error && isNotFound(details.error)) return <NotFound />;
  if (!details.data || room.loading) return <Loading />;
  const { showtime } = details.data;
  const title = `${showtime.movie.title} · Waiting room`;
  const when = formatDateTime(showtime.startsAt, showtime.theater.timeZone);
  const heading = (
    <PageHeading title={title} sub={`${showtime.theater.name} · ${when}`}>
      Waiting room: {showtime.movie.title}
    </PageHeading>
  );

  if (!user) {
    return (
      <div className="stack-lg waiting-room">
        {heading}
        <p className="lead">
          This showtime is in high demand, so tickets are sold through a queue: one place per account.
        </p>
        <p>
          <Link to={signInHref(`/showtimes/${showtimeId}/queue`)} className="btn btn-primary">
            Sign in to join the queue
          </Link>
        </p>
      </div>
    );
  }

  async function leave() {
    setLeaving(true);
    try {
      await api.leaveQueue(showtimeId);
    } catch {
      // already out of the queue: nothing to undo
    }
    admissions.clear(showtimeId);
    navigate(`/movies/${showtime.movie.id}`);
  }

  const opensIn = status ? new Date(status.onSaleAt).getTime() - (now + skew.current) : 0;
  const waiting = status?.status === 'waiting';
  const ended = status && ['done', 'left', 'expired'].includes(status.status);
  const summary = !status
    ? 'Joining the queue…'
    : !status.opened
      ? 'You are in the queue. Places are drawn at random when sales open.'
      : waiting && status.position !== null
        ? `You are number ${status.position} in line.${
            status.estimatedWaitSeconds !== null
              ? ` Estimated wait: ${minutesText(status.estimatedWaitSeconds)}.`
              : ''
          }`
        : status.status === 'admitted'
          ? 'It is your turn. Opening the seat map…'
          : '';

  return (
    <div className="stack-lg waiting-room" data-testid="waiting-room">
      {heading}
      {error instanceof ApiError || error ? (
        <ErrorNotice error={error} title="We could not put you in the queue" onRetry={retry} />
      ) : null}
      {/* One polite sentence that changes only when the place or the estimate does. */}
      <p className="visually-hidden" aria-live="polite" data-testid="queue-announcement">
        {summary}
      </p>
      {!status && !error && <Loading />}
      {status && !status.opened && waiting && (
        <section className="card stack" aria-labelledby="prequeue-title">
          <h2 id="prequeue-title">You are in the queue</h2>
          <p className="queue-figure" data-testid="queue-countdown">
            <span className="queue-label">Sales open in</span>
            <span className="queue-number">{clock(opensIn)}</span>
          </p>
          <p>
            At {formatDateTime(status.onSaleAt, showtime.theater.timeZone)} everyone in the queue is given a
            place in a random order, so arriving earlier than that gives no advantage. People who arrive after
            that queue in turn.
          </p>
        </section>
      )}
      {status && status.opened && waiting && (
        <section className="card stack" aria-labelledby="queue-title">
          <h2 id="queue-title">Your place in line</h2>
          <div className="queue-figures">
            <p className="queue-figure" data-testid="queue-position">
              <span className="queue-label">Your number</span>
              <span className="queue-number">{status.position ?? '…'}</span>
            </p>
            <p className="queue-figure" data-testid="queue-ahead">
              <span className="queue-label">People ahead of you</span>
              <span className="queue-number">{status.ahead ?? '…'}</span>
            </p>
            <p className="queue-figure" data-testid="queue-wait">
              <span className="queue-label">Estimated wait</span>
              <span className="queue-number queue-number-text">
                {status.estimatedWaitSeconds === null
                  ? 'Not known yet'
                  : minutesText(status.estimatedWaitSeconds)}
              </span>
            </p>
          </div>
          <p className="field-hint" data-testid="queue-basis">
            {basisText(status)} When it is your turn the seat map opens by itself.
          </p>
        </section>
      )}
      {status && waiting && status.likelySoldOut && (
        <Notice
          kind="warning"
          title={
            status.seatsLeft === 0 ? 'No seats are free right now' : 'Tickets may sell out before your turn'
          }
        >
          <p data-testid="queue-sellout">
            {status.seatsLeft === 0
              ? 'Every seat is sold or held. Seats that are held but not paid for come back, so you can stay in line.'
              : status.opened
                ? `${plural(status.seatsLeft, 'seat')} left, and the ${plural(status.ahead ?? 0, 'person', 'people')} ahead of you are likely to take them. You can stay in line: seats that are held but not paid for come back.`
                : `${plural(status.seatsLeft, 'seat')} left for everyone in the queue: when sales open, places are drawn at random, so you may not get tickets.`}
          </p>
        </Notice>
      )}
      {ended && status && (
        <Notice
          kind="info"
          title={status.status === 'done' ? 'You have bought tickets' : 'You are no longer in the queue'}
        >
          <p>
            {status.status === 'expired'
              ? 'Your turn came, but no seats were held in time, so your place went to the next person.'
              : status.status === 'done'
                ? 'To buy more tickets for this showtime, queue again.'
                : 'You left the queue.'}
          </p>
          <p>
            <button type="button" className="btn btn-primary" onClick={retry}>
              Queue again
            </button>
          </p>
        </Notice>
      )}
      {waiting && (
        <div className="stack">
          <p>
            Keep this page open. You can reload it or open it in another tab: your place is kept, one per
            account.
          </p>
          <p>
            <button type="button" className="btn btn-ghost" onClick={() => void leave()} disabled={leaving}>
              Leave the queue
            </button>
          </p>
        </div>
      )}
    </div>
  );
}
