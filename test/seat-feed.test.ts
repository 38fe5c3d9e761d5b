import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SeatEventsRepository } from '../src/modules/seat-events/seat-events.repository.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { waitFor } from './helpers/notify.js';
import { SseClient, type SseEvent } from './helpers/sse.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Issue 9, items 1 and 2: live seat events published after commit (no NOTIFY in any seat-changing commit),
 * versioned so a client can detect a gap, and seat maps answered from each process's memory.
 */
interface StreamData {
  showtimeId: string;
  version: number;
  prevVersion?: number;
  seats: Array<{ id: string; status: string }>;
}
interface SeatMap {
  version: number;
  seats: Array<{ id: string; status: string }>;
}

const parse = (e: SseEvent) => JSON.parse(e.data) as StreamData;

async function listen(t: TestApp): Promise<{ url: string }> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v1` };
}

// A (streams and caches) and B (takes the holds) are two API processes on one database. Short refresh, so a
// lost publish heals within the test; a flush slow enough to see that a commit itself announces nothing.
let a: TestApp;
let b: TestApp;
let aUrl: string;
let user: TestUser;
let other: TestUser;
const clients: SseClient[] = [];

beforeAll(async () => {
  // Holds taken on A last 2 s (the lapse tests), holds taken on B the default 7 minutes.
  a = await createTestApp({
    env: { SEAT_FEED_REFRESH_MS: '800', HOLD_TTL_SECONDS: '2', MAX_ACTIVE_HOLDS_PER_USER: '10' },
  });
  b = await createTestApp({
    shareDatabaseOf: a,
    env: { SEAT_FEED_FLUSH_MS: '400', MAX_ACTIVE_HOLDS_PER_USER: '10' },
  });
  aUrl = (await listen(a)).url;
  user = await createUser(a.app, a.ctx);
  other = await createUser(a.app, a.ctx);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await b?.close();
  await a?.close();
});

async function stream(showtimeId: string): Promise<SseClient> {
  const c = new SseClient();
  clients.push(c);
  await c.open(`${aUrl}/showtimes/${showtimeId}/seats/stream`, user.auth);
  return c;
}

async function holdOn(t: TestApp, who: TestUser, showtimeId: string, seatIds: string[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: who.auth,
    payload: { showtimeId, seatIds },
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ booking: { id: string } }>().booking;
}

async function seatMap(t: TestApp, showtimeId: string, etag?: string) {
  return t.app.inject({
    url: `/api/v1/showtimes/${showtimeId}/seats`,
    headers: { ...user.auth, ...(etag ? { 'if-none-match': etag } : {}) },
  });
}

/** The next `seats` event that passes `match` (others, such as an earlier hold lapsing, are skipped). */
async function nextSeats(c: SseClient, match: (e: StreamData) => boolean, ms = 4_000): Promise<StreamData> {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = parse(await c.next('seats', Math.max(1, deadline - Date.now())));
    if (match(e)) return e;
  }
}

const statusOf = (map: SeatMap, seatId: string) => map.seats.find((s) => s.id === seatId)?.status;

describe('live seat events after commit', () => {
  let fx: ShowtimeFixture;
  beforeAll(async () => {
    fx = await createShowtime(a.ctx.db, { rows: 2, seatsPerRow: 5 });
  });

  it('has no trigger on seat_inventory: a hold commits without notifying, the feed announces it afterwards', async () => {
    const triggers = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = 'seat_inventory'::regclass AND NOT tgisinternal`.execute(
      a.ctx.db,
    );
    expect(triggers.rows).toEqual([]);
    const fn = await sql`SELECT 1 FROM pg_proc WHERE proname = 'notify_seat_events'`.execute(a.ctx.db);
    expect(fn.rows).toEqual([]);

    const raw = new pg.Client({ connectionString: a.config.databaseUrl });
    await raw.connect();
    const payloads: string[] = [];
    raw.on('notification', (m) => payloads.push(m.payload ?? ''));
    await raw.query('LISTEN seat_events');
    // B's feed is told about the hold but publishes only when the test says so: whatever arrives before that
    // was sent by the commit itself (a trigger), whatever the machine's load.
    const feed = b.ctx.seatFeed;
    const touch = feed.touch.bind(feed);
    const touched: string[] = [];
    feed.touch = (id: string) => void touched.push(id);
    try {
      await holdOn(b, other, fx.showtimeId, [fx.seatIds[9]!]);
      await sleep(300);
      expect(payloads).toEqual([]);
      expect(touched).toEqual([fx.showtimeId]);
      feed.touch = touch;
      touch(fx.showtimeId, [fx.seatIds[9]!]); // as the hold does: it only took this seat
      await feed.flush();
      await waitFor('the announcement', () => payloads.length > 0, 2_000, 20);
      expect(payloads).toEqual([`${fx.showtimeId} ${b.ctx.seatFeed.origin}`]);
    } finally {
      feed.touch = touch;
      await raw.end();
    }
  });

  it('brings a hold taken on one instance to a stream on another within 2 s', async () => {
    const c = await stream(fx.showtimeId);
    const snapshot = parse(await c.next('snapshot'));
    expect(snapshot.seats).toHaveLength(10);
    expect(snapshot.seats.find((s) => s.id === fx.seatIds[9])?.status).toBe('held');

    const started = Date.now();
    await holdOn(b, other, fx.showtimeId, [fx.seatIds[0]!, fx.seatIds[1]!]);
    const event = parse(await c.next('seats', 2_000));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(event.seats.map((s) => s.id).sort()).toEqual([fx.seatIds[0]!, fx.seatIds[1]!].sort());
    expect(event.seats.every((s) => s.status === 'held')).toBe(true);
    expect(event.prevVersion).toBe(snapshot.version);
    expect(event.version).toBe(snapshot.version + 2);
    // A's cached map agrees with its stream.
    const map = (await seatMap(a, fx.showtimeId)).json<SeatMap>();
    expect(map.version).toBe(event.version);
    expect(statusOf(map, fx.seatIds[0]!)).toBe('held');
    c.close();
  });

  it('heals a lost publish: the periodic re-read brings the stream and the cached map right', async () => {
    const c = await stream(fx.showtimeId);
    const snapshot = parse(await c.next('snapshot'));
    const before = (await seatMap(a, fx.showtimeId)).json<SeatMap>();
    expect(before.version).toBe(snapshot.version);
    // A seat sold "by a process that crashed before it published": SQL, no touch anywhere.
    const booking = await holdOn(b, other, fx.showtimeId, [fx.seatIds[2]!]);
    await c.next('seats', 2_000);
    await sql`UPDATE seat_inventory SET status = 'available', booking_id = NULL, version = version + 1
               WHERE booking_id = ${booking.id}`.execute(a.ctx.db);
    const healed = parse(await c.next('seats', 2_000)); // within SEAT_FEED_REFRESH_MS (800 ms) + a read
    expect(healed.seats).toEqual([{ id: fx.seatIds[2], status: 'available' }]);
    const map = (await seatMap(a, fx.showtimeId)).json<SeatMap>();
    expect(statusOf(map, fx.seatIds[2]!)).toBe('available');
    expect(map.version).toBe(healed.version);
    c.close();
  });

  it('lets a client detect a gap: a map fetched before a missed change does not chain to the next event', async () => {
    const c = await stream(fx.showtimeId);
    await c.next('snapshot');
    const stale = (await seatMap(a, fx.showtimeId)).json<SeatMap>();
    // The client "missed" this change (say its stream was down); the next event starts where it left off.
    await holdOn(b, other, fx.showtimeId, [fx.seatIds[3]!]);
    const missed = parse(await c.next('seats'));
    await holdOn(b, other, fx.showtimeId, [fx.seatIds[4]!]);
    const next = parse(await c.next('seats'));
    expect(next.prevVersion).toBe(missed.version);
    expect(next.prevVersion).not.toBe(stale.version); // → the client refetches
    const refetched = (await seatMap(a, fx.showtimeId)).json<SeatMap>();
    expect(refetched.version).toBe(next.version);
    expect(statusOf(refetched, fx.seatIds[3]!)).toBe('held');
    expect(statusOf(refetched, fx.seatIds[4]!)).toBe('held');
    c.close();
  });
});

