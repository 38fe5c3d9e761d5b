import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueStreams } from './queue-stream.js';
import type { EntryRow } from './waiting-room.repository.js';
import type { QueueStatus } from './waiting-room.schemas.js';
import type { RoomSnapshot, WaitingRoomService } from './waiting-room.service.js';

class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  writableEnded = false;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
  statuses(): QueueStatus[] {
    return this.chunks
      .filter((c) => c.startsWith('event: status'))
      .map((c) => JSON.parse(c.split('\n')[1]!.slice(6)) as QueueStatus);
  }
  heartbeats(): number {
    return this.chunks.filter((c) => c === ': heartbeat\n\n').length;
  }
}

const SHOWTIME = '0190a8a4-0000-7000-8000-000000000001';
const logger = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

const entry = (userId: string): EntryRow => ({
  id: `entry-${userId}`,
  showtime_id: SHOWTIME,
  user_id: userId,
  position: '1',
  status: 'admitted',
  joined_at: new Date(),
  admitted_at: new Date(),
  admitted_until: new Date(Date.now() + 600_000),
  ended_at: null,
});

/** What every status says; serverTime and the admission token change at every call, as the real ones do. */
let now: Omit<QueueStatus, 'serverTime' | 'admission'> & { admissionExpiresAt: string | null };
let calls = 0;
const service = {
  snapshot: () => Promise.resolve({} as RoomSnapshot),
  findEntry: () => Promise.resolve(undefined),
  statusOf: () => {
    calls++;
    const { admissionExpiresAt, ...rest } = now;
    return Promise.resolve({
      ...rest,
      admission: admissionExpiresAt ? { token: `token-${calls}`, expiresAt: admissionExpiresAt } : null,
      serverTime: new Date(Date.now() + calls).toISOString(),
    });
  },
} as unknown as WaitingRoomService;

describe('QueueStreams', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    now = {
      showtimeId: SHOWTIME,
      status: 'admitted',
      onSaleAt: '2026-12-03T10:00:00.000Z',
      opened: true,
      position: null,
      ahead: null,
      estimatedWaitSeconds: null,
      estimateBasis: null,
      seatsLeft: 40,
      likelySoldOut: false,
      admitRatePerMinute: 60,
      admissionExpiresAt: '2026-12-03T10:10:00.000Z',
    };
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a status again only when it says something new: not for the clock or a token signed afresh', async () => {
    const streams = new QueueStreams(service, logger);
    const res = new FakeResponse();
    await streams.watch(SHOWTIME, entry('u1'), res as unknown as ServerResponse, {});
    expect(res.chunks[0]).toBe('retry: 3000\n\n');
    expect(res.statuses()).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(res.statuses()).toHaveLength(1);

    now.admitRatePerMinute = 30;
    await vi.advanceTimersByTimeAsync(1000);
    now.admissionExpiresAt = '2026-12-03T10:11:00.000Z';
    await vi.advanceTimersByTimeAsync(1000);
    now.status = 'done';
    now.admissionExpiresAt = null;
    await vi.advanceTimersByTimeAsync(2000);
    expect(
      res.statuses().map((s) => [s.status, s.admitRatePerMinute, s.admission?.expiresAt ?? null]),
    ).toEqual([
      ['admitted', 60, '2026-12-03T10:10:00.000Z'],
      ['admitted', 30, '2026-12-03T10:10:00.000Z'],
      ['admitted', 30, '2026-12-03T10:11:00.000Z'],
      ['done', 30, null],
    ]);
    streams.closeAll();
  });

  it('sends heartbeats to every stream of a room from one timer, and stops its timers with the last stream', async () => {
    const streams = new QueueStreams(service, logger);
    const a = new FakeResponse();
    const b = new FakeResponse();
    await streams.watch(SHOWTIME, entry('u1'), a as unknown as ServerResponse, {});
    await streams.watch(SHOWTIME, entry('u2'), b as unknown as ServerResponse, {});
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(15_000);
    expect([a.heartbeats(), b.heartbeats()]).toEqual([1, 1]);
    expect(streams.open).toBe(2);
    a.end();
    b.end();
    expect(streams.open).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('at the opening, reads the rows of every pre-queue watcher in one query, not one each; then none', async () => {
    const users = ['u1', 'u2', 'u3', 'u4'];
    const preQueue = (userId: string): EntryRow => ({ ...entry(userId), status: 'waiting', position: null });
    const placed = (userId: string): EntryRow => ({
      ...preQueue(userId),
      position: String(users.indexOf(userId) + 1),
    });
    const room = (opened: boolean) =>
      ({
        room: { opened_at: opened ? new Date() : null },
        counts: { positions: opened ? [1, 2, 3, 4] : [], nextPosition: opened ? 5 : 1 },
      }) as unknown as RoomSnapshot;
    let snap = room(false);
    const single = vi.fn((userId: string) =>
      Promise.resolve(snap.room.opened_at ? placed(userId) : preQueue(userId)),
    );
    const batch = vi.fn((userIds: string[]) => Promise.resolve(userIds.map(placed)));
    const fake = {
      snapshot: () => Promise.resolve(snap),
      findEntry: single,
      findEntries: batch,
      statusOf: (e: EntryRow) =>
        Promise.resolve({ ...now, status: e.status, position: e.position && Number(e.position) }),
    } as unknown as WaitingRoomService;
    const streams = new QueueStreams(fake, logger);
    const responses = users.map(() => new FakeResponse());
    // Two tabs of u4: one row serves both.
    const tabs = [...responses, new FakeResponse()];
    for (const [i, res] of tabs.entries()) {
      await streams.watch(SHOWTIME, preQueue(users[Math.min(i, 3)]!), res as unknown as ServerResponse, {});
    }
    expect(single).toHaveBeenCalledTimes(5); // each new stream reads its own row once
    await vi.advanceTimersByTimeAsync(2000);
    expect(batch).not.toHaveBeenCalled(); // nothing changed

    snap = room(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(batch.mock.calls[0]![0].sort()).toEqual(users);
    expect(single).toHaveBeenCalledTimes(5);
    expect(tabs.map((r) => r.statuses().at(-1)?.position)).toEqual([1, 2, 3, 4, 4]);

    await vi.advanceTimersByTimeAsync(3000);
    expect(batch).toHaveBeenCalledTimes(1); // every place is among the waiting positions now
    streams.closeAll();
  });
});
