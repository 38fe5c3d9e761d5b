import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { SeatEvent, SeatEventSubscriber, SeatStatusChange } from './seat-events.listener.js';

export interface SeatStreamOptions {
  showtimeId: string;
  res: ServerResponse;
  readSnapshot: () => Promise<SeatStatusChange[]>;
  heartbeatMs: number;
  logger: FastifyBaseLogger;
}

/** A client that cannot keep up (megabytes unread) is dropped; EventSource reconnects and gets a snapshot. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * One server-sent-events connection. Changes that arrive while a snapshot is being read are buffered and
 * replayed after it, in commit order, so the client converges on the database's state whatever the timing.
 */
export class SeatStream implements SeatEventSubscriber {
  private buffer: SeatEvent[] | null = [];
  private started = false;
  private ended = false;
  private snapshotting = false;
  private snapshotAgain = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly endCallbacks: Array<() => void> = [];

  constructor(private readonly opts: SeatStreamOptions) {}

  start(headers: Record<string, string>): void {
    if (this.ended) return;
    this.started = true;
    this.opts.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    this.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.opts.heartbeatMs);
    void this.sendSnapshot();
  }

  onSeats(event: SeatEvent): void {
    if (this.ended) return;
    if (this.buffer) this.buffer.push(event);
    else this.send('seats', event);
  }

  onResync(): void {
    if (this.ended || !this.started) return;
    this.buffer ??= [];
    void this.sendSnapshot();
  }

  onEnd(callback: () => void): void {
    this.endCallbacks.push(callback);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (!this.opts.res.writableEnded) this.opts.res.end();
    for (const cb of this.endCallbacks.splice(0)) cb();
  }

  private async sendSnapshot(): Promise<void> {
    if (this.snapshotting) {
      this.snapshotAgain = true;
      return;
    }
    this.snapshotting = true;
    try {
      do {
        this.snapshotAgain = false;
        const seats = await this.opts.readSnapshot();
        if (this.ended) return;
        this.send('snapshot', { showtimeId: this.opts.showtimeId, seats });
      } while (this.snapshotAgain);
      const pending = this.buffer ?? [];
      this.buffer = null;
      for (const event of pending) this.send('seats', event);
    } catch (err) {
      this.opts.logger.warn({ err }, 'seat stream: cannot read the seat map; closing');
      this.end();
    } finally {
      this.snapshotting = false;
    }
  }

  private send(event: 'snapshot' | 'seats', data: SeatEvent): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.ended) return;
    const res = this.opts.res;
    if (res.writableEnded || res.destroyed) {
      this.end();
      return;
    }
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.opts.logger.warn('seat stream: client is not reading; closing');
      this.end();
      return;
    }
    res.write(chunk);
  }
}
