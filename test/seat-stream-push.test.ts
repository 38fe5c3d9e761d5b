import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SeatChangeEvent,
  SeatFeedSubscriber,
  SeatSnapshot,
} from '../src/modules/seat-events/seat-feed.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, seatStatuses, type ShowtimeFixture } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Issue 9: a showtime's seat streams get at most one event per SEAT_STREAM_PUSH_MS, the changes read in between
 * combined into it, and the event is written to the subscribers a slice at a time (1,000 per event-loop turn).
 * Neither may cost a client a change or break the version chain it checks for gaps.
 */
class Recorder implements SeatFeedSubscriber {
  version = -1;
  readonly seats = new Map<string, string>();
  readonly events: SeatChangeEvent[] = [];
  snapshots = 0;
  gaps = 0;

  onSnapshot(s: SeatSnapshot): void {
    this.snapshots++;
    this.version = s.version;
    this.seats.clear();
    for (const seat of s.seats) this.seats.set(seat.id, seat.status);
  }

  onSeats(e: SeatChangeEvent): void {
    this.events.push(e);
    if (e.prevVersion !== this.version) this.gaps++;
    this.version = e.version;
    for (const seat of e.seats) this.seats.set(seat.id, seat.status);
  }
}

const PUSH_MS = 2_000;
let t: TestApp;
let user: TestUser;
let fx: ShowtimeFixture;

beforeAll(async () => {
  t = await createTestApp({ env: { SEAT_STREAM_PUSH_MS: String(PUSH_MS), MAX_ACTIVE_HOLDS_PER_USER: '10' } });
  user = await createUser(t.app, t.ctx);
  fx = await createShowtime(t.ctx.db, { rows: 2, seatsPerRow: 6 });
});

afterAll(async () => {
  await t?.close();
});

async function hold(seatIds: string[]): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId: fx.showtimeId, seatIds },
  });
  expect(res.statusCode).toBe(201);
}

/** What the database says, in the stream's vocabulary (a held or sold seat is not available to anyone). */
async function expected(): Promise<Map<string, string>> {
  const rows = await seatStatuses(t.ctx.db, fx.showtimeId);
  return new Map([...rows].map(([id, status]) => [id, status === 'available' ? 'available' : 'unavailable']));
}

/** The recorder's seats, in the same vocabulary and order as `expected()` gives. */
const shows = (r: Recorder, want: Map<string, string>) =>
  r.seats.size === want.size &&
  [...want].every(
    ([id, status]) => (r.seats.get(id) === 'available' ? 'available' : 'unavailable') === status,
  );

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

describe('seat stream pushes', () => {
  it('combines the changes of one push interval into one event, to 2,500 subscribers in slices, with no gap', async () => {
    const feed = t.ctx.seatFeed;
    const subs = Array.from({ length: 2_500 }, () => new Recorder());
    const unsubscribe: Array<() => void> = [];
    for (const s of subs) {
      const off = await feed.subscribe(fx.showtimeId, s);
      expect(off).toBeDefined();
      unsubscribe.push(off!);
    }
    const start = subs[0]!.version;
    expect(subs.every((s) => s.snapshots === 1 && s.version === start)).toBe(true);

    // The first change goes out at once (no push for PUSH_MS before it)...
    await hold([fx.seatIds[0]!]);
    await until(() => subs.every((s) => s.events.length === 1), 5_000);
    // ...the next three, taken well within PUSH_MS, wait for the interval and go out as one event.
    await hold([fx.seatIds[1]!]);
    await hold([fx.seatIds[2]!]);
    // Someone who subscribes meanwhile starts where the others are, and their next event follows on from it.
    const late = new Recorder();
    const offLate = await feed.subscribe(fx.showtimeId, late);
    unsubscribe.push(offLate!);
    expect(late.version).toBe(subs[0]!.version);
    await hold([fx.seatIds[3]!, fx.seatIds[4]!]);

    const want = await expected();
    await until(() => [...subs, late].every((s) => shows(s, want)), PUSH_MS + 5_000);
    for (const s of [...subs, late]) {
      expect(s.gaps).toBe(0);
      expect(s.snapshots).toBe(1);
    }
    // Every subscriber got the same events, in the same order: two in all (one for the late one).
    const seq = subs[0]!.events;
    expect(seq).toHaveLength(2);
    expect(seq[1]!.seats.map((x) => x.id).sort()).toEqual(fx.seatIds.slice(1, 5).sort());
    for (const s of subs) expect(s.events).toEqual(seq);
    expect(late.events).toEqual([seq[1]]);
    for (const off of unsubscribe) off();
  });

  it('starts a subscriber who is alone at the latest state, whatever was pushed before', async () => {
    const feed = t.ctx.seatFeed;
    const first = new Recorder();
    const off = await feed.subscribe(fx.showtimeId, first);
    off!();
    await hold([fx.seatIds[6]!]);
    const want = await expected();
    // Nobody watches: nothing is pushed, but the next subscriber's snapshot already shows the hold.
    await until(async () => {
      const r = new Recorder();
      const o = await feed.subscribe(fx.showtimeId, r);
      o!();
      return shows(r, want);
    }, 5_000);
  });
});