describe('seat maps from memory', () => {
  let fx: ShowtimeFixture;
  beforeAll(async () => {
    fx = await createShowtime(a.ctx.db, { rows: 2, seatsPerRow: 4 });
  });

  it('answers 304 to a matching If-None-Match, and a fresh body with a new ETag after a change', async () => {
    const first = await seatMap(a, fx.showtimeId);
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toContain('application/json');
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const etag = first.headers.etag as string;
    const body = first.json<SeatMap>();
    expect(etag).toMatch(new RegExp(`^"${body.version}-[\\w-]+"$`));

    const same = await seatMap(a, fx.showtimeId, etag);
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect(same.headers.etag).toBe(etag);
    expect((await seatMap(a, fx.showtimeId, `"x", W/${etag}`)).statusCode).toBe(304);
    expect((await seatMap(a, fx.showtimeId, '"other"')).statusCode).toBe(200);

    // Taken on the other instance: A learns it from the feed.
    await holdOn(b, other, fx.showtimeId, [fx.seatIds[0]!]);
    const changed = await waitFor('a new map on A', async () => {
      const res = await seatMap(a, fx.showtimeId, etag);
      return res.statusCode === 200 ? res : undefined;
    });
    expect(changed.headers.etag).not.toBe(etag);
    const fresh = changed.json<SeatMap>();
    expect(fresh.version).toBe(body.version + 1);
    expect(statusOf(fresh, fx.seatIds[0]!)).toBe('held');
    // Taken on A itself: its next map has it at once (read-your-writes in one process).
    await holdOn(a, user, fx.showtimeId, [fx.seatIds[1]!]);
    expect(statusOf((await seatMap(a, fx.showtimeId)).json<SeatMap>(), fx.seatIds[1]!)).toBe('held');
  });

  it('sends gzip to clients that accept it: the same JSON, its own strong ETag, and either tag revalidates', async () => {
    const plain = await seatMap(a, fx.showtimeId);
    const zipped = await a.app.inject({
      url: `/api/v1/showtimes/${fx.showtimeId}/seats`,
      headers: { ...user.auth, 'accept-encoding': 'br;q=1, gzip;q=0.8, *;q=0.1' },
    });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'))).toEqual(plain.json());
    const plainTag = plain.headers.etag as string;
    const zippedTag = zipped.headers.etag as string;
    expect(zippedTag).not.toBe(plainTag);
    expect(zippedTag).toMatch(/^"[^"]+"$/);
    for (const tag of [plainTag, zippedTag]) {
      expect((await seatMap(a, fx.showtimeId, tag)).statusCode).toBe(304);
    }
    // "No gzip, please" is honoured.
    const refused = await a.app.inject({
      url: `/api/v1/showtimes/${fx.showtimeId}/seats`,
      headers: { ...user.auth, 'accept-encoding': 'gzip;q=0' },
    });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.json()).toEqual(plain.json());
  });

  it('shows a lapsed hold as available without any write, in the map and on the stream', async () => {
    // No worker runs in the test apps: nothing writes when the 2-second hold ends.
    const c = await stream(fx.showtimeId);
    const snapshot = parse(await c.next('snapshot'));
    await holdOn(a, user, fx.showtimeId, [fx.seatIds[5]!]);
    const held = await nextSeats(c, (e) => e.seats.some((s) => s.id === fx.seatIds[5]));
    expect(held.seats).toEqual([{ id: fx.seatIds[5], status: 'held' }]);
    expect(held.prevVersion).toBeGreaterThanOrEqual(snapshot.version);
    const before = await seatMap(a, fx.showtimeId);
    expect(statusOf(before.json<SeatMap>(), fx.seatIds[5]!)).toBe('held');

    const lapse = await nextSeats(c, (e) =>
      e.seats.some((s) => s.id === fx.seatIds[5] && s.status === 'available'),
    );
    expect(lapse.prevVersion).toBe(lapse.version); // nothing was written
    const after = await seatMap(a, fx.showtimeId, before.headers.etag);
    expect(after.statusCode).toBe(200);
    expect(statusOf(after.json<SeatMap>(), fx.seatIds[5]!)).toBe('available');
    const row = await sql<{ status: string }>`
      SELECT status FROM seat_inventory WHERE showtime_id = ${fx.showtimeId} AND seat_id = ${fx.seatIds[5]}`.execute(
      a.ctx.db,
    );
    expect(row.rows[0]?.status).toBe('held'); // the sweep never ran
    c.close();
  });

  it('shows a lapsed hold as available in a cached map nobody streams', async () => {
    const lone = await createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 2 });
    await holdOn(a, user, lone.showtimeId, [lone.seatIds[0]!]);
    expect(statusOf((await seatMap(a, lone.showtimeId)).json<SeatMap>(), lone.seatIds[0]!)).toBe('held');
    await sleep(2_100);
    expect(statusOf((await seatMap(a, lone.showtimeId)).json<SeatMap>(), lone.seatIds[0]!)).toBe('available');
  });

  it('reads a cold layout once however many first loads arrive together (an on-sale opening)', async () => {
    const cold = await createShowtime(a.ctx.db, { rows: 3, seatsPerRow: 10 });
    const layoutReads: string[] = [];
    const wrapped = new WeakSet<pg.PoolClient>();
    const onAcquire = (client: pg.PoolClient) => {
      if (wrapped.has(client)) return;
      wrapped.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : '';
        if (text.includes('"se"."row_label"') && args[1] && JSON.stringify(args[1]).includes(cold.showtimeId))
          layoutReads.push(text);
        return query(...args);
      };
    };
    a.ctx.pool.on('acquire', onAcquire);
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => seatMap(a, cold.showtimeId)));
      for (const res of answers) {
        expect(res.statusCode).toBe(200);
        expect(res.json<SeatMap>().seats).toHaveLength(30);
      }
      expect(new Set(answers.map((r) => r.headers.etag)).size).toBe(1);
      expect(layoutReads).toHaveLength(1);
    } finally {
      a.ctx.pool.off('acquire', onAcquire);
    }
  });

  it('keeps a bounded number of showtimes, and forgets unknown ones', async () => {
    const small = await createTestApp({ shareDatabaseOf: a, env: { SEAT_MAP_CACHE_SHOWTIMES: '2' } });
    try {
      const shows = await Promise.all(
        [1, 2, 3].map(() => createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 2 })),
      );
      for (const s of shows) expect((await seatMap(small, s.showtimeId)).statusCode).toBe(200);
      expect(small.ctx.seatFeed.cachedShowtimes()).toBe(2);
      expect((await seatMap(small, '0190a8a4-0000-7000-8000-000000000000')).statusCode).toBe(404);
      expect(small.ctx.seatFeed.cachedShowtimes()).toBe(2);
      // The evicted one is read again, correctly.
      const again = await seatMap(small, shows[0]!.showtimeId);
      expect(again.json<SeatMap>().seats).toHaveLength(2);
    } finally {
      await small.close();
    }
  });

  it('is not access-logged at info (every page view and poll), unlike other routes', async () => {
    const lines: Array<{ msg?: string; req?: { url?: string } }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        done();
      },
    });
    const logged = await createTestApp({
      shareDatabaseOf: a,
      overrides: { logger: pino({ level: 'info' }, sink) },
    });
    try {
      const st = await createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 2 });
      expect((await seatMap(logged, st.showtimeId)).statusCode).toBe(200);
      expect((await logged.app.inject({ url: `/api/v1/showtimes/${st.showtimeId}` })).statusCode).toBe(200);
      const urls = lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url);
      expect(urls).toEqual([`/api/v1/showtimes/${st.showtimeId}`]);
    } finally {
      await logged.close();
    }
  });

  it('evicts the least recently used showtime, however often the most recent one is asked for', async () => {
    const small = await createTestApp({ shareDatabaseOf: a, env: { SEAT_MAP_CACHE_SHOWTIMES: '2' } });
    const reads = vi.spyOn(SeatEventsRepository.prototype, 'readLiveSeats');
    try {
      const [x, y, z] = await Promise.all(
        [1, 2, 3].map(() => createShowtime(a.ctx.db, { rows: 1, seatsPerRow: 2 })),
      );
      await seatMap(small, x!.showtimeId);
      await seatMap(small, y!.showtimeId);
      for (let i = 0; i < 3; i++) await seatMap(small, x!.showtimeId); // x is the most recent now, y the least
      await seatMap(small, z!.showtimeId); // evicts y
      const readsOf = (id: string) => reads.mock.calls.filter(([showtimeId]) => showtimeId === id).length;
      reads.mockClear();
      expect((await seatMap(small, x!.showtimeId)).statusCode).toBe(200);
      expect(readsOf(x!.showtimeId)).toBe(0); // still in memory
      expect((await seatMap(small, y!.showtimeId)).statusCode).toBe(200);
      expect(readsOf(y!.showtimeId)).toBe(1); // read again
    } finally {
      reads.mockRestore();
      await small.close();
    }
  });
});
