import type { ServerResponse } from 'node:http';
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { EntryRow } from './waiting-room.repository.js';
import type { QueueStatus } from './waiting-room.schemas.js';
import { stillWaitingIn, type RoomSnapshot, type WaitingRoomService } from './waiting-room.service.js';

interface Watcher {
  entry: EntryRow;
  res: ServerResponse;
  /** The last status sent, field by field (sameAsSent); empty before the first. */
  sent: unknown[];
}

interface Room {
  watchers: Set<Watcher>;
  timer: NodeJS.Timeout;
  heartbeat: NodeJS.Timeout;
}

/** Pushes once a second at most; a status that did not change is not sent again. */
const PUSH_MS = 1000;
const HEARTBEAT_MS = 15_000;
/**
 * Watchers served before a push lets the event loop turn. A response's write waits for the next tick to reach its
 * socket, and no tick runs inside one long chain of awaits: served in one go, 5,000 watchers' events all waited in
 * memory until the last was done, long enough to be promoted to the old generation, every second.
 */
const BATCH = 250;
/** Rows read again in one query at most (the opening of a room with thousands of watchers: a few queries). */
const REREAD_CHUNK = 1000;

/**
 * Live queue status over server-sent events. Per process and showtime, one timer reads the room's counts once a
 * second (the service's shared snapshot) and computes every watcher's place from them; a watcher's own row is
 * read again only when its place left the waiting positions (admitted, left, expired) or the room opened, with
 * those of the other watchers in the same push in one query, so a stream costs about one query in its whole life,
 * not one per second. One more timer per room sends the
 * heartbeats. A stream keeps only its row, its response and the last status it was sent (docs/benchmarks.md,
 * memory of queue streams).
 */
export class QueueStreams {
  private readonly rooms = new Map<string, Room>();
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
    const watcher: Watcher = { entry, res, sent: [] };
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The header block on its own: written as the very string the response keeps, which flattens it. Sent with
    // the first chunk, the response kept the rope of ~35 pieces it was built from (1 KB a stream).
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    let room = this.rooms.get(showtimeId);
    if (!room) {
      room = {
        watchers: new Set(),
        timer: setInterval(() => void this.push(showtimeId), PUSH_MS),
        heartbeat: setInterval(() => void this.heartbeat(showtimeId), HEARTBEAT_MS),
      };
      room.timer.unref();
      room.heartbeat.unref();
      this.rooms.set(showtimeId, room);
    }
    room.watchers.add(watcher);
    res.on('close', () => this.drop(showtimeId, watcher));
    await this.send(watcher, await this.service.snapshot(showtimeId), true);
  }

  closeAll(): void {
    for (const room of this.rooms.values()) {
      clearInterval(room.timer);
      clearInterval(room.heartbeat);
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
      clearInterval(room.heartbeat);
      this.rooms.delete(showtimeId);
    }
  }

  private async push(showtimeId: string): Promise<void> {
    const room = this.rooms.get(showtimeId);
    if (!room || this.busy.has(showtimeId)) return;
    this.busy.add(showtimeId);
    try {
      const snap = await this.service.snapshot(showtimeId);
      if (snap) await this.reread(showtimeId, room, snap);
      let served = 0;
      // The live set: a watcher that leaves meanwhile is skipped, not kept to the end of the round.
      for (const w of room.watchers) {
        await this.send(w, snap, false);
        if (++served % BATCH === 0) await nextLoopTurn();
      }
    } catch (err) {
      this.logger.warn({ err }, 'queue stream: status update failed');
    } finally {
      this.busy.delete(showtimeId);
    }
  }

  /**
   * The rows of every watcher whose place left the waiting positions (admitted, left, expired) or that was in the
   * pre-queue when the room opened, read in one query: at the opening that is every watcher of the room, and one
   * read each, one after another, kept the last of 5,000 waiting for their number for over 20 seconds.
   */
  private async reread(showtimeId: string, room: Room, snap: RoomSnapshot): Promise<void> {
    const stale = new Map<string, Watcher[]>();
    for (const w of room.watchers) {
      if (w.entry.status !== 'waiting' || stillWaitingIn(snap, w.entry)) continue;
      const same = stale.get(w.entry.user_id);
      if (same) same.push(w);
      else stale.set(w.entry.user_id, [w]);
    }
    for (const ids of chunks([...stale.keys()], REREAD_CHUNK)) {
      for (const fresh of await this.service.findEntries(ids, showtimeId)) {
        for (const w of stale.get(fresh.user_id) ?? []) w.entry = fresh;
      }
    }
  }

  private async heartbeat(showtimeId: string): Promise<void> {
    const room = this.rooms.get(showtimeId);
    if (!room) return;
    let served = 0;
    for (const w of room.watchers) {
      if (!w.res.writableEnded) w.res.write(': heartbeat\n\n');
      if (++served % BATCH === 0) await nextLoopTurn();
    }
  }

  private async send(w: Watcher, snap: RoomSnapshot | null, reread: boolean): Promise<void> {
    if (!snap) {
      w.res.write('event: closed\ndata: {"reason":"waiting room removed"}\n\n');
      w.res.end();
      return;
    }
    // A new stream reads its own row; afterwards push reads the rows whose place changed, all in one query.
    if (reread && w.entry.status === 'waiting') {
      const fresh = await this.service.findEntry(w.entry.user_id, w.entry.showtime_id);
      if (fresh) w.entry = fresh;
    }
    const status = await this.service.statusOf(w.entry, snap, reread);
    if (sameAsSent(w, status) || w.res.writableEnded) return;
    w.res.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
  }
}

/**
 * Whether a status says what the watcher was last sent, apart from the server's clock and the admission token
 * (signed afresh each time, so it counts by its expiry); if not, it becomes the last sent. Compared field by
 * field into the watcher's own array: a JSON key per watcher and second lived exactly long enough to be promoted
 * to the old generation, where 5,000 streams piled up megabytes of garbage a second.
 */
function sameAsSent(w: Watcher, status: QueueStatus): boolean {
  const sent = w.sent;
  let same = sent.length > 0;
  let i = 0;
  for (const key in status) {
    if (key === 'serverTime') continue;
    const field = status[key as keyof QueueStatus];
    const value =
      key === 'admission'
        ? (status.admission?.expiresAt ?? null)
        : typeof field === 'object' && field !== null
          ? JSON.stringify(field)
          : field;
    if (sent[i] !== value && !(Number.isNaN(sent[i]) && Number.isNaN(value))) {
      sent[i] = value;
      same = false;
    }
    i++;
  }
  if (sent.length !== i) {
    sent.length = i;
    same = false;
  }
  return same;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
