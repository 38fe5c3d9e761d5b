import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { SeatChangeEvent, SeatFeedSubscriber, SeatSnapshot } from './seat-feed.js';

export interface SeatStreamOptions {
  res: ServerResponse;
  heartbeatMs: number;
  logger: FastifyBaseLogger;
}

/** A client that cannot keep up (megabytes unread) is dropped; EventSource reconnects and gets a snapshot. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The feed hands every subscriber of a showtime the same event object: it is serialized once for all of them
 * (2,000 open streams at an on-sale would otherwise mean 2,000 JSON.stringify calls per change).
 */
const serialized = new WeakMap<object, string>();

/**
 * One server-sent-events connection, fed by the process's SeatFeed: a `snapshot` first (and again after the
 * feed reconnected to the database), then `seats` events in order. Events that arrive before `start()` (the
 * feed sends the snapshot while subscribing) are queued and written right after the headers.
 */
export class SeatStream implements SeatFeedSubscriber {
  private queued: string[] | null = [];
  private ended = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly endCallbacks: Array<() => void> = [];

  constructor(private readonly opts: SeatStreamOptions) {}

  start(headers: Record<string, string>): void {
    if (this.ended) return;
    this.opts.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    const queued = this.queued ?? [];
    this.queued = null;
    this.write('retry: 2000\n\n');
    for (const chunk of queued) this.write(chunk);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.opts.heartbeatMs);
  }

  onSnapshot(snapshot: SeatSnapshot): void {
    this.send('snapshot', snapshot);
  }

  onSeats(event: SeatChangeEvent): void {
    this.send('seats', event);
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

  private send(event: 'snapshot' | 'seats', data: SeatSnapshot | SeatChangeEvent): void {
    let chunk = serialized.get(data);
    if (chunk === undefined) {
      chunk = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      serialized.set(data, chunk);
    }
    if (this.queued) this.queued.push(chunk);
    else this.write(chunk);
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
