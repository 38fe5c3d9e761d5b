import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { CheckinResult } from '../api/types';
import { Icon } from '../components/Icon';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { useAuth } from '../lib/auth';
import { formatTime, tierLabel } from '../lib/format';

type Outcome =
  | { kind: 'admitted'; result: CheckinResult }
  | { kind: 'refused'; title: string; reason: string }
  | { kind: 'unavailable'; reason: string };

/** Why the door says no, in words for the person holding the phone. */
function refusal(err: ApiError): { title: string; reason: string } {
  switch (err.code) {
    case 'ALREADY_CHECKED_IN': {
      const at = typeof err.details.admittedAt === 'string' ? err.details.admittedAt : null;
      return {
        title: 'Already admitted',
        reason: at ? `This ticket was already used at ${formatTime(at)}.` : err.message,
      };
    }
    case 'TICKET_NOT_VALID':
      return { title: 'Not valid', reason: err.message };
    case 'WRONG_SHOWTIME':
      return { title: 'Wrong showtime', reason: err.message };
    case 'TICKET_NOT_FOUND':
      return { title: 'Unknown ticket', reason: 'No ticket has this code. It may be forged or mistyped.' };
    case 'INVALID_CODE':
      return { title: 'Not a ticket', reason: 'This is not a Matinee ticket code.' };
    default:
      return { title: 'Refused', reason: err.message };
  }
}

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (opts: { formats: string[] }) => BarcodeDetectorLike;

function barcodeDetector(): BarcodeDetectorCtor | undefined {
  const ctor = (window as unknown as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;
  return ctor && typeof navigator.mediaDevices?.getUserMedia === 'function' ? ctor : undefined;
}

/** Door staff: type or scan a ticket's code; the API decides (POST /checkin, issue 4). */
export function CheckinPage() {
  const { user } = useAuth();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [scanning, setScanning] = useState(false);
  const [cameraError, setCameraError] = useState<string | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const Detector = barcodeDetector();

  async function check(value: string) {
    const trimmed = value.trim();
    if (!trimmed) return;
    setBusy(true);
    setOutcome(null);
    try {
      setOutcome({ kind: 'admitted', result: await api.checkin(trimmed) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && err.code === 'ROUTE_NOT_FOUND') {
        setOutcome({
          kind: 'unavailable',
          reason: 'Check-in is not available on this server yet (the check-in API is still to come).',
        });
      } else if (
        err instanceof ApiError &&
        err.status !== 0 &&
        err.status < 500 &&
        err.status !== 401 &&
        err.status !== 429
      ) {
        setOutcome({ kind: 'refused', ...refusal(err) });
      } else {
        setOutcome({ kind: 'unavailable', reason: err instanceof Error ? err.message : 'Try again.' });
      }
    } finally {
      setBusy(false);
      setCode('');
      inputRef.current?.focus();
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void check(code);
  }

  useEffect(() => {
    if (!scanning || !Detector) return;
    let stream: MediaStream | null = null;
    let timer: number | undefined;
    let stopped = false;
    const detector = new Detector({ formats: ['qr_code'] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(async (s) => {
        if (stopped) {
          s.getTracks().forEach((t) => t.stop());
          return;
        }
        stream = s;
        const video = videoRef.current!;
        video.srcObject = s;
        await video.play();
        timer = window.setInterval(() => {
          detector
            .detect(video)
            .then((codes) => {
              const found = codes[0]?.rawValue;
              if (found && !stopped) {
                setScanning(false);
                void check(found);
              }
            })
            .catch(() => undefined);
        }, 300);
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
      <PageHeading title="Check-in" sub={<p className="lead">Scan or type the code on the ticket.</p>}>
        Check-in
      </PageHeading>
      <section className="card stack">
        <form onSubmit={submit} className="checkin-form">
          <div className="field">
            <label htmlFor="code">Ticket code</label>
            <input
              id="code"
              ref={inputRef}
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy || !code.trim()}>
            {busy ? 'Checking…' : 'Check in'}
          </button>
        </form>
        {Detector && (
          <div className="scan">
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => setScanning((s) => !s)}
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
        {outcome?.kind === 'admitted' && (
          <div className="verdict verdict-admitted" data-testid="checkin-verdict">
            <Icon name="check" size={72} className="verdict-icon" />
            <p className="verdict-title">Admitted</p>
            <p className="verdict-seat">
              Row {outcome.result.ticket.seat.row}, seat {outcome.result.ticket.seat.number}{' '}
              <span className="verdict-tier">({tierLabel(outcome.result.ticket.seat.tier)})</span>
            </p>
            <p>
              {outcome.result.ticket.showtime.movieTitle} ·{' '}
              {formatTime(outcome.result.ticket.showtime.startsAt)} ·{' '}
              {outcome.result.ticket.showtime.auditoriumName}
            </p>
            <p className="muted">Booking {outcome.result.ticket.bookingReference}</p>
          </div>
        )}
        {outcome?.kind === 'refused' && (
          <div className="verdict verdict-refused" data-testid="checkin-verdict">
            <Icon name="cross" size={72} className="verdict-icon" />
            <p className="verdict-title">Refused</p>
            <p className="verdict-seat">{outcome.title}</p>
            <p>{outcome.reason}</p>
          </div>
        )}
        {outcome?.kind === 'unavailable' && (
          <Notice kind="warning" title="Could not check this ticket" testId="checkin-verdict">
            <p>{outcome.reason}</p>
          </Notice>
        )}
      </div>
    </div>
  );
}
