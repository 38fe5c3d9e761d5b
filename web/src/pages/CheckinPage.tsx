import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { CheckinResult, DoorBooking } from '../api/types';
import { Icon } from '../components/Icon';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { useAuth } from '../lib/auth';
import { asSentence, humanError } from '../lib/errors';
import { formatDateTime, formatTime, seatKindLabel } from '../lib/format';

type Outcome =
  | { kind: 'admitted'; result: CheckinResult }
  | { kind: 'refused'; title: string; reason: string }
  | { kind: 'unavailable'; reason: string };

const BOOKING_STATUS_TEXT: Record<string, string> = {
  refunded: 'This booking was refunded.',
  cancelled: 'This booking was cancelled before it was paid.',
  expired: 'This booking was never paid; its hold ran out.',
  pending: 'This booking has not been paid yet.',
};

/** "8:10 PM", or "8:10 PM, Fri, Dec 4" when not today, in the theater's zone. */
function doorTime(iso: string, timeZone: string | undefined): string {
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(d);
  return day(new Date(iso)) === day(new Date()) ? formatTime(iso, timeZone) : formatDateTime(iso, timeZone);
}

/** Why the door says no, in words for the person holding the phone; times in the theater's zone. */
function refusal(err: ApiError): { title: string; reason: string } {
  const tz = typeof err.details.timeZone === 'string' ? err.details.timeZone : undefined;
  switch (err.code) {
    case 'ALREADY_CHECKED_IN': {
      const at = typeof err.details.admittedAt === 'string' ? err.details.admittedAt : null;
      return {
        title: 'Already admitted',
        reason: at ? `This ticket was already used at ${doorTime(at, tz)}.` : asSentence(err.message),
      };
    }
    case 'TICKET_NOT_VALID': {
      const status = typeof err.details.bookingStatus === 'string' ? err.details.bookingStatus : '';
      return { title: 'Not valid', reason: BOOKING_STATUS_TEXT[status] ?? 'This ticket is not valid.' };
    }
    case 'WRONG_SHOWTIME':
      // The API words it in the theater's local time ("Too early: doors open at 7:10 PM for the 9:10 PM showing").
      return { title: 'Wrong showtime', reason: asSentence(err.message) };
    case 'THEATER_NOT_ALLOWED':
      return {
        title: 'Another theater',
        reason: 'This ticket is for a theater you do not work at. Send the guest to the right theater.',
      };
    case 'TICKET_NOT_FOUND':
      return { title: 'Unknown ticket', reason: 'No ticket has this code. It may be mistyped or forged.' };
    case 'INVALID_CODE':
      return {
        title: 'Not a ticket',
        reason: 'This is not a Matinee ticket code. Scan the QR code, or type the 10-character ticket code.',
      };
    case 'BOOKING_NOT_FOUND':
      return {
        title: 'Unknown booking',
        reason: 'No booking has this reference. Ask the customer to read it again.',
      };
    default:
      return { title: 'Refused', reason: humanError(err) };
  }
}

/** A booking reference is 8 characters; a ticket's short code 10; a QR code starts with MT1. */
function looksLikeReference(value: string): boolean {
  return /^[A-Za-z0-9]{8}$/.test(value.replace(/[\s-]/g, ''));
}

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (opts: { formats: string[] }) => BarcodeDetectorLike;

/** Finds a QR code in a video frame: the browser's BarcodeDetector where there is one, else jsQR. */
async function frameReader(): Promise<(video: HTMLVideoElement) => Promise<string | undefined>> {
  const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;
  if (Detector) {
    const detector = new Detector({ formats: ['qr_code'] });
    return async (video) => (await detector.detect(video))[0]?.rawValue;
  }
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return (video) => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!context || !w || !h) return Promise.resolve(undefined);
    // Large frames are scaled down: jsQR's cost grows with the pixels, and a ticket fills the frame anyway.
    const scale = Math.min(1, 640 / Math.max(w, h));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return Promise.resolve(jsQR(image.data, image.width, image.height)?.data || undefined);
  };
}

const cameraAvailable = () => typeof navigator.mediaDevices?.getUserMedia === 'function';

