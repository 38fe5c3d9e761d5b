import pg from 'pg';
import type { Logger } from 'pino';
import type { InventoryStatus } from '../../db/schema.js';

/** The channel the 0003_seat_events trigger notifies after every committed seat change. */
export const SEAT_EVENTS_CHANNEL = 'seat_events';

export interface SeatStatusChange {
  id: string;
  status: InventoryStatus;
}

export interface SeatEvent {
  showtimeId: string;
  seats: SeatStatusChange[];
}

export interface SeatEventSubscriber {
  /** Seats of the subscribed showtime changed (in commit order). */
  onSeats(event: SeatEvent): void;
  /** The connection was lost and is back: notifications may have been missed, so re-read the state. */
  onResync(): void;
}

export interface SeatEventsListenerOptions {
  databaseUrl: string;
  logger: Logger;
  /** Reconnect delays: doubling from minMs up to maxMs, with jitter. */
  backoff?: { minMs: number; maxMs: number };
  /** A quiet connection is probed this often, so a silently dropped one is noticed. */
  probeIntervalMs?: number;
}

const STATUSES: ReadonlySet<string> = new Set<InventoryStatus>(['available', 'held', 'sold']);

function parseEvent(payload: string | undefined): SeatEvent | undefined {
  if (!payload) return undefined;
  try {
    const value = JSON.parse(payload) as Partial<SeatEvent>;
    if (typeof value.showtimeId !== 'string' || !Array.isArray(value.seats)) return undefined;
    const seats = value.seats.filter(
      (s): s is SeatStatusChange =>
        typeof s === 'object' && s !== null && typeof s.id === 'string' && STATUSES.has(s.status),
    );
    return { showtimeId: value.showtimeId, seats };
  } catch {
    return undefined;
  }
}

/**
 * One dedicated PostgreSQL connection per API process, LISTENing on `seat_events`, fanned out in process to
 * the subscribers of each showtime. It connects on the first subscription and reconnects with backoff; after
 * a reconnect every subscriber is asked to resync, because notifications sent while it was away are lost.
 */
export class SeatEventsListener {
  private readonly subscribers = new Map<string, Set<SeatEventSubscriber>>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private listening = false;
  private everConnected = false;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(private readonly opts: SeatEventsListenerOptions) {}

  get isListening(): boolean {
    return this.listening;
  }

  /**
   * Subscribes to one showtime. Resolves once the LISTEN is active, so any change committed after that is
   * delivered; rejects if the database cannot be reached within `timeoutMs`. Returns the unsubscribe function.
   */
  async subscribe(
    showtimeId: string,
    subscriber: SeatEventSubscriber,
    timeoutMs = 5_000,
  ): Promise<() => void> {
    let set = this.subscribers.get(showtimeId);
    if (!set) {
      set = new Set();
      this.subscribers.set(showtimeId, set);
    }
    set.add(subscriber);
    const unsubscribe = () => {
      const current = this.subscribers.get(showtimeId);
      current?.delete(subscriber);
      if (current?.size === 0) this.subscribers.delete(showtimeId);
    };
    try {
      await this.whenListening(timeoutMs);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  subscriberCount(showtimeId?: string): number {
    if (showtimeId) return this.subscribers.get(showtimeId)?.size ?? 0;
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    this.subscribers.clear();
    for (const w of this.waiters.splice(0)) w.reject(new Error('seat events listener closed'));
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await this.connecting?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  private whenListening(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('seat events listener closed'));
    if (this.listening) return Promise.resolve();
    this.ensureStarted();
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

  private ensureStarted(): void {
    if (this.client || this.connecting || this.retryTimer || this.closed) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
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
      if (msg.channel === SEAT_EVENTS_CHANNEL) this.dispatch(msg.payload);
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
    this.client = client;
    this.listening = true;
    this.attempt = 0;
    this.startProbe(client);
    const reconnected = this.everConnected;
    this.everConnected = true;
    if (reconnected) this.opts.logger.info('seat events: listening again');
    for (const w of this.waiters.splice(0)) w.resolve();
    if (reconnected) {
      for (const set of this.subscribers.values()) {
        for (const sub of set) this.safely(() => sub.onResync());
      }
    }
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
      this.ensureStarted();
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

  private dispatch(payload: string | undefined): void {
    const event = parseEvent(payload);
    if (!event) {
      this.opts.logger.warn({ payload }, 'seat events: ignoring a malformed notification');
      return;
    }
    const set = this.subscribers.get(event.showtimeId);
    if (!set) return;
    for (const sub of [...set]) this.safely(() => sub.onSeats(event));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error({ err }, 'seat events: a subscriber failed');
    }
  }
}
