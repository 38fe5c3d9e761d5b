import type { ShowtimeListing } from '../api/types';
import { formatLabel, formatMoney, formatTime } from '../lib/format';
import { Link } from '../lib/router';

/**
 * One showtime as a link to its seat map: time, room, format (when not plain 2D), its lowest ticket price and
 * seats left.
 */
export function ShowtimeButton({ s, timeZone }: { s: ShowtimeListing; timeZone: string }) {
  const started = new Date(s.startsAt).getTime() <= Date.now();
  const from = s.fromCents;
  const time = formatTime(s.startsAt, timeZone);
  const plain = s.format === '2D' && s.presentation === 'original';
  const detail = `${s.auditorium.name}${plain ? '' : `, ${formatLabel(s)}`} · from ${formatMoney(from, s.currency)}`;
  if (started || s.seatsAvailable === 0) {
    return (
      <span className="showtime is-off" aria-label={`${time}, ${started ? 'started' : 'sold out'}`}>
        <span className="showtime-time">{time}</span>
        <span className="showtime-detail">{started ? 'Started' : 'Sold out'}</span>
      </span>
    );
  }
  const few = s.seatsAvailable <= 20;
  return (
    <Link
      to={`/showtimes/${s.id}`}
      className="showtime"
      aria-label={`${time}, ${detail}, ${s.seatsAvailable} seats left`}
      data-testid="showtime"
    >
      <span className="showtime-time">{time}</span>
      <span className="showtime-detail">{s.auditorium.name}</span>
      {!plain && (
        <span className="showtime-format" data-testid="showtime-format">
          {formatLabel(s)}
        </span>
      )}
      <span className="showtime-from" data-testid="showtime-from">
        From {formatMoney(from, s.currency)}
      </span>
      <span className={`showtime-seats${few ? ' is-few' : ''}`}>
        {few ? `Only ${s.seatsAvailable} left` : `${s.seatsAvailable} seats`}
      </span>
    </Link>
  );
}
