import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { EntryRow } from './waiting-room.repository.js';
import { stillWaitingIn, type WaitingRoomService } from './waiting-room.service.js';

interface Watcher {
  userId: string;
  entry: EntryRow;
  res: ServerResponse;
  last: string;
}

/** Pushes once a second at most; a status that did not change is not sent again. */
const PUSH_MS = 1000;
const HEARTBEAT_MS = 15_000;

/**
 * Live queue status over server-sent events. Per process and showtime, one timer reads the room's counts once a
 * second (the service's shared snapshot) and computes every watcher's place from them; a watcher's own row is
 * read again only when its place left the waiting positions (admitted, left, expired) or the room opened, so a
 * stream costs about one query in its whole life, not one per second.
 */
export class QueueStreams {
  private readonly rooms = new Map<string, { watchers: Set<Watcher>; timer: NodeJS.Timeout }>();
  private busy = new Set<string>();

  constructor(
    private readonly service: WaitingRoomService,
    private readonly logger: FastifyBaseLogger,
  ) {}

  get open(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.watchers.size;
    return n;
  }

  async watch(showtimeId: string, entry: EntryRow, res: ServerResponse, headers: Record<string, string>) {
    const watcher: Watcher = { userId: entry.user_id, entry, res, last: '' };
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    let room = this.rooms.get(showtimeId);
    if (!room) {
      const timer = setInterval(() => void this.push(showtimeId), PUSH_MS);
      timer.unref();
      room = { watchers: new Set(), timer };
      this.rooms.set(showtimeId, room);
    }
    room.watchers.add(watcher);
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      this.drop(showtimeId, watcher);
    });
    await this.send(showtimeId, watcher, true);
  }

  closeAll(): void {
    for (const room of this.rooms.values()) {
      clearInterval(room.timer);
      for (const w of room.watchers) w.res.end();
    }
    this.rooms.clear();
  }

  private drop(showtimeId: string, watcher: Watcher): void {
    const room = this.rooms.get(showtimeId);
    if (!room) return;
    room.watchers.delete(watcher);
    if (room.watchers.size === 0) {
      clearInterval(room.timer);
      this.rooms.delete(showtimeId);
    }
  }

  private async push(showtimeId: string): Promise<void> {
    const room = this.rooms.get(showtimeId);
    if (!room || this.busy.has(showtimeId)) return;
    this.busy.add(showtimeId);
    try {
      for (const w of [...room.watchers]) await this.send(showtimeId, w, false);
    } catch (err) {
      this.logger.warn({ err }, 'queue stream: status update failed');
    } finally {
      this.busy.delete(showtimeId);
    }
  }

  private async send(showtimeId: string, w: Watcher, reread: boolean): Promise<void> {
    const snap = await this.service.snapshot(showtimeId);
    if (!snap) {
      w.res.write('event: closed\ndata: {"reason":"waiting room removed"}\n\n');
      w.res.end();
      return;
    }
    // Our own row is read again only when the place left the waiting positions (or the room opened).
    if (w.entry.status === 'waiting' && (reread || !stillWaitingIn(snap, w.entry))) {
      const fresh = await this.service.findEntry(w.userId, showtimeId);
      if (fresh) w.entry = fresh;
    }
    const status = await this.service.statusOf(w.entry, snap);
    // The token is signed afresh each time; compare without it.
    const key = JSON.stringify({ ...status, admission: status.admission?.expiresAt ?? null, serverTime: 0 });
    if (key === w.last || w.res.writableEnded) return;
    w.last = key;
    w.res.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
  }
}
