import pg from 'pg';
import type { Logger } from 'pino';

/** SeatFeed publishes "showtime X changed" here after commit; every API process LISTENs. */
export const SEAT_EVENTS_CHANNEL = 'seat_events';

/**
 * Payload: `<showtimeId> <origin>`, or `<showtimeId> <origin>-f` when the change may have freed seats (a hold
 * cancelled or expired, a refund, a layout change) rather than only taken them (a hold, a sale). Origin names
 * the publishing process (hex, no dash), so it can skip its own messages; a process that does not know the
 * suffix still reads the notice as "this showtime changed".
 */
export function encodeSeatNotice(showtimeId: string, origin: string, freed: boolean): string {
  return `${showtimeId} ${origin}${freed ? FREED_SUFFIX : ''}`;
}

const FREED_SUFFIX = '-f';

export function decodeSeatNotice(
  payload: string | undefined,
): { showtimeId: string; origin: string; freed: boolean } | undefined {
  const m = /^([0-9a-f-]{36}) ([\w-]{1,64})$/i.exec(payload ?? '');
  if (!m) return undefined;
  const freed = m[2]!.endsWith(FREED_SUFFIX);
  return {
    showtimeId: m[1]!.toLowerCase(),
    origin: freed ? m[2]!.slice(0, -FREED_SUFFIX.length) : m[2]!,
    freed,
  };
}

export interface SeatEventsListenerOptions {
  databaseUrl: string;
  logger: Logger;
  /** A showtime's seats changed (committed, in some process); `freed`: seats may have been freed. */
  onNotice: (showtimeId: string, origin: string, freed: boolean) => void;
  /** The LISTEN is (again) active after a connect: notices sent while it was away are lost, so re-read. */
  onListening: () => void;
  /** The LISTEN connection is gone: nothing is known about changes until it is back. */
  onLost?: () => void;
  /** Reconnect delays: doubling from minMs up to maxMs, with jitter. */
  backoff?: { minMs: number; maxMs: number };
  /** A quiet connection is probed this often, so a silently dropped one is noticed. */
  probeIntervalMs?: number;
}

/**
 * One dedicated PostgreSQL connection per API process, LISTENing on `seat_events`. It connects on first use and
 * reconnects with backoff. `epoch` counts successful LISTENs: state read during an earlier epoch (or while not
 * listening) may have missed a notice and must be read again.
 */
export class SeatEventsListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private listening = false;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  epoch = 0;

  constructor(private readonly opts: SeatEventsListenerOptions) {}

  get isListening(): boolean {
    return this.listening;
  }

  /** Starts connecting if it is not (idempotent, never throws). */
  start(): void {
    if (this.client || this.connecting || this.retryTimer || this.closed) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  /** Resolves once the LISTEN is active; rejects if that takes longer than `timeoutMs`. */
  whenListening(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('seat events listener closed'));
    if (this.listening) return Promise.resolve();
    this.start();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('seat events: the database is not reachable'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    for (const w of this.waiters.splice(0)) w.reject(new Error('seat events listener closed'));
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await this.connecting?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.databaseUrl,
      application_name: 'matinee-seat-events',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      query_timeout: 10_000,
    });
    client.on('notification', (msg) => {
      if (msg.channel !== SEAT_EVENTS_CHANNEL) return;
      const notice = decodeSeatNotice(msg.payload);
      if (!notice) {
        this.opts.logger.warn({ payload: msg.payload }, 'seat events: ignoring a malformed notification');
        return;
      }
      this.safely(() => this.opts.onNotice(notice.showtimeId, notice.origin, notice.freed));
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${SEAT_EVENTS_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.opts.logger.warn({ err, attempt: this.attempt }, 'seat events: cannot LISTEN; retrying');
      this.scheduleRetry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.epoch > 0;
    this.client = client;
    this.listening = true;
    this.epoch++;
    this.attempt = 0;
    this.startProbe(client);
    if (reconnected) this.opts.logger.info('seat events: listening again');
    for (const w of this.waiters.splice(0)) w.resolve();
    this.safely(() => this.opts.onListening());
  }

  private lost(client: pg.Client, err: Error | undefined): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.probeTimer);
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.opts.logger.warn({ err }, 'seat events: connection lost; reconnecting');
    this.safely(() => this.opts.onLost?.());
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    // Capped low enough that live seat maps resume within seconds of the database, even after a long outage.
    const { minMs, maxMs } = this.opts.backoff ?? { minMs: 250, maxMs: 5_000 };
    const delay = Math.min(maxMs, minMs * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, delay);
    this.retryTimer.unref();
  }

  private startProbe(client: pg.Client): void {
    clearInterval(this.probeTimer);
    this.probeTimer = setInterval(() => {
      client.query('SELECT 1').catch((err: Error) => this.lost(client, err));
    }, this.opts.probeIntervalMs ?? 30_000);
    this.probeTimer.unref();
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error({ err }, 'seat events: a handler failed');
    }
  }
}
