import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WaitingRoomRepository } from '../src/modules/waiting-room/waiting-room.repository.js';
import { waitingRoomOf, type TickResult } from '../src/modules/waiting-room/waiting-room.service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtimeFixture, type ShowtimeFixture } from './helpers/catalog.js';
import { CARD } from './helpers/fixtures.js';
import { createUser, customerTokens, type TestUser } from './helpers/users.js';

/**
 * The virtual waiting room of a high-demand showtime, against real PostgreSQL: the shuffle at the opening, the
 * admission rate and cap, holds refused without an admission, one place per account across tabs and processes,
 * and a queue that outlives an API process. The admission tick is driven by hand (WAITING_ROOM_TICK_MS=0).
 */
const ENV = { MAX_ACTIVE_HOLDS_PER_USER: '5' };
let t: TestApp;
let t2: TestApp; // a second API process on the same database
let admin: TestUser;
let clerk: TestUser;

beforeAll(async () => {
  t = await createTestApp({ env: ENV });
  t2 = await createTestApp({ env: ENV, shareDatabaseOf: t });
  admin = await createUser(t.app, t.ctx, 'admin');
  clerk = await createUser(t.app, t.ctx, 'staff');
});
afterAll(async () => {
  await t2.close();
  await t.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const call = (app: TestApp, method: Method, url: string, token: string | null, payload?: unknown) =>
  app.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

type Err = { error: { code: string } };
interface Status {
  status: string;
  opened: boolean;
  position: number | null;
  ahead: number | null;
  estimatedWaitSeconds: number | null;
  estimateBasis: string | null;
  seatsLeft: number;
  likelySoldOut: boolean;
  admission: { token: string; expiresAt: string } | null;
}

async function highDemandShow(settings: Record<string, unknown>): Promise<ShowtimeFixture> {
  const show = await createShowtimeFixture(t.app, admin, { rows: 5, seatsPerRow: 10 });
  const res = await call(t, 'PUT', `/admin/showtimes/${show.showtimeId}/waiting-room`, admin.token, {
    onSaleAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...settings,
  });
  expect(res.statusCode, res.body).toBe(200);
  return show;
}

/** Moves the on-sale time into the past, as time passing would. */
const onSaleNow = (showtimeId: string) =>
  sql`UPDATE waiting_rooms SET on_sale_at = now() - interval '1 second' WHERE showtime_id = ${showtimeId}`.execute(
    t.ctx.db,
  );
/** Pretends `seconds` passed since the rate's credit was last counted. */
const creditAgo = (showtimeId: string, seconds: number) =>
  sql`UPDATE waiting_rooms SET credit_at = now() - make_interval(secs => ${seconds}) WHERE showtime_id = ${showtimeId}`.execute(
    t.ctx.db,
  );
const tick = () => waitingRoomOf(t.ctx).tick();
/** What a tick did in one room (a tick serves every room on sale, those of other tests too). */
const inRoom = (r: TickResult, showtimeId: string) => r.rooms[showtimeId] ?? { admitted: 0, released: 0 };

async function join(showtimeId: string, token: string, app = t): Promise<Status> {
  const res = await call(app, 'POST', `/showtimes/${showtimeId}/queue`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Status>();
}
async function status(showtimeId: string, token: string, app = t): Promise<Status> {
  // A fresh read: this process shares a room's counts for a second.
  waitingRoomOf(app.ctx)
    .snapshot(showtimeId, true)
    .catch(() => undefined);
  const res = await call(app, 'GET', `/showtimes/${showtimeId}/queue`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Status>();
}
const entries = (showtimeId: string) =>
  t.ctx.db
    .selectFrom('waiting_room_entries')
    .select(['user_id', 'position', 'status'])
    .where('showtime_id', '=', showtimeId)
    .execute();

describe('operators', () => {
  it('marks a showtime high-demand (audited), refuses a room with neither rate nor cap, and only admins may', async () => {
    const show = await createShowtimeFixture(t.app, admin, { rows: 2, seatsPerRow: 4 });
    const url = `/admin/showtimes/${show.showtimeId}/waiting-room`;
    const onSaleAt = new Date(Date.now() + 600_000).toISOString();
    const neither = await call(t, 'PUT', url, admin.token, { onSaleAt });
    expect(neither.statusCode).toBe(400);
    expect(neither.json<Err>().error.code).toBe('VALIDATION_FAILED');
    const late = await call(t, 'PUT', url, admin.token, {
      onSaleAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      maxActive: 5,
    });
    expect(late.statusCode).toBe(400);
    const [customer] = await customerTokens(t.ctx, 1, 'op');
    expect((await call(t, 'PUT', url, customer!, { onSaleAt, maxActive: 5 })).statusCode).toBe(403);
    expect((await call(t, 'PUT', url, clerk.token, { onSaleAt, maxActive: 5 })).statusCode).toBe(403);

    const set = await call(t, 'PUT', url, admin.token, { onSaleAt, admitPerMinute: 120, maxActive: 50 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json<{ waitingRoom: unknown }>().waitingRoom).toMatchObject({
      admitPerMinute: 120,
      maxActive: 50,
      openedAt: null,
    });
    const pub = await call(t, 'GET', `/showtimes/${show.showtimeId}/waiting-room`, null);
    expect(pub.json<{ waitingRoom: unknown }>().waitingRoom).toMatchObject({
      onSaleAt,
      opened: false,
      waiting: 0,
    });

    const removed = await call(t, 'DELETE', url, admin.token);
    expect(removed.statusCode).toBe(204);
    expect((await call(t, 'GET', `/showtimes/${show.showtimeId}/waiting-room`, null)).json()).toEqual({
      waitingRoom: null,
    });
    const log = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('subject_id', '=', show.showtimeId)
      .where('action', 'like', 'showtime.waiting_room%')
      .orderBy('at')
      .execute();
    expect(log.map((l) => l.action)).toEqual(['showtime.waiting_room_set', 'showtime.waiting_room_remove']);
    expect(log.every((l) => l.actor_id === admin.id)).toBe(true);
  });

  it('keeps the on-sale time once the queue has opened (409 WAITING_ROOM_OPEN)', async () => {
    const show = await highDemandShow({ maxActive: 2 });
    await onSaleNow(show.showtimeId);
    await tick();
    const res = await call(t, 'PUT', `/admin/showtimes/${show.showtimeId}/waiting-room`, admin.token, {
      onSaleAt: new Date(Date.now() + 600_000).toISOString(),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json<Err>().error.code).toBe('WAITING_ROOM_OPEN');
  });
});

describe('the queue', () => {
  it('shuffles the pre-queue at the opening: a permutation with no one lost or duplicated; later arrivals queue in turn', async () => {
    const show = await highDemandShow({ admitPerMinute: 60 });
    const tokens = await customerTokens(t.ctx, 60, 'pre');
    // Joined one after another, so a first-come order would be exactly this one.
    for (const token of tokens) {
      const s = await join(show.showtimeId, token, tokens.indexOf(token) % 2 ? t2 : t);
      expect(s).toMatchObject({ status: 'waiting', opened: false, position: null });
    }
    const before = await entries(show.showtimeId);
    expect(before.every((e) => e.position === null)).toBe(true);

    await onSaleNow(show.showtimeId);
    const result = await tick();
    expect(result.opened).toEqual([show.showtimeId]);
    const after = await entries(show.showtimeId);
    expect(after).toHaveLength(60);
    const positions = after.map((e) => Number(e.position)).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const joinOrder = (
      await t.ctx.db
        .selectFrom('waiting_room_entries')
        .select('position')
        .where('showtime_id', '=', show.showtimeId)
        .orderBy('joined_at')
        .orderBy('id')
        .execute()
    ).map((e) => Number(e.position));
    // 1 chance in 60! that a fair shuffle gives the join order back.
    expect(joinOrder).not.toEqual(positions);

    const [late1, late2] = await customerTokens(t.ctx, 2, 'late');
    const a = await join(show.showtimeId, late1!);
    const b = await join(show.showtimeId, late2!, t2);
    expect(a.opened).toBe(true);
    const lateRows = (await entries(show.showtimeId)).filter(
      (e) => e.position !== null && Number(e.position) > 60,
    );
    expect(lateRows.map((e) => Number(e.position)).sort()).toEqual([61, 62]);
    expect(a.position).toBe(61);
    expect(b.position).toBe(62);
    expect(a.ahead).toBe(60);
    // The estimate comes from the configured rate (60/min) until a rate is measured: 61 places, about a minute.
    expect(a.estimatedWaitSeconds).toBe(61);
  });

  it('admits at the configured rate, never faster, and within the cap', async () => {
    const show = await highDemandShow({ admitPerMinute: 60 }); // 1 per second, credit for 5 s at most
    const tokens = await customerTokens(t.ctx, 20, 'rate');
    for (const token of tokens) await join(show.showtimeId, token);
    await onSaleNow(show.showtimeId);
    await tick(); // opens; no credit yet
    const admitted = async () =>
      (await entries(show.showtimeId)).filter((e) => e.status === 'admitted').length;
    expect(await admitted()).toBe(0);

    await creditAgo(show.showtimeId, 3);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(3);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(0); // no time has passed
    await creditAgo(show.showtimeId, 60); // a long pause: still only the burst of 5 seconds' worth
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(5);
    expect(await admitted()).toBe(8);

    // Those admitted are the first in line, in order.
    const rows = await entries(show.showtimeId);
    const admittedPositions = rows.filter((e) => e.status === 'admitted').map((e) => Number(e.position));
    expect(admittedPositions.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('admits up to the cap of active customers; leaving or an idle admission frees a place for the next', async () => {
    const show = await highDemandShow({ maxActive: 3, admissionTtlSeconds: 60 });
    const tokens = await customerTokens(t.ctx, 6, 'cap');
    await onSaleNow(show.showtimeId);
    await tick();
    for (const token of tokens) await join(show.showtimeId, token);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(3);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(0);
    const first = await status(show.showtimeId, tokens[0]!);
    expect(first.status).toBe('admitted');
    expect(first.admission?.token).toBeTruthy();
    expect((await status(show.showtimeId, tokens[3]!)).position).toBe(1);

    // Leaving frees the place at once.
    expect((await call(t, 'DELETE', `/showtimes/${show.showtimeId}/queue`, tokens[0]!)).statusCode).toBe(204);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(1);
    expect((await status(show.showtimeId, tokens[3]!)).status).toBe('admitted');

    // An admission that ends unused goes to the next.
    await sql`UPDATE waiting_room_entries SET admitted_until = now() - interval '1 second'
               WHERE showtime_id = ${show.showtimeId} AND status = 'admitted'
                 AND user_id = (SELECT user_id FROM waiting_room_entries
                                 WHERE showtime_id = ${show.showtimeId} AND status = 'admitted'
                                 ORDER BY position LIMIT 1)`.execute(t.ctx.db);
    // Even before the tick records it, the customer is told, and gets no token that has expired.
    const lapsedUser = (await entries(show.showtimeId)).find(
      (e) => e.status === 'admitted' && Number(e.position) === 2,
    );
    expect(lapsedUser).toBeDefined();
    const lapsed = await status(show.showtimeId, tokens[1]!);
    expect(lapsed).toMatchObject({ status: 'expired', admission: null });
    const r = inRoom(await tick(), show.showtimeId);
    expect(r.released).toBe(1);
    expect(r.admitted).toBe(1);
    expect((await entries(show.showtimeId)).filter((e) => e.status === 'expired')).toHaveLength(1);
  });

  it('estimates beyond the cap from earlier on-sales, then from the pace places come free; warns when seats will likely run out', async () => {
    // An earlier on-sale whose admitted customers each kept their place 100 s: the prior at this opening.
    const earlier = await highDemandShow({ maxActive: 5 });
    await customerTokens(t.ctx, 60, 'earlier');
    await sql`INSERT INTO waiting_room_entries (showtime_id, user_id, position, status, admitted_at, admitted_until, ended_at)
              SELECT ${earlier.showtimeId}, u.id, row_number() OVER (), 'done',
                     now() - interval '100 seconds', now() + interval '500 seconds', now()
                FROM users u WHERE u.name LIKE 'earlier %'`.execute(t.ctx.db);

    const show = await highDemandShow({ maxActive: 2 }); // 50 seats, cap only: nobody waits for a rate
    const tokens = await customerTokens(t.ctx, 30, 'outlook');
    await onSaleNow(show.showtimeId);
    await tick();
    for (const token of tokens) await join(show.showtimeId, token);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(2);

    // Third in line, first beyond the cap: the cap of 2 turns over every 100 s, one place every 50 s.
    const third = await status(show.showtimeId, tokens[2]!);
    expect(third).toMatchObject({ position: 1, estimatedWaitSeconds: 50, estimateBasis: 'history' });
    expect(third.seatsLeft).toBe(50);
    // 2 admitted who have not chosen + 0 ahead, at 2 tickets each, is far from 50 seats.
    expect(third.likelySoldOut).toBe(false);
    // The last: 27 ahead and 2 idle at 2 tickets take 58 of 50 seats.
    const last = await status(show.showtimeId, tokens[29]!);
    expect(last).toMatchObject({ position: 28, ahead: 27, likelySoldOut: true });

    // 20 s into the opening with two places freed in the last 20 s: 6 a minute, 10 s a place.
    await sql`UPDATE waiting_rooms SET opened_at = now() - interval '30 seconds' WHERE showtime_id = ${show.showtimeId}`.execute(
      t.ctx.db,
    );
    expect((await call(t, 'DELETE', `/showtimes/${show.showtimeId}/queue`, tokens[0]!)).statusCode).toBe(204);
    expect((await call(t, 'DELETE', `/showtimes/${show.showtimeId}/queue`, tokens[1]!)).statusCode).toBe(204);
    const measured = await status(show.showtimeId, tokens[4]!);
    // Two places are free now (the next tick admits the first two), the 5th waits for one more after them.
    expect(measured).toMatchObject({ position: 3, estimatedWaitSeconds: 10, estimateBasis: 'measured' });

    // Sold out: every seat sold, everyone waiting is told.
    await sql`UPDATE seat_inventory SET status = 'blocked' WHERE showtime_id = ${show.showtimeId}`.execute(
      t.ctx.db,
    );
    const gone = await status(show.showtimeId, tokens[4]!);
    expect(gone).toMatchObject({ seatsLeft: 0, likelySoldOut: true });
  });

  it('one place per account: parallel joins from two tabs on two processes, and reloads, keep one place', async () => {
    const show = await highDemandShow({ admitPerMinute: 60 });
    await onSaleNow(show.showtimeId);
    await tick();
    const [other, me] = await customerTokens(t.ctx, 2, 'tabs');
    await join(show.showtimeId, other!);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => join(show.showtimeId, me!, i % 2 ? t : t2)),
    );
    const rows = await entries(show.showtimeId);
    expect(rows).toHaveLength(2);
    const mine = rows.find((e) => Number(e.position) !== 1)!;
    expect(answers.every((a) => a.status === 'waiting')).toBe(true);
    // Every answer names the same place; a reload (a status read) too, on either process.
    expect(new Set(answers.map((a) => a.ahead))).toEqual(new Set([1]));
    expect((await status(show.showtimeId, me!, t2)).ahead).toBe(1);
    expect(mine.status).toBe('waiting');
  });

  it('the queue survives an API process restart', async () => {
    const show = await highDemandShow({ maxActive: 1 });
    await onSaleNow(show.showtimeId);
    await tick();
    const tokens = await customerTokens(t.ctx, 3, 'restart');
    const a = await createTestApp({ env: ENV, shareDatabaseOf: t });
    for (const token of tokens) await join(show.showtimeId, token, a);
    const before = await Promise.all(tokens.map((tk) => status(show.showtimeId, tk, a)));
    await a.close(); // the process goes away
    const b = await createTestApp({ env: ENV, shareDatabaseOf: t });
    try {
      const after = await Promise.all(tokens.map((tk) => status(show.showtimeId, tk, b)));
      expect(after.map((s) => s.position)).toEqual(before.map((s) => s.position));
      expect(after.map((s) => s.position)).toEqual([1, 2, 3]);
      expect(inRoom(await waitingRoomOf(b.ctx).tick(), show.showtimeId).admitted).toBe(1);
      expect((await status(show.showtimeId, tokens[0]!, b)).status).toBe('admitted');
    } finally {
      await b.close();
    }
  });

  it('two processes ticking at once: one runs the tick, the other skips; nobody is admitted twice', async () => {
    const show = await highDemandShow({ maxActive: 4 });
    await onSaleNow(show.showtimeId);
    const tokens = await customerTokens(t.ctx, 10, 'race');
    for (const token of tokens) await join(show.showtimeId, token);
    const results = await Promise.all([
      waitingRoomOf(t.ctx).tick(),
      waitingRoomOf(t2.ctx).tick(),
      waitingRoomOf(t.ctx).tick(),
      waitingRoomOf(t2.ctx).tick(),
    ]);
    expect(results.reduce((n, r) => n + inRoom(r, show.showtimeId).admitted, 0)).toBe(4);
    expect((await entries(show.showtimeId)).filter((e) => e.status === 'admitted')).toHaveLength(4);
  });
});

describe('holds on a high-demand showtime', () => {
  it('are refused without an admission (403 ADMISSION_REQUIRED), with a token of another account or showtime, and after leaving', async () => {
    const show = await highDemandShow({ maxActive: 5 });
    const other = await highDemandShow({ maxActive: 5 });
    await onSaleNow(show.showtimeId);
    await onSaleNow(other.showtimeId);
    await tick();
    const [me, you] = await customerTokens(t.ctx, 2, 'hold');
    const hold = (token: string, seat: number, admissionToken?: string, showtimeId = show.showtimeId) =>
      call(t, 'POST', '/bookings', token, {
        showtimeId,
        seatIds: [(showtimeId === show.showtimeId ? show : other).seatIds[seat]!],
        ...(admissionToken ? { admissionToken } : {}),
      });

    const none = await hold(me!, 0);
    expect(none.statusCode).toBe(403);
    expect(none.json<Err>().error.code).toBe('ADMISSION_REQUIRED');
    // Waiting is not admitted.
    await join(show.showtimeId, me!);
    expect((await hold(me!, 0)).statusCode).toBe(403);
    await join(other.showtimeId, me!);
    await tick();
    const admission = (await status(show.showtimeId, me!)).admission!.token;
    const otherAdmission = (await status(other.showtimeId, me!)).admission!.token;
    expect((await hold(me!, 0, 'not-a-token')).statusCode).toBe(403);
    expect((await hold(you!, 0, admission)).statusCode).toBe(403); // bound to the account
    expect((await hold(me!, 0, otherAdmission)).statusCode).toBe(403); // and to the showtime

    const ok = await hold(me!, 0, admission);
    expect(ok.statusCode, ok.body).toBe(201);
    // Per-account limits still apply: 10 seats per showtime at most.
    const many = await call(t, 'POST', '/bookings', me!, {
      showtimeId: show.showtimeId,
      seatIds: show.seatIds.slice(1, 11),
      admissionToken: admission,
    });
    expect(many.statusCode).toBe(409);
    expect(many.json<Err>().error.code).toBe('SEAT_LIMIT_REACHED');

    // Leaving revokes the admission even though the token has not expired.
    await call(t, 'DELETE', `/showtimes/${show.showtimeId}/queue`, me!);
    const after = await hold(me!, 2, admission);
    expect(after.statusCode).toBe(403);
    expect(after.json<Err>().error.code).toBe('ADMISSION_REQUIRED');

    // The box office sells at the counter without a queue.
    const counter = await call(t, 'POST', '/box-office/holds', clerk.token, {
      showtimeId: show.showtimeId,
      seatIds: [show.seatIds[5]!],
    });
    expect(counter.statusCode, counter.body).toBe(201);
  });

  it('finishing (paying) frees the place for the next in line', async () => {
    const show = await highDemandShow({ maxActive: 1 });
    await onSaleNow(show.showtimeId);
    await tick();
    const [first, second] = await customerTokens(t.ctx, 2, 'pay');
    await join(show.showtimeId, first!);
    await join(show.showtimeId, second!);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(1);
    const admission = (await status(show.showtimeId, first!)).admission!.token;
    const held = await call(t, 'POST', '/bookings', first!, {
      showtimeId: show.showtimeId,
      seatIds: [show.seatIds[0]!],
      admissionToken: admission,
    });
    expect(held.statusCode, held.body).toBe(201);
    expect(inRoom(await tick(), show.showtimeId).admitted).toBe(0); // holding: still active
    const paid = await call(
      t,
      'POST',
      `/bookings/${held.json<{ booking: { id: string } }>().booking.id}/payment`,
      first!,
      {
        card: CARD.good,
      },
    );
    expect(paid.statusCode, paid.body).toBe(200);
    const r = inRoom(await tick(), show.showtimeId);
    expect(r.released).toBe(1);
    expect(r.admitted).toBe(1);
    expect((await status(show.showtimeId, first!)).status).toBe('done');
    expect((await status(show.showtimeId, second!)).status).toBe('admitted');
  });

  it('a normal showtime needs no admission', async () => {
    const show = await createShowtimeFixture(t.app, admin, { rows: 1, seatsPerRow: 2 });
    const [me] = await customerTokens(t.ctx, 1, 'normal');
    const res = await call(t, 'POST', '/bookings', me!, {
      showtimeId: show.showtimeId,
      seatIds: [show.seatIds[0]!],
    });
    expect(res.statusCode).toBe(201);
    const q = await call(t, 'POST', `/showtimes/${show.showtimeId}/queue`, me!);
    expect(q.statusCode).toBe(404);
    expect(q.json<Err>().error.code).toBe('WAITING_ROOM_NOT_FOUND');
  });
});

describe('joins in a burst', () => {
  /** The account a bearer token names. */
  const userOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  /** Each waiting account's place in line: 1 + the waiting places with a lower number. */
  const placesInLine = async (showtimeId: string) => {
    const rows = (await entries(showtimeId))
      .filter((e) => e.status === 'waiting' && e.position !== null)
      .sort((a, b) => Number(a.position) - Number(b.position));
    return new Map(rows.map((e, i) => [e.user_id, i + 1]));
  };
  /**
   * Runs `fn` with the clock standing still (only Date: timers and the database run on), so every snapshot a
   * process holds stays its snapshot: what a join answers cannot come from a read that the refresh period
   * happened to start.
   */
  async function withClockStopped<T>(fn: () => Promise<T>): Promise<T> {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      return await fn();
    } finally {
      vi.useRealTimers();
    }
  }

  it('parallel joins on two processes answer every place right, counting everyone before them, without re-reading the shared snapshot; a watcher catches up at the next refresh', async () => {
    const show = await highDemandShow({ maxActive: 1 });
    const id = show.showtimeId;
    await onSaleNow(id);
    await tick(); // opens an empty room
    const early = await customerTokens(t.ctx, 10, 'early');
    for (const token of early) await join(id, token);
    const burst = await customerTokens(t.ctx, 60, 'burst');
    const reads = vi.spyOn(WaitingRoomRepository.prototype, 'counts');
    try {
      await withClockStopped(async () => {
        // Both processes hold a snapshot of the first 10 places.
        await waitingRoomOf(t.ctx).snapshot(id, true);
        await waitingRoomOf(t2.ctx).snapshot(id, true);
        reads.mockClear();
        // 60 accounts at once on both processes; 20 of them from a second tab as well, whose join takes a number
        // it does not keep: the numbers have gaps, so a place is not its number minus the snapshot's next one.
        const requests = [...burst.map((tk) => ({ tk })), ...burst.slice(0, 20).map((tk) => ({ tk }))];
        const answers = await Promise.all(
          requests.map(async ({ tk }, i) => ({
            user: userOf(tk),
            status: await join(id, tk, i % 2 ? t : t2),
          })),
        );
        expect(reads).not.toHaveBeenCalled();

        const rows = await entries(id);
        expect(rows).toHaveLength(70);
        expect(Math.max(...rows.map((e) => Number(e.position)))).toBeGreaterThan(70);
        const line = await placesInLine(id);
        for (const { user, status: s } of answers) {
          expect(s).toMatchObject({
            status: 'waiting',
            opened: true,
            position: line.get(user),
            ahead: line.get(user)! - 1,
          });
        }
        // Every account's answer is its own place: distinct and contiguous after the first 10.
        const places = [...new Map(answers.map((a) => [a.user, a.status.position])).values()];
        expect(places.sort((a, b) => a! - b!)).toEqual(Array.from({ length: 60 }, (_, i) => i + 11));

        // The first is admitted (cap 1). The process that ran the tick answers at once; the other shares its
        // snapshot for the refresh period, then catches up.
        expect(inRoom(await tick(), id).admitted).toBe(1);
        const fifth = early[4]!;
        const onT = await call(t, 'GET', `/showtimes/${id}/queue`, fifth);
        expect(onT.json<Status>().position).toBe(4);
        const lagging = (await call(t2, 'GET', `/showtimes/${id}/queue`, fifth)).json<Status>();
        expect([4, 5]).toContain(lagging.position);
        vi.setSystemTime(Date.now() + 1001);
        const caughtUp = (await call(t2, 'GET', `/showtimes/${id}/queue`, fifth)).json<Status>();
        expect(caughtUp).toMatchObject({ status: 'waiting', position: 4, ahead: 3 });
      });
    } finally {
      reads.mockRestore();
    }
  });

  it('before the opening, parallel joins all wait for the draw; after it, joins on a process whose snapshot is from before share one new read and get their numbers', async () => {
    const show = await highDemandShow({ admitPerMinute: 60 });
    const id = show.showtimeId;
    const pre = await customerTokens(t.ctx, 40, 'draw');
    const late = await customerTokens(t.ctx, 6, 'after-draw');
    const reads = vi.spyOn(WaitingRoomRepository.prototype, 'counts');
    try {
      await withClockStopped(async () => {
        await waitingRoomOf(t.ctx).snapshot(id, true);
        await waitingRoomOf(t2.ctx).snapshot(id, true);
        const answers = await Promise.all(pre.map((tk, i) => join(id, tk, i % 2 ? t : t2)));
        for (const a of answers)
          expect(a).toMatchObject({ status: 'waiting', opened: false, position: null });

        await onSaleNow(id);
        expect((await tick()).opened).toContain(id);
        reads.mockClear();
        // t2 still holds its snapshot of the pre-queue (the clock stands still).
        const lateAnswers = await Promise.all(late.map((tk) => join(id, tk, t2)));
        expect(reads).toHaveBeenCalledTimes(1);
        const line = await placesInLine(id);
        expect(line.size).toBe(46);
        late.forEach((tk, i) => {
          expect(lateAnswers[i]).toMatchObject({ opened: true, position: line.get(userOf(tk)) });
        });
        expect(lateAnswers.map((a) => a.position).sort((a, b) => a! - b!)).toEqual([41, 42, 43, 44, 45, 46]);
      });
    } finally {
      reads.mockRestore();
    }
  });
});

describe('bots', () => {
  it('get nothing from many parallel joins and refreshes: one place, at the back', async () => {
    const show = await highDemandShow({ admitPerMinute: 60 });
    await onSaleNow(show.showtimeId);
    await tick();
    const honest = await customerTokens(t.ctx, 5, 'honest');
    for (const token of honest) await join(show.showtimeId, token);
    const [bot] = await customerTokens(t.ctx, 1, 'bot');
    await Promise.all(Array.from({ length: 50 }, (_, i) => join(show.showtimeId, bot!, i % 2 ? t : t2)));
    for (let i = 0; i < 5; i++) await status(show.showtimeId, bot!);
    const s = await status(show.showtimeId, bot!);
    expect(s.position).toBe(6);
    expect(await entries(show.showtimeId)).toHaveLength(6);
  });
});

describe('live status', () => {
  it('streams position updates and the admission', async () => {
    const show = await highDemandShow({ maxActive: 1 });
    await onSaleNow(show.showtimeId);
    await tick();
    const [first, me] = await customerTokens(t.ctx, 2, 'live');
    await join(show.showtimeId, first!);
    await join(show.showtimeId, me!);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await fetch(`${address}/api/v1/showtimes/${show.showtimeId}/queue/stream`, {
      headers: { authorization: `Bearer ${me!}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextStatus = async (): Promise<Status> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = chunk.split('\n').find((l) => l.startsWith('data: '));
          if (chunk.includes('event: status') && data) return JSON.parse(data.slice(6)) as Status;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    };
    try {
      expect(await nextStatus()).toMatchObject({ status: 'waiting', position: 2, ahead: 1 });
      await tick();
      expect(await nextStatus()).toMatchObject({ status: 'waiting', position: 1, ahead: 0 });
      await call(t, 'DELETE', `/showtimes/${show.showtimeId}/queue`, first!);
      await tick();
      const admitted = await nextStatus();
      expect(admitted.status).toBe('admitted');
      expect(admitted.admission?.token).toBeTruthy();
    } finally {
      controller.abort();
    }
  });
});
