import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SeatStatusChange } from './seat-events.listener.js';
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

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const logger = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const SHOWTIME = '0190a8a4-0000-7000-8000-000000000001';

describe('SeatStream', () => {
  it('buffers changes that arrive while the snapshot is read and replays them after it, in order', async () => {
    const res = new FakeResponse();
    const snapshot = deferred<SeatStatusChange[]>();
    const stream = new SeatStream({
      showtimeId: SHOWTIME,
      res: res as unknown as ServerResponse,
      readSnapshot: () => snapshot.promise,
      heartbeatMs: 60_000,
      logger,
    });
    stream.onSeats({ showtimeId: SHOWTIME, seats: [{ id: 'a', status: 'held' }] });
    stream.start({});
    stream.onSeats({ showtimeId: SHOWTIME, seats: [{ id: 'a', status: 'sold' }] });
    expect(res.events()).toEqual([]);
    snapshot.resolve([{ id: 'a', status: 'held' }]);
    await new Promise((r) => setImmediate(r));
    expect(res.status).toBe(200);
    expect(res.events()).toEqual(['snapshot', 'seats', 'seats']);
    expect(res.chunks.at(-1)).toContain('"status":"sold"');

    stream.onSeats({ showtimeId: SHOWTIME, seats: [{ id: 'b', status: 'held' }] });
    expect(res.events()).toEqual(['snapshot', 'seats', 'seats', 'seats']);
    stream.end();
  });

  it('sends a fresh snapshot on resync and runs its end callbacks once', async () => {
    const res = new FakeResponse();
    let reads = 0;
    const stream = new SeatStream({
      showtimeId: SHOWTIME,
      res: res as unknown as ServerResponse,
      readSnapshot: () => Promise.resolve(reads++ === 0 ? [] : [{ id: 'a', status: 'available' as const }]),
      heartbeatMs: 60_000,
      logger,
    });
    let ended = 0;
    stream.onEnd(() => ended++);
    stream.start({});
    await new Promise((r) => setImmediate(r));
    stream.onResync();
    await new Promise((r) => setImmediate(r));
    expect(res.events()).toEqual(['snapshot', 'snapshot']);
    stream.end();
    stream.end();
    expect(ended).toBe(1);
    expect(res.writableEnded).toBe(true);
    stream.onSeats({ showtimeId: SHOWTIME, seats: [{ id: 'a', status: 'held' }] });
    expect(res.events()).toEqual(['snapshot', 'snapshot']);
  });
});
