import type { AppContext } from '../../context.js';
import { ValidationError } from '../../http/errors.js';
import { recordAudit, type AuditActor } from '../audit/audit.repository.js';
import { ShowtimeClosedError, ShowtimeNotFoundError } from '../bookings/bookings.errors.js';
import { NotInQueueError, WaitingRoomNotFoundError, WaitingRoomOpenError } from './waiting-room.errors.js';
import { estimateWait, likelySoldOut, TURNOVER_MEASURE_SECONDS, type WaitEstimate } from './wait-estimate.js';
import {
  RATE_WINDOW_SECONDS,
  WaitingRoomRepository,
  type EntryRow,
  type RoomCounts,
  type RoomRow,
} from './waiting-room.repository.js';
import type {
  AdminWaitingRoom,
  PublicWaitingRoom,
  QueueStatus,
  WaitingRoomSettingsBody,
} from './waiting-room.schemas.js';

/** A rate's credit may build up for at most this many seconds: an idle minute does not become a stampede. */
const BURST_SECONDS = 5;
/** Status answers and streams of one process share a room's counts for this long (one read per room). */
const SNAPSHOT_TTL_MS = 1000;
/** Earlier rooms' typical admission (the estimate's prior) is read again after this long. */
const PRIOR_TTL_MS = 5 * 60_000;
/** A measured rate is trusted once the queue has been open this long; before, the configured rate is used. */
const MAX_ADMIT_PER_TICK = 10_000;

export interface RoomSnapshot {
  room: RoomRow;
  counts: RoomCounts;
  /** Earlier rooms' typical admission length, seconds (null: not enough of them). */
  priorAdmissionSeconds: number | null;
  /** Local time the read started (ms). */
  readAt: number;
}

interface CachedSnapshot {
  /** Local time the read started (ms). */
  at: number;
  value: Promise<RoomSnapshot | null>;
  /** What the read gave, once it has. */
  read?: RoomSnapshot | null;
}

export interface TickResult {
  /** False: another process holds the tick (or no room is on sale). */
  ran: boolean;
  opened: string[];
  /** Per showtime: admitted now, and admitted places freed (finished or idle). */
  rooms: Record<string, { admitted: number; released: number }>;
}

