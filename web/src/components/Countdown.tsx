import { useEffect, useRef, useState } from 'react';
import { Icon } from './Icon';

function remainingMs(expiresAt: string): number {
  return Math.max(0, new Date(expiresAt).getTime() - Date.now());
}

function spoken(seconds: number): string {
  if (seconds >= 60) {
    const m = Math.round(seconds / 60);
    return `${m} minute${m === 1 ? '' : 's'}`;
  }
  return `${seconds} seconds`;
}

/** Moments worth announcing to screen readers (every second would drown everything else). */
const MILESTONES = [600, 420, 300, 240, 180, 120, 60, 30, 10];

/**
 * mm:ss left on the hold. The visible clock is not announced on every tick; a polite live region speaks at
 * a few milestones instead. Calls onExpire once when it reaches zero.
 */
export function Countdown({ expiresAt, onExpire }: { expiresAt: string; onExpire: () => void }) {
  const [ms, setMs] = useState(() => remainingMs(expiresAt));
  const [announcement, setAnnouncement] = useState(
    () => `Your seats are held for ${spoken(Math.ceil(remainingMs(expiresAt) / 1000))}.`,
  );
  const lastMilestone = useRef<number | null>(null);
  const expired = useRef(false);
  const onExpireRef = useRef(onExpire);
  onExpireRef.current = onExpire;

  useEffect(() => {
    expired.current = false;
    const tick = () => {
      const left = remainingMs(expiresAt);
      setMs(left);
      const s = Math.ceil(left / 1000);
      const milestone = MILESTONES.find((m) => s <= m && s > m - 2);
      if (milestone !== undefined && milestone !== lastMilestone.current) {
        lastMilestone.current = milestone;
        setAnnouncement(`${spoken(milestone)} left to pay.`);
      }
      if (left <= 0 && !expired.current) {
        expired.current = true;
        setAnnouncement('Your hold has expired.');
        onExpireRef.current();
      }
    };
    tick();
    const timer = window.setInterval(tick, 250);
    return () => window.clearInterval(timer);
  }, [expiresAt]);

  const total = Math.ceil(ms / 1000);
  const mm = Math.floor(total / 60);
  const ss = String(total % 60).padStart(2, '0');
  const urgent = total <= 60;
  return (
    <div className={`countdown${urgent ? ' is-urgent' : ''}`} data-testid="countdown">
      <Icon name="clock" size={36} className="countdown-icon" />
      <div>
        <p className="countdown-label" id="countdown-label">
          Seats held for
        </p>
        <p className="countdown-time" role="timer" aria-labelledby="countdown-label" aria-live="off">
          {mm}:{ss}
        </p>
      </div>
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </p>
    </div>
  );
}
