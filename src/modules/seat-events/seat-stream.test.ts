import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SeatStream } from './seat-stream.js';

class FakeResponse {
  chunks: string[] = [];
  writableEnded = false;
  destroyed = false;
  writableLength = 0;
  status = 0;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  events(): string[] {
    return this.chunks.filter((c) => c.startsWith('event:')).map((c) => c.split('\n')[0]!.slice(7));
  }
}

const logger = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const SHOWTIME = '0190a8a4-0000-7000-8000-000000000001';

describe('SeatStream', () => {
  it('queues what the feed sends before the headers and writes it, in order, right after them', () => {
    const res = new FakeResponse();
    const stream = new SeatStream({ res: res as unknown as ServerResponse, heartbeatMs: 60_000, logger });
    stream.onSnapshot({ showtimeId: SHOWTIME, version: 1, seats: [{ id: 'a', status: 'held' }] });
    stream.onSeats({
      showtimeId: SHOWTIME,
      prevVersion: 1,
      version: 2,
      seats: [{ id: 'a', status: 'sold' }],
    });
    expect(res.status).toBe(0);
    expect(res.chunks).toEqual([]);
    stream.start({});
    expect(res.status).toBe(200);
    expect(res.chunks[0]).toBe('retry: 2000\n\n');
    expect(res.events()).toEqual(['snapshot', 'seats']);
    expect(res.chunks.at(-1)).toContain('"prevVersion":1,"version":2');

    stream.onSeats({
      showtimeId: SHOWTIME,
      prevVersion: 2,
      version: 3,
      seats: [{ id: 'b', status: 'held' }],
    });
    expect(res.events()).toEqual(['snapshot', 'seats', 'seats']);
    stream.end();
  });

  it('runs its end callbacks once and writes nothing after the end', () => {
    const res = new FakeResponse();
    const stream = new SeatStream({ res: res as unknown as ServerResponse, heartbeatMs: 60_000, logger });
    let ended = 0;
    stream.onEnd(() => ended++);
    stream.start({});
    stream.onSnapshot({ showtimeId: SHOWTIME, version: 0, seats: [] });
    stream.end();
    stream.end();
    expect(ended).toBe(1);
    expect(res.writableEnded).toBe(true);
    stream.onSeats({
      showtimeId: SHOWTIME,
      prevVersion: 0,
      version: 1,
      seats: [{ id: 'a', status: 'held' }],
    });
    expect(res.events()).toEqual(['snapshot']);
  });
});