function binaryCountBelow(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether a waiting entry's position is still among the snapshot's waiting positions, or was taken after the
 * snapshot was read (nothing the snapshot knows can have moved it).
 */
export function stillWaitingIn(snapshot: RoomSnapshot, entry: EntryRow): boolean {
  if (entry.position === null) return snapshot.room.opened_at === null;
  const p = Number(entry.position);
  if (p >= snapshot.counts.nextPosition) return true;
  const i = binaryCountBelow(snapshot.counts.positions, p);
  return snapshot.counts.positions[i] === p;
}

/**
 * The virtual waiting room of high-demand showtimes (docs/api.md, waiting room; docs/architecture.md): the queue
 * lives in PostgreSQL, so every API process agrees and a restart loses nothing; one process at a time runs the
 * admission tick (an advisory lock); the hold statement checks the admission itself.
 */
export class WaitingRoomService {
  private readonly repo = new WaitingRoomRepository();
  private readonly snapshots = new Map<string, CachedSnapshot>();
  private readonly priors = new Map<string, { at: number; value: Promise<number | null> }>();
  private ticking = false;

  constructor(private readonly ctx: AppContext) {}

  // ---- operators ----

  async configure(
    actor: AuditActor,
    showtimeId: string,
    input: WaitingRoomSettingsBody,
  ): Promise<AdminWaitingRoom> {
    const onSaleAt = new Date(input.onSaleAt);
    if (Number.isNaN(onSaleAt.getTime())) {
      throw new ValidationError('Invalid request: body.onSaleAt is not a time', {
        fields: [{ field: 'body.onSaleAt', message: 'is not a time' }],
      });
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      const showtime = await this.repo.showtimeTheater(trx, showtimeId);
      if (!showtime) throw new ShowtimeNotFoundError();
      const before = await this.repo.findRoom(trx, showtimeId, true);
      const admitPerMinute =
        input.admitPerMinute !== undefined ? input.admitPerMinute : (before?.admit_per_minute ?? null);
      const maxActive = input.maxActive !== undefined ? input.maxActive : (before?.max_active ?? null);
      if (admitPerMinute === null && maxActive === null) {
        throw new ValidationError(
          'Invalid request: set an admission rate, a cap on active customers, or both',
          {
            fields: [
              { field: 'body.admitPerMinute', message: 'set a rate per minute, a cap (maxActive), or both' },
            ],
          },
        );
      }
      if (onSaleAt >= showtime.starts_at) {
        throw new ValidationError('Invalid request: body.onSaleAt must be before the showtime starts', {
          fields: [{ field: 'body.onSaleAt', message: 'must be before the showtime starts' }],
        });
      }
      if (before?.opened_at && onSaleAt.getTime() !== before.on_sale_at.getTime()) {
        throw new WaitingRoomOpenError();
      }
      await this.repo.upsertRoom(trx, {
        showtimeId,
        onSaleAt,
        admitPerMinute,
        maxActive,
        admissionTtlSeconds: input.admissionTtlSeconds ?? before?.admission_ttl_seconds ?? 600,
      });
      const after = await this.repo.findRoom(trx, showtimeId);
      await recordAudit(trx, actor, {
        action: 'showtime.waiting_room_set',
        subjectType: 'showtime',
        subjectId: showtimeId,
        theaterId: showtime.theater_id,
        before: before ? settingsOf(before) : null,
        after: after ? settingsOf(after) : null,
      });
    });
    this.snapshots.delete(showtimeId);
    return this.adminView(showtimeId);
  }

  /** Back to normal sale: the queue and its places are dropped; holds need no admission any more. */
  async remove(actor: AuditActor, showtimeId: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const showtime = await this.repo.showtimeTheater(trx, showtimeId);
      if (!showtime) throw new ShowtimeNotFoundError();
      const before = await this.repo.findRoom(trx, showtimeId, true);
      if (!before) throw new WaitingRoomNotFoundError();
      await this.repo.deleteRoom(trx, showtimeId);
      await recordAudit(trx, actor, {
        action: 'showtime.waiting_room_remove',
        subjectType: 'showtime',
        subjectId: showtimeId,
        theaterId: showtime.theater_id,
        before: settingsOf(before),
      });
    });
    this.snapshots.delete(showtimeId);
  }

  async adminView(showtimeId: string): Promise<AdminWaitingRoom> {
    const snap = await this.snapshot(showtimeId, true);
    if (!snap) throw new WaitingRoomNotFoundError();
    const { room, counts } = snap;
    return {
      ...settingsOf(room),
      openedAt: room.opened_at?.toISOString() ?? null,
      stats: {
        waiting: counts.positions.length,
        preQueue: counts.preQueue,
        active: counts.active,
        idle: counts.idle,
        admittedPerMinute: measuredRate(room, counts),
        seatsFree: counts.seatsFree,
        seatsHeld: counts.seatsHeld,
      },
    };
  }

  async publicView(showtimeId: string): Promise<PublicWaitingRoom> {
    const snap = await this.snapshot(showtimeId);
    if (!snap) return { waitingRoom: null };
    return {
      waitingRoom: {
        onSaleAt: snap.room.on_sale_at.toISOString(),
        opened: snap.room.opened_at !== null,
        waiting: snap.counts.positions.length + snap.counts.preQueue,
      },
    };
  }

  // ---- customers ----

  /**
   * Takes a place, or answers the one this account already has (any tab, any process). The answer comes from the
   * shared snapshot plus those who took a number between the snapshot and this place (statusOf, exact): a join
   * does not drop the snapshot, which carries every waiting position, so a burst of n joins costs n small counts
   * instead of n reads of the whole queue (docs/benchmarks.md, the join burst).
   */
  async join(userId: string, showtimeId: string): Promise<QueueStatus> {
    const room = await this.snapshot(showtimeId);
    if (!room) {
      // Not high-demand (or not a showtime at all): say which.
      if (!(await this.repo.showtimeExists(this.ctx.db, showtimeId))) throw new ShowtimeNotFoundError();
      throw new WaitingRoomNotFoundError();
    }
    if (room.room.starts_at <= new Date(Date.now() + skewOf(room))) throw new ShowtimeClosedError();
    const joined = await this.repo.join(this.ctx.db, showtimeId, userId);
    if (!joined.roomFound) throw new WaitingRoomNotFoundError();
    const entry = joined.entry ?? (await this.repo.findEntry(this.ctx.db, showtimeId, userId));
    if (!entry) throw new NotInQueueError();
    const snap = entry.position !== null ? await this.openedSnapshot(showtimeId, room) : room;
    return this.statusOf(entry, snap, true);
  }

  async status(userId: string, showtimeId: string): Promise<QueueStatus> {
    const entry = await this.repo.findEntry(this.ctx.db, showtimeId, userId);
    if (!entry) throw new NotInQueueError();
    const snap = await this.snapshot(showtimeId);
    return this.statusOf(
      entry,
      entry.position !== null && snap ? await this.openedSnapshot(showtimeId, snap) : snap,
      true,
    );
  }

  async leave(userId: string, showtimeId: string): Promise<void> {
    const entry = await this.repo.findEntry(this.ctx.db, showtimeId, userId);
    if (!entry) throw new NotInQueueError();
    await this.repo.leave(this.ctx.db, showtimeId, userId);
    this.snapshots.delete(showtimeId);
  }

  async findEntry(userId: string, showtimeId: string): Promise<EntryRow | undefined> {
    return this.repo.findEntry(this.ctx.db, showtimeId, userId);
  }

  /** Several accounts' places in one room, in one query. */
  async findEntries(userIds: string[], showtimeId: string): Promise<EntryRow[]> {
    return this.repo.findEntries(this.ctx.db, showtimeId, userIds);
  }

  /**
   * What the customer sees: place, people ahead, an estimate from the measured rate, and the admission. People
   * ahead are the snapshot's waiting positions below the place; for a place numbered after the snapshot was read,
   * also those numbered between: `exact` counts them in the database (waiting, a second's joins at most),
   * otherwise every number taken counts (an upper bound: someone who left meanwhile still does), so a place seen
   * before the next snapshot never looks better than it is and only moves forward.
   */
  async statusOf(entry: EntryRow, snap: RoomSnapshot | null, exact = false): Promise<QueueStatus> {
    if (!snap) throw new WaitingRoomNotFoundError();
    const { room, counts } = snap;
    let position: number | null = null;
    let ahead: number | null = null;
    let estimate: WaitEstimate | null = null;
    if (entry.status === 'waiting' && entry.position !== null) {
      const p = Number(entry.position);
      ahead = binaryCountBelow(counts.positions, p);
      if (p > counts.nextPosition) {
        ahead += exact
          ? await this.repo.waitingBetween(this.ctx.db, entry.showtime_id, counts.nextPosition, p)
          : p - counts.nextPosition;
      }
      position = ahead + 1;
      estimate = estimateOf(snap, position);
    }
    const soldOut =
      entry.status === 'waiting' &&
      likelySoldOut({
        free: counts.seatsFree,
        held: counts.seatsHeld,
        // In the pre-queue the draw is to come: half the others are ahead on average (more likely than not).
        ahead: ahead ?? Math.floor(Math.max(0, counts.preQueue - 1) / 2),
        idle: counts.idle,
        purchases: counts.purchases,
        tickets: counts.seatsSold,
      });
    let admission: QueueStatus['admission'] = null;
    // An admission whose window has passed is over, even before the tick records it (no token that expired).
    const lapsed =
      entry.status === 'admitted' &&
      (!entry.admitted_until || entry.admitted_until.getTime() <= Date.now() + skewOf(snap));
    if (entry.status === 'admitted' && entry.admitted_until && !lapsed) {
      admission = {
        token: await this.ctx.tokens.issueAdmissionToken(
          { userId: entry.user_id, showtimeId: entry.showtime_id, entryId: entry.id },
          entry.admitted_until,
        ),
        expiresAt: entry.admitted_until.toISOString(),
      };
    }
    return {
      showtimeId: entry.showtime_id,
      status: lapsed ? 'expired' : entry.status,
      onSaleAt: room.on_sale_at.toISOString(),
      opened: room.opened_at !== null,
      position,
      ahead,
      estimatedWaitSeconds: estimate?.seconds ?? null,
      estimateBasis: estimate?.basis ?? null,
      seatsLeft: counts.seatsFree,
      likelySoldOut: soldOut,
      admitRatePerMinute: measuredRate(room, counts),
      admission,
      serverTime: new Date(Date.now() + skewOf(snap)).toISOString(),
    };
  }

  /**
   * The room and its counts, shared by every answer and stream of this process for SNAPSHOT_TTL_MS: a thousand
   * visitors refreshing cost one read per second, not a thousand. Null: the showtime has no waiting room.
   */
  snapshot(showtimeId: string, fresh = false): Promise<RoomSnapshot | null> {
    const now = Date.now();
    const cached = this.snapshots.get(showtimeId);
    if (!fresh && cached && now - cached.at < SNAPSHOT_TTL_MS) return cached.value;
    const value = (async () => {
      const room = await this.repo.findRoom(this.ctx.db, showtimeId);
      if (!room) return null;
      const [counts, priorAdmissionSeconds] = await Promise.all([
        this.repo.counts(this.ctx.db, showtimeId),
        this.prior(showtimeId, now),
      ]);
      this.report(room, counts);
      return { room, counts, priorAdmissionSeconds, readAt: now };
    })();
    const entry: CachedSnapshot = { at: now, value };
    this.snapshots.set(showtimeId, entry);
    value.then(
      (read) => (entry.read = read),
      () => {
        if (this.snapshots.get(showtimeId) === entry) this.snapshots.delete(showtimeId);
      },
    );
    if (this.snapshots.size > 1000) this.snapshots.delete(this.snapshots.keys().next().value as string);
    return value;
  }

  /**
   * A snapshot read after the room opened, for a place that has a number: one read before the opening knows
   * neither the positions nor that the room is open. A burst of joins right after the opening shares one new read:
   * a snapshot is read again only while the cached one is still the one from before (or also from before).
   */
  private async openedSnapshot(showtimeId: string, snap: RoomSnapshot): Promise<RoomSnapshot | null> {
    let current: RoomSnapshot | null = snap;
    for (let tries = 0; current && current.room.opened_at === null && tries < 3; tries++) {
      // Decided before any await, so that the joins of a burst see the read the first of them started.
      const cached = this.snapshots.get(showtimeId);
      current = await (cached && cached.read !== current ? cached.value : this.snapshot(showtimeId, true));
    }
    return current;
  }

  /** Earlier rooms' typical admission, read once per PRIOR_TTL_MS per room and process. */
  private prior(showtimeId: string, now: number): Promise<number | null> {
    const cached = this.priors.get(showtimeId);
    if (cached && now - cached.at < PRIOR_TTL_MS) return cached.value;
    const value = this.repo.typicalAdmissionSeconds(this.ctx.db, showtimeId);
    this.priors.set(showtimeId, { at: now, value });
    value.catch(() => this.priors.delete(showtimeId));
    if (this.priors.size > 1000) this.priors.delete(this.priors.keys().next().value as string);
    return value;
  }

  // ---- the admission tick ----

  /**
   * Opens rooms whose on-sale time has come (the shuffle), frees admitted places that finished or idled out, and
   * admits the next in line within the rate and the cap. Every API process calls it every WAITING_ROOM_TICK_MS;
   * a transaction-scoped advisory try-lock lets exactly one run at a time (the others skip), and the queue is
   * all in PostgreSQL, so any process can take over from one that died.
   */
  async tick(): Promise<TickResult> {
    const result: TickResult = { ran: false, opened: [], rooms: {} };
    if (!(await this.repo.anyRoomDue(this.ctx.db))) return result;
    await this.ctx.db.transaction().execute(async (trx) => {
      if (!(await this.repo.tryTickLock(trx))) return;
      result.ran = true;
      for (const room of await this.repo.lockDueRooms(trx)) {
        let credit = room.admit_credit;
        let creditAt = room.credit_at ?? room.db_now;
        if (!room.opened_at) {
          await this.repo.open(trx, room.showtime_id);
          result.opened.push(room.showtime_id);
          credit = 0;
          creditAt = room.db_now;
        }
        const released = await this.repo.releaseAdmitted(trx, room.showtime_id);
        let allowed = MAX_ADMIT_PER_TICK;
        if (room.admit_per_minute !== null) {
          const perSecond = room.admit_per_minute / 60;
          const elapsed = Math.max(0, (room.db_now.getTime() - creditAt.getTime()) / 1000);
          credit = Math.min(Math.max(1, perSecond * BURST_SECONDS), credit + perSecond * elapsed);
          allowed = Math.min(allowed, Math.floor(credit));
        }
        if (room.max_active !== null) {
          allowed = Math.min(allowed, room.max_active - (await this.repo.activeCount(trx, room.showtime_id)));
        }
        const admitted = await this.repo.admitNext(
          trx,
          room.showtime_id,
          Math.max(0, allowed),
          room.admission_ttl_seconds,
        );
        result.rooms[room.showtime_id] = { admitted, released: released.done + released.expired };
        if (room.admit_per_minute !== null)
          await this.repo.saveCredit(trx, room.showtime_id, credit - admitted);
      }
    });
    for (const [showtime, r] of Object.entries(result.rooms)) {
      if (r.admitted > 0) this.ctx.metrics.waitingRoomAdmitted.inc({ showtime }, r.admitted);
      this.snapshots.delete(showtime);
    }
    return result;
  }

  /** Runs the tick every `intervalMs` (never two at once in this process); returns the stop function. */
  startTicker(intervalMs: number): () => void {
    const timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick()
        .catch((err: unknown) => this.ctx.logger.warn({ err }, 'waiting room: admission tick failed'))
        .finally(() => {
          this.ticking = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private report(room: RoomRow, counts: RoomCounts): void {
    const m = this.ctx.metrics;
    const showtime = room.showtime_id;
    m.waitingRoomQueue.set({ showtime, state: 'waiting' }, counts.positions.length + counts.preQueue);
    m.waitingRoomQueue.set({ showtime, state: 'active' }, counts.active);
    m.waitingRoomQueue.set({ showtime, state: 'idle' }, counts.idle);
    m.waitingRoomRate.set({ showtime }, measuredRate(room, counts) ?? 0);
  }
}

/** How far the database's clock is ahead of ours (ms), from the snapshot's read. */
function skewOf(snap: RoomSnapshot): number {
  return snap.room.db_now.getTime() - snap.readAt;
}

function settingsOf(room: RoomRow) {
  return {
    showtimeId: room.showtime_id,
    onSaleAt: room.on_sale_at.toISOString(),
    admitPerMinute: room.admit_per_minute,
    maxActive: room.max_active,
    admissionTtlSeconds: room.admission_ttl_seconds,
  };
}

/** Admissions per minute over the last RATE_WINDOW_SECONDS (or since the opening, if that is shorter). */
function measuredRate(room: RoomRow, counts: RoomCounts): number | null {
  if (!room.opened_at) return null;
  const open = (room.db_now.getTime() - room.opened_at.getTime()) / 1000;
  const window = Math.min(RATE_WINDOW_SECONDS, Math.max(1, open));
  return Math.round((counts.admittedRecently / window) * 60 * 10) / 10;
}

/**
 * The estimate for one place (wait-estimate.ts): the pace places were freed over the last 20 s once the room has
 * been open that long, before that earlier rooms' typical admission.
 */
function estimateOf(snap: RoomSnapshot, position: number): WaitEstimate {
  const { room, counts } = snap;
  const open = room.opened_at ? (room.db_now.getTime() - room.opened_at.getTime()) / 1000 : 0;
  return estimateWait({
    position,
    ratePerMinute: room.admit_per_minute,
    cap: room.max_active,
    active: counts.active,
    admissionSeconds: room.admission_ttl_seconds,
    freedPerMinute:
      open >= TURNOVER_MEASURE_SECONDS ? (counts.freedRecently / TURNOVER_MEASURE_SECONDS) * 60 : null,
    priorAdmissionSeconds: snap.priorAdmissionSeconds,
  });
}

const services = new WeakMap<AppContext, WaitingRoomService>();

/** The process's one waiting-room service (its snapshots are shared by every route and stream of the context). */
export function waitingRoomOf(ctx: AppContext): WaitingRoomService {
  let service = services.get(ctx);
  if (!service) {
    service = new WaitingRoomService(ctx);
    services.set(ctx, service);
  }
  return service;
}
