import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../db/database.js';
import { encodeSeatNotice, SEAT_EVENTS_CHANNEL, SeatEventsListener } from './seat-events.listener.js';
import { SeatEventsRepository, type LiveSeatRead, type PublicSeatStatus } from './seat-events.repository.js';

export interface SeatStatusChange {
  id: string;
  status: PublicSeatStatus;
}

/** Every seat of a showtime at `version`. */
export interface SeatSnapshot {
  showtimeId: string;
  version: number;
  seats: SeatStatusChange[];
}

/**
 * The seats whose status changed between `prevVersion` and `version`. A lapsed hold changes a status without
 * a write, so `version` may equal `prevVersion`. A client whose version is not `prevVersion` missed something.
 */
export interface SeatChangeEvent {
  showtimeId: string;
  prevVersion: number;
  version: number;
  seats: SeatStatusChange[];
}

export interface SeatFeedSubscriber {
  onSnapshot(snapshot: SeatSnapshot): void;
  onSeats(event: SeatChangeEvent): void;
}

/** What this process knows of one showtime's seats, as of its last read. Never mutated; replaced per read. */
export interface LiveSeatState {
  showtimeId: string;
  version: number;
  /** showtimes.updated_at: the layout part of the seat map (time, prices) changes with it. */
  layoutStamp: string;
  /** Increments whenever anything above or any status changes: a key for what is derived from this state. */
  revision: number;
  seats: ReadonlyMap<string, PublicSeatStatus>;
  /** For the seat-map route: derived values (layout, serialized body) that live and die with the entry. */
  memo: Map<string, unknown>;
}

export interface SeatFeedOptions {
  db: Db;
  /**
   * Where the feed reads seats and publishes (default: `db`): a small pool of its own, so seat maps and streams
   * are not read after every hold and payment waiting for the main pool at an on-sale.
   */
  feedDb?: Db;
  databaseUrl: string;
  logger: Logger;
  /** Touched showtimes are published at most this often (one NOTIFY per showtime per flush). */
  flushMs: number;
  /** A watched or cached showtime is re-read at least this often, whatever was (not) published. */
  refreshMs: number;
  /** Showtimes kept in memory; the least recently used one without subscribers goes first. */
  maxShowtimes: number;
  /**
   * A showtime's streams are pushed at most this often: the changes of the reads in between go out as one
   * event (0: every read that changed something is pushed at once).
   */
  pushMs: number;
  /** Streams written per event-loop turn during a push, so requests are served between slices (default 1000). */
  pushSlice?: number;
  listenerBackoff?: { minMs: number; maxMs: number };
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // nobody may be waiting for this read
  return { promise, resolve, reject };
}

class Entry {
  state: LiveSeatState | undefined;
  /** No such showtime at the last read. */
  gone = false;
  /** A change was announced (or this process made one) since the last read started. */
  dirty = true;
  /** Local time the last read started, and the listener epoch it started in (-1: not listening). */
  readAt = 0;
  epoch = -1;
  /** Local time by which the earliest hold shown as held has ended (Infinity: none). */
  lapseAt = Number.POSITIVE_INFINITY;
  lapseTimer: NodeJS.Timeout | undefined;
  readonly subscribers = new Set<SeatFeedSubscriber>();
  /** The state every subscriber has been sent (or is being sent): the next event starts at its version. */
  pushed: LiveSeatState | undefined;
  /** Local time of the last push, and the timer of the next one (at most one per pushMs). */
  pushedAt = 0;
  pushTimer: NodeJS.Timeout | undefined;
  /** The last fan-out still being written slice by slice: the next one waits for it (order per subscriber). */
  fanning: Promise<void> | undefined;
  /** Seats holds of this process committed (local time) that no read applied since has seen yet. */
  readonly heldHere = new Map<string, number>();
  /** Local time seats may last have been freed (this process's change, or another's notice): see knownTaken. */
  freedAt = 0;
  /** The next read to start; resolved once it is applied. */
  next: Deferred = deferred();
  wanted = false;
  resync = false;
  loop: Promise<void> | undefined;