function Verdict({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === 'admitted') {
    const t = outcome.result.ticket;
    return (
      <div className="verdict verdict-admitted" data-testid="checkin-verdict">
        <Icon name="check" size={72} className="verdict-icon" />
        <p className="verdict-title">Admitted</p>
        <p className="verdict-seat">
          Row {t.seat.row}, seat {t.seat.number}{' '}
          <span className="verdict-tier">({seatKindLabel(t.seat)})</span>
        </p>
        <p>
          {t.showtime.movieTitle} · {formatTime(t.showtime.startsAt, t.showtime.timeZone)} ·{' '}
          {t.showtime.auditoriumName}
        </p>
        <p className="muted">
          Booking {t.bookingReference} · admitted at{' '}
          {formatTime(outcome.result.admittedAt, t.showtime.timeZone)}
        </p>
      </div>
    );
  }
  if (outcome.kind === 'refused') {
    return (
      <div className="verdict verdict-refused" data-testid="checkin-verdict">
        <Icon name="cross" size={72} className="verdict-icon" />
        <p className="verdict-title">Refused</p>
        <p className="verdict-seat">{outcome.title}</p>
        <p>{outcome.reason}</p>
      </div>
    );
  }
  return (
    <Notice kind="warning" title="Could not check this ticket" testId="checkin-verdict">
      <p>{outcome.reason}</p>
    </Notice>
  );
}