  constructor(readonly showtimeId: string) {}
}

/**
 * Live seat state, off the commit path. Code that committed a seat change calls `touch(showtimeId)`; every
 * `flushMs` the feed publishes one NOTIFY per touched showtime from the pool (outside any business
 * transaction), so the global notify lock is taken once per flush, not once per hold. Every API process
 * LISTENs and, for showtimes it caches or streams, re-reads their seats in one query and pushes the
 * differences to its subscribers. The state carries a version (sum of seat_inventory.version) so clients
 * detect gaps. A lost publish (crash between commit and touch) or a hold that lapses (no write at all) is
 * caught by the periodic re-read (`refreshMs`) and by a re-read scheduled at the earliest hold end.
 */
export class SeatFeed {
  /** Names this process in its notices, so it skips its own (it handles them at flush). */
  readonly origin = randomBytes(6).toString('hex');
  private readonly repo: SeatEventsRepository;
  private readonly listener: SeatEventsListener;
  private readonly entries = new Map<string, Entry>();
  /** The entry `entry()` last put at the end of `entries`: bumping it again would change nothing. */
  private mostRecent: Entry | undefined;
  /** Showtimes touched since the last flush, each with whether a change may have freed seats. */
  private readonly pending = new Map<string, boolean>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** "<showtimeId> <seatId>" of the holds of this process asking the database now (holdTurn). */
  private readonly holding = new Map<string, Promise<void>>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: SeatFeedOptions) {
    this.repo = new SeatEventsRepository(opts.feedDb ?? opts.db);
    this.listener = new SeatEventsListener({
      databaseUrl: opts.databaseUrl,
      logger: opts.logger,
      backoff: opts.listenerBackoff,
      onNotice: (showtimeId, origin, freed) => {
        if (origin === this.origin) return;
        if (freed) this.freedSeats(showtimeId);
        this.changed(showtimeId);
      },
      onListening: () => {
        // Notices sent while not listening are lost: re-read everything, and resend streams a snapshot.
        for (const e of this.entries.values()) {
          e.dirty = true;
          if (e.subscribers.size > 0) void this.refresh(e, true);
        }
      },
    });
  }

  /**
   * Call right after a transaction that changed seats of this showtime committed (never inside it). `took`: the
   * change only took seats (a hold: the seats it holds; a sale of held seats or a hold's extension: none), so
   * it cannot have freed one; without it the change may have (cancelled, expired, refunded, re-laid out), and
   * refusals from memory (knownTaken) wait for a read that shows it.
   */
  touch(showtimeId: string, took?: readonly string[]): void {
    if (this.closed) return;
    this.pending.set(showtimeId, (this.pending.get(showtimeId) ?? false) || took === undefined);
    // This process knows now: its next seat map of the showtime is read again (read-your-writes).
    const e = this.entries.get(showtimeId);
    if (e) {
      e.dirty = true;
      if (took === undefined) this.freedSeats(showtimeId);
      else {
        // Seats a hold of this process has just committed are taken, before any read shows it.
        const now = Date.now();
        for (const id of took) e.heldHere.set(id, now);
      }
    }
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), this.opts.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Seats of the showtime may have been freed now: no refusal from memory before a read started after this. */
  private freedSeats(showtimeId: string): void {
    const e = this.entries.get(showtimeId);
    if (e) e.freedAt = Date.now();
  }

  /** Publishes what was touched: to this process's subscribers directly, to the others by one NOTIFY each. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return this.flushing;
    const ids = [...this.pending.keys()];
    const payloads = ids.map((id) => encodeSeatNotice(id, this.origin, this.pending.get(id)!));
    this.pending.clear();
    for (const id of ids) this.changed(id);
    const publish = sql`
      SELECT pg_notify(${SEAT_EVENTS_CHANNEL}, p) FROM unnest(${payloads}::text[]) AS p`
      .execute(this.opts.feedDb ?? this.opts.db)
      .then(
        () => undefined,
        (err: unknown) => {
          // Other processes catch up within refreshMs (their periodic re-read) or when their LISTEN reconnects.
          this.opts.logger.warn({ err, showtimes: ids.length }, 'seat feed: cannot publish; others catch up');
        },
      );
    this.flushing = publish;
    return publish;
  }

  /**
   * The current seat state of a showtime (undefined: no such showtime), from memory when that is as fresh as
   * the feed: listening since before the last read, nothing announced since, read less than refreshMs ago and
   * no hold shown as held has ended since. Otherwise it is read again first (one read for all who wait).
   */
  async state(showtimeId: string): Promise<LiveSeatState | undefined> {
    const e = await this.freshEntry(showtimeId);
    return e.gone ? undefined : e.state;
  }

  /**
   * The state `state()` would answer without reading, or undefined when that needs a read (or the showtime is
   * unknown): the seat map's synchronous path, so a map served from memory costs no promise.
   */
  freshState(showtimeId: string): LiveSeatState | undefined {
    const e = this.entries.get(showtimeId);
    if (!e || this.closed || e.gone || !this.isFresh(e)) return undefined;
    this.entry(showtimeId);
    return e.state;
  }

  /**
   * The wanted seats this process knows are taken: shown held (by a hold that has not ended) or sold by its last
   * read of the showtime, or held by a hold this process committed since. Undefined when memory cannot tell: the
   * showtime is not in memory, a seat is not in its map, the read is `maxAgeMs` old or older or was made while
   * not listening, a hold it shows has ended since, or seats may have been freed since the read started (by
   * this process, or by another whose notice arrived). So a seat refused from memory was taken at most
   * `maxAgeMs` ago, and freed, if at all, by another process in the moment before its notice arrived (SeatFeed
   * flushes every flushMs). Memory only ever refuses; nothing is held on its word.
   */
  knownTaken(showtimeId: string, seatIds: readonly string[], maxAgeMs: number): string[] | undefined {
    const e = this.entries.get(showtimeId);
    const state = e?.state;
    if (!e || !state || this.closed || !this.listener.isListening || e.epoch !== this.listener.epoch) {
      return undefined;
    }
    const now = Date.now();
    if (now - e.readAt >= maxAgeMs || now >= e.lapseAt || e.freedAt >= e.readAt) return undefined;
    const taken: string[] = [];
    for (const id of seatIds) {
      const status = state.seats.get(id);
      if (status === undefined) return undefined;
      const heldHereAt = e.heldHere.get(id);
      if (status !== 'available' || (heldHereAt !== undefined && now - heldHereAt < maxAgeMs)) taken.push(id);
    }
    return taken;
  }

  /**
   * A hold of this process for these seats is about to ask the database: first waits until no other hold of
   * this process is asking for any of them, then registers this one. Returns `done`, to call once the hold has
   * finished (after its `touch`, so those who waited know what it took).
   */
  async holdTurn(showtimeId: string, seatIds: readonly string[]): Promise<() => void> {
    const keys = seatIds.map((id) => `${showtimeId} ${id}`);
    for (;;) {
      const busy = keys.map((k) => this.holding.get(k)).filter((p) => p !== undefined);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let finish!: () => void;
    const turn = new Promise<void>((resolve) => {
      finish = resolve;
    });
    for (const k of keys) this.holding.set(k, turn);
    return () => {
      for (const k of keys) if (this.holding.get(k) === turn) this.holding.delete(k);
      finish();
    };
  }

  /**
   * Subscribes to a showtime: `onSnapshot` is called before this resolves, then `onSeats` per change (and a
   * new snapshot after the feed reconnects to the database). Rejects when the database cannot be LISTENed to
   * within `timeoutMs`. Undefined: no such showtime. Returns the unsubscribe function.
   */
  async subscribe(
    showtimeId: string,
    subscriber: SeatFeedSubscriber,
    timeoutMs = 5_000,
  ): Promise<(() => void) | undefined> {
    await this.listener.whenListening(timeoutMs);
    for (;;) {
      const e = await this.freshEntry(showtimeId);
      if (e.gone || !e.state) return undefined;
      const current = this.entries.get(showtimeId);
      if (current && current !== e) continue; // evicted and recreated while we waited: use the live one
      if (!current) {
        this.entries.set(showtimeId, e);
        this.mostRecent = e;
      }
      // A newcomer starts where the others are (their next event follows on from it); alone, at the latest.
      if (e.subscribers.size === 0 || !e.pushed) e.pushed = e.state;
      e.subscribers.add(subscriber);
      subscriber.onSnapshot(snapshotOf(e.pushed));
      this.scheduleLapse(e);
      this.startRefreshTimer();
      return () => {
        e.subscribers.delete(subscriber);
        if (e.subscribers.size === 0) {
          clearTimeout(e.lapseTimer);
          clearTimeout(e.pushTimer);
          e.pushTimer = undefined;
        }
      };
    }
  }

  subscriberCount(showtimeId?: string): number {
    if (showtimeId) return this.entries.get(showtimeId)?.subscribers.size ?? 0;
    let n = 0;
    for (const e of this.entries.values()) n += e.subscribers.size;
    return n;
  }

  cachedShowtimes(): number {
    return this.entries.size;
  }

  get isListening(): boolean {
    return this.listener.isListening;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    this.closed = true;
    clearInterval(this.refreshTimer);
    for (const e of this.entries.values()) {
      clearTimeout(e.lapseTimer);
      clearTimeout(e.pushTimer);
      e.subscribers.clear();
    }
    await Promise.all(
      [...this.entries.values()].map((e) => e.loop?.catch(() => undefined) ?? Promise.resolve()),
    );
    this.entries.clear();
    this.mostRecent = undefined;
    await this.listener.close();
  }

  private async freshEntry(showtimeId: string): Promise<Entry> {
    if (this.closed) throw new Error('seat feed closed');
    this.listener.start();
    const e = this.entry(showtimeId);
    if (!this.isFresh(e)) await this.refresh(e);
    if (e.gone && e.subscribers.size === 0 && this.entries.get(showtimeId) === e) {
      this.entries.delete(showtimeId); // unknown showtimes are not remembered
    } else {
      this.evict(e);
    }
    return e;
  }

  private isFresh(e: Entry): boolean {
    const now = Date.now();
    return (
      (e.state !== undefined || e.gone) &&
      !e.dirty &&
      this.listener.isListening &&
      e.epoch === this.listener.epoch &&
      now - e.readAt < this.opts.refreshMs &&
      now < e.lapseAt
    );
  }

  /** Gets or creates the entry, most recently used last. */
  private entry(showtimeId: string): Entry {
    let e = this.entries.get(showtimeId);
    // The hot showtime of an on-sale is asked for thousands of times a second: no re-insert while it is last.
    if (e !== undefined && e === this.mostRecent) return e;
    if (e) this.entries.delete(showtimeId);
    else e = new Entry(showtimeId);
    this.entries.set(showtimeId, e);
    this.mostRecent = e;
    return e;
  }

  /** Over the bound: forgets the least recently used showtimes nobody subscribes to (never `keep`). */
  private evict(keep: Entry): void {
    if (this.entries.size <= this.opts.maxShowtimes) return;
    for (const [id, old] of this.entries) {
      if (this.entries.size <= this.opts.maxShowtimes) break;
      if (old === keep || old.subscribers.size > 0) continue;
      clearTimeout(old.lapseTimer);
      clearTimeout(old.pushTimer);
      this.entries.delete(id);
    }
  }

  /**
   * A change was announced: mark it. Cached maps are read again on next use; streams with their next push,
   * which reads first (so a burst of changes between two pushes costs one read, not one each).
   */
  private changed(showtimeId: string): void {
    const e = this.entries.get(showtimeId);
    if (!e) return;
    e.dirty = true;
    if (e.subscribers.size > 0) this.pushWhenDue(e, true);
  }

  /** Resolves once a read that started after this call has been applied (reads of one entry never overlap). */
  private refresh(e: Entry, resync = false): Promise<void> {
    e.wanted = true;
    if (resync) e.resync = true;
    const waitFor = e.next.promise;
    e.loop ??= this.readLoop(e).finally(() => {
      e.loop = undefined;
    });
    return waitFor;
  }

  private async readLoop(e: Entry): Promise<void> {
    while (e.wanted && !this.closed) {
      e.wanted = false;
      const resync = e.resync;
      e.resync = false;
      const done = e.next;
      e.next = deferred();
      const startedAt = Date.now();
      const epoch = this.listener.isListening ? this.listener.epoch : -1;
      e.dirty = false;
      try {
        const read = await this.repo.readLiveSeats(e.showtimeId);
        this.apply(e, read, startedAt, epoch, resync);
        done.resolve();
      } catch (err) {
        e.dirty = true;
        if (e.subscribers.size > 0) {
          this.opts.logger.warn(
            { err, showtimeId: e.showtimeId },
            'seat feed: cannot read seats; the next notice or refresh retries',
          );
        }
        done.reject(err);
      }
    }
  }

  private apply(
    e: Entry,
    read: LiveSeatRead | undefined,
    startedAt: number,
    epoch: number,
    resync: boolean,
  ): void {
    e.readAt = startedAt;
    e.epoch = epoch;
    // A read started after a hold of this process committed shows its seats (or what became of them since).
    for (const [id, at] of e.heldHere) if (at <= startedAt) e.heldHere.delete(id);
    if (!read) {
      e.gone = true;
      e.state = undefined;
      e.lapseAt = Number.POSITIVE_INFINITY;
      clearTimeout(e.lapseTimer);
      return;
    }
    e.gone = false;
    const prev = e.state;
    const seats = new Map<string, PublicSeatStatus>();
    const changed: SeatStatusChange[] = [];
    // Hold ends are compared with the database's now() of this read, mapped onto the local clock from the read's
    // start (before the database's now()), so the local deadline is never later than the real one.
    let lapseAt = Number.POSITIVE_INFINITY;
    for (const s of read.seats) {
      seats.set(s.id, s.status);
      if (prev?.seats.get(s.id) !== s.status) changed.push({ id: s.id, status: s.status });
      if (s.holdEndsAt) {
        lapseAt = Math.min(lapseAt, startedAt + (s.holdEndsAt.getTime() - read.dbNow.getTime()));
      }
    }
    e.lapseAt = lapseAt;
    const same =
      prev !== undefined &&
      changed.length === 0 &&
      prev.seats.size === seats.size &&
      prev.version === read.version &&
      prev.layoutStamp === read.layoutStamp;
    if (!same) {
      e.state = {
        showtimeId: e.showtimeId,
        version: read.version,
        layoutStamp: read.layoutStamp,
        revision: (prev?.revision ?? 0) + 1,
        seats,
        memo: prev?.memo ?? new Map<string, unknown>(),
      };
    }
    if (e.subscribers.size > 0) {
      if (resync || !prev) {
        // Everyone starts again from this state: a pending event would only be a gap.
        const state = e.state!;
        const snapshot = snapshotOf(state);
        clearTimeout(e.pushTimer);
        e.pushTimer = undefined;
        e.pushed = state;
        e.pushedAt = Date.now();
        this.fanOut(e, (sub) => sub.onSnapshot(snapshot));
      } else if (!same) {
        this.pushWhenDue(e, false);
      }
      this.scheduleLapse(e);
    }
  }

  /**
   * Pushes now when the last push is pushMs old, else once it is: the changes in between make one event. With
   * `read`, or when a change was announced since, the seats are read first (one read for the whole interval).
   */
  private pushWhenDue(e: Entry, read: boolean): void {
    if (e.pushTimer || e.fanning || this.closed) return; // the pending push takes the latest
    const go = (): void => {
      if (e.subscribers.size === 0 || this.closed) return;
      // After that read, push whatever it found, even if more was announced meanwhile (never starved).
      if (e.dirty)
        void this.refresh(e).then(
          () => this.push(e),
          () => undefined,
        );
      else this.push(e);
    };
    const wait = e.pushedAt + this.opts.pushMs - Date.now();
    if (wait <= 0) {
      if (read) go();
      else this.push(e);
      return;
    }
    e.pushTimer = setTimeout(() => {
      e.pushTimer = undefined;
      go();
    }, wait);
    e.pushTimer.unref();
  }

  /** Sends the subscribers what changed between what they have and the current state, as one event. */
  private push(e: Entry): void {
    const from = e.pushed;
    const to = e.state;
    if (!from || !to || from === to || e.subscribers.size === 0 || this.closed) return;
    const changed: SeatStatusChange[] = [];
    for (const [id, status] of to.seats) {
      if (from.seats.get(id) !== status) changed.push({ id, status });
    }
    e.pushed = to;
    e.pushedAt = Date.now();
    if (changed.length === 0 && from.version === to.version) return;
    const event: SeatChangeEvent = {
      showtimeId: e.showtimeId,
      prevVersion: from.version,
      version: to.version,
      seats: changed,
    };
    this.fanOut(e, (sub) => sub.onSeats(event));
  }

  /**
   * Delivers one message to the subscribers of now, pushSlice of them per event-loop turn: 2,000 streams of an
   * on-sale are 2,000 socket writes, and a seat map or a hold asked for meanwhile should not wait for all of
   * them. Fan-outs of one showtime are chained, so every subscriber gets its messages in order.
   */
  private fanOut(e: Entry, deliver: (sub: SeatFeedSubscriber) => void): void {
    const subs = [...e.subscribers];
    const slice = this.opts.pushSlice ?? 1000;
    const deliverSlice = (from: number): void => {
      for (let i = from; i < Math.min(from + slice, subs.length); i++) {
        const sub = subs[i]!;
        if (e.subscribers.has(sub)) this.safely(() => deliver(sub));
      }
    };
    if (!e.fanning && subs.length <= slice) {
      deliverSlice(0);
      return;
    }
    const run = async (): Promise<void> => {
      for (let i = 0; i < subs.length; i += slice) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        deliverSlice(i);
      }
    };
    const done: Promise<void> = (e.fanning ?? Promise.resolve()).then(run).finally(() => {
      if (e.fanning !== done) return;
      e.fanning = undefined;
      // Changes read or announced while this was written go out now (or when pushMs allows).
      if ((e.pushed !== e.state || e.dirty) && e.subscribers.size > 0) this.pushWhenDue(e, true);
    });
    e.fanning = done;
  }

  /** A stream must see a hold lapse when it does, though nothing is written then: re-read at the earliest end. */
  private scheduleLapse(e: Entry): void {
    clearTimeout(e.lapseTimer);
    e.lapseTimer = undefined;
    if (e.lapseAt === Number.POSITIVE_INFINITY || e.subscribers.size === 0) return;
    // +5 ms: a re-read a hair early would still see the hold and only schedule itself again.
    const delay = Math.min(Math.max(0, e.lapseAt - Date.now()) + 5, 2 ** 31 - 1);
    e.lapseTimer = setTimeout(() => {
      e.dirty = true;
      void this.refresh(e).catch(() => undefined);
    }, delay);
    e.lapseTimer.unref();
  }

  /** Streams are re-read every refreshMs even when nothing is announced: a publish lost in a crash heals. */
  private startRefreshTimer(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setInterval(() => {
      for (const e of this.entries.values()) {
        if (e.subscribers.size > 0 && Date.now() - e.readAt >= this.opts.refreshMs / 2) {
          void this.refresh(e).catch(() => undefined);
        }
      }
    }, this.opts.refreshMs / 2);
    this.refreshTimer.unref();
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error({ err }, 'seat feed: a subscriber failed');
    }
  }
}

function snapshotOf(state: LiveSeatState): SeatSnapshot {
  return {
    showtimeId: state.showtimeId,
    version: state.version,
    seats: [...state.seats].map(([id, status]) => ({ id, status })),
  };
}