/** A booking looked up by its reference: its showtime, whether doors are open, and its tickets to admit. */
function BookingAtDoor({
  found,
  busy,
  onAdmit,
}: {
  found: DoorBooking['booking'];
  busy: boolean;
  onAdmit: (ticketIds: string[]) => void;
}) {
  const tz = found.showtime?.timeZone;
  const waiting = found.tickets.filter((t) => t.admittable);
  return (
    <section
      className="card stack door-booking"
      aria-labelledby="door-booking-title"
      data-testid="door-booking"
    >
      <h2 id="door-booking-title" className="section-title">
        Booking <span className="reference">{found.reference}</span>
        {found.customerName ? ` · ${found.customerName}` : ''}
      </h2>
      {found.showtime && (
        <p>
          <strong>{found.showtime.movieTitle}</strong> · {formatDateTime(found.showtime.startsAt, tz)} ·{' '}
          {found.showtime.theaterName}, {found.showtime.auditoriumName}
        </p>
      )}
      {found.status !== 'confirmed' && (
        <Notice kind="error" title="Not valid">
          <p>{BOOKING_STATUS_TEXT[found.status] ?? 'This booking is not valid.'}</p>
        </Notice>
      )}
      {found.status === 'confirmed' && found.door && (
        <p className={found.door.open ? 'door-open' : 'door-closed'} data-testid="door-message">
          {asSentence(found.door.message)}
          {found.showtime && !found.door.open && found.door.reason !== 'ended'
            ? ` Doors open at ${doorTime(found.showtime.doorsOpenAt, tz)}.`
            : ''}
        </p>
      )}
      <ul className="door-tickets">
        {found.tickets.map((t) => (
          <li key={t.id} data-testid="door-ticket">
            <span>
              <strong>
                Row {t.seat.row}, seat {t.seat.number}
              </strong>{' '}
              <span className="muted">{seatKindLabel(t.seat)}</span>{' '}
              <code className="reference">{t.shortCode}</code>
            </span>
            {t.admittedAt ? (
              <span className="badge badge-used">Admitted at {doorTime(t.admittedAt, tz)}</span>
            ) : t.admittable ? (
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={busy}
                onClick={() => onAdmit([t.id])}
              >
                Admit
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {waiting.length > 1 && (
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          onClick={() => onAdmit(waiting.map((t) => t.id))}
        >
          Admit all {waiting.length}
        </button>
      )}
    </section>
  );
}

/** Door staff: scan a ticket, type its code, or look its booking up by reference; the API decides. */
export function CheckinPage() {
  const { user } = useAuth();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [found, setFound] = useState<DoorBooking['booking'] | null>(null);
  const [scanning, setScanning] = useState(false);
  const [cameraError, setCameraError] = useState<string | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  function failed(err: unknown) {
    if (err instanceof ApiError && err.status === 404 && err.code === 'ROUTE_NOT_FOUND') {
      setOutcome({ kind: 'unavailable', reason: 'Check-in is not available on this server.' });
    } else if (
      err instanceof ApiError &&
      err.status !== 0 &&
      err.status < 500 &&
      err.status !== 401 &&
      err.status !== 429
    ) {
      setOutcome({ kind: 'refused', ...refusal(err) });
    } else {
      setOutcome({ kind: 'unavailable', reason: humanError(err) });
    }
  }

  async function lookUp(reference: string) {
    try {
      setFound((await api.doorBooking(reference)).booking);
    } catch (err) {
      failed(err);
    }
  }

  async function check(value: string) {
    const trimmed = value.trim();
    if (!trimmed) return;
    setBusy(true);
    setOutcome(null);
    setFound(null);
    try {
      if (looksLikeReference(trimmed)) await lookUp(trimmed);
      else setOutcome({ kind: 'admitted', result: await api.checkin(trimmed) });
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
      setCode('');
      inputRef.current?.focus();
    }
  }

  async function admit(ticketIds: string[]) {
    if (!found) return;
    setBusy(true);
    setOutcome(null);
    try {
      for (const id of ticketIds) setOutcome({ kind: 'admitted', result: await api.checkinTicket(id) });
    } catch (err) {
      failed(err);
    } finally {
      await lookUp(found.reference);
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void check(code);
  }

  useEffect(() => {
    if (!scanning) return;
    let stream: MediaStream | null = null;
    let timer: number | undefined;
    let stopped = false;
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }),
      frameReader(),
    ])
      .then(async ([s, read]) => {
        if (stopped) {
          s.getTracks().forEach((t) => t.stop());
          return;
        }
        stream = s;
        const video = videoRef.current!;
        video.srcObject = s;
        await video.play();
        let reading = false;
        timer = window.setInterval(() => {
          if (reading || stopped) return;
          reading = true;
          read(video)
            .then((found) => {
              if (found && !stopped) {
                stopped = true;
                setScanning(false);
                void check(found);
              }
            })
            .catch(() => undefined)
            .finally(() => (reading = false));
        }, 250);
      })
      .catch(() => {
        setCameraError('The camera could not be opened. Type the code instead.');
        setScanning(false);
      });
    return () => {
      stopped = true;
      window.clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [scanning]);

  if (user && user.role !== 'staff' && user.role !== 'admin') {
    return (
      <div className="stack-lg">
        <PageHeading title="Check-in">Check-in</PageHeading>
        <Notice kind="info" title="For cinema staff">
          <p>This page is for the people checking tickets at the door.</p>
        </Notice>
      </div>
    );
  }

  return (
    <div className="stack-lg checkin-page">
      <PageHeading
        title="Check-in"
        sub={<p className="lead">Scan the QR code, type the ticket code, or look up a booking reference.</p>}
      >
        Check-in
      </PageHeading>
      <section className="card stack">
        <form onSubmit={submit} className="checkin-form">
          <div className="field">
            <label htmlFor="code">Ticket code or booking reference</label>
            <input
              id="code"
              ref={inputRef}
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              aria-describedby="code-hint"
            />
            <p className="field-hint" id="code-hint">
              A ticket code has 10 characters (ABCDE-12345); a booking reference has 8.
            </p>
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy || !code.trim()}>
            {busy ? 'Checking…' : looksLikeReference(code) ? 'Look up' : 'Check in'}
          </button>
        </form>
        {cameraAvailable() && (
          <div className="scan">
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => {
                setCameraError(null);
                setScanning((s) => !s);
              }}
              aria-pressed={scanning}
            >
              <Icon name="camera" />
              {scanning ? 'Stop camera' : 'Scan with camera'}
            </button>
            {scanning && (
              <video ref={videoRef} className="scan-video" muted playsInline aria-label="Camera preview" />
            )}
          </div>
        )}
        {cameraError && <Notice kind="error">{cameraError}</Notice>}
      </section>
      <div aria-live="assertive" aria-atomic="true">
        {outcome && <Verdict outcome={outcome} />}
      </div>
      {found && <BookingAtDoor found={found} busy={busy} onAdmit={(ids) => void admit(ids)} />}
    </div>
  );
}
