import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { authPlugin } from '../src/http/auth.js';
import { errorHandler } from '../src/http/error-handler.js';
import { seatEventRoutes } from '../src/modules/seat-events/seat-events.routes.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { SseClient, type SseEvent } from './helpers/sse.js';
import { createUser, type TestUser } from './helpers/users.js';

interface Fixture {
  showtimeId: string;
  seatIds: string[];
}

/** A showtime with `seats` seats, written straight to the tables (this test is about the feed, not the API). */
async function createShowtime(db: Db, seats: number, startOffsetDays: number): Promise<Fixture> {
  const theater = await db
    .insertInto('theaters')
    .values({ name: 'Stream Palace', address: '1 Main St', city: 'New York', latitude: 40.7, longitude: -74 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const auditorium = await db
    .insertInto('auditoriums')
    .values({ theater_id: theater.id, name: `Room ${randomBytes(2).toString('hex')}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const seatRows = await db
    .insertInto('seats')
    .values(
      Array.from({ length: seats }, (_, i) => ({
        auditorium_id: auditorium.id,
        row_label: String.fromCharCode(65 + Math.floor(i / 20)),
        number: (i % 20) + 1,
        x: i % 20,
        y: Math.floor(i / 20),
        tier: 'standard' as const,
      })),
    )
    .returning('id')
    .execute();
  const movie = await db
    .insertInto('movies')
    .values({ title: 'The Stream', runtime_minutes: 100 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const startsAt = new Date(Date.now() + startOffsetDays * 86_400_000);
  const showtime = await db
    .insertInto('showtimes')
    .values({
      auditorium_id: auditorium.id,
      movie_id: movie.id,
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + 120 * 60_000),
      price_standard_cents: 1200,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('seat_inventory')
    .values(seatRows.map((s) => ({ showtime_id: showtime.id, seat_id: s.id })))
    .execute();
  return { showtimeId: showtime.id, seatIds: seatRows.map((s) => s.id) };
}

async function createBooking(db: Db, userId: string, showtimeId: string): Promise<string> {
  const row = await db
    .insertInto('bookings')
    .values({
      reference: `T${randomBytes(4).toString('hex')}`,
      user_id: userId,
      showtime_id: showtimeId,
      expires_at: new Date(Date.now() + 600_000),
      max_expires_at: new Date(Date.now() + 3_600_000),
      total_cents: 0,
      currency: 'USD',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function hold(db: Db, showtimeId: string, seatIds: string[], bookingId: string, expiresAt: Date) {
  await db.updateTable('bookings').set({ expires_at: expiresAt }).where('id', '=', bookingId).execute();
  return db
    .updateTable('seat_inventory')
    .set({ status: 'held', booking_id: bookingId, version: sql`version + 1` })
    .where('showtime_id', '=', showtimeId)
    .where('seat_id', 'in', seatIds)
    .execute();
}

interface StreamData {
  showtimeId: string;
  version: number;
  prevVersion?: number;
  seats: Array<{ id: string; status: string }>;
}

function parse(e: SseEvent): StreamData {
  return JSON.parse(e.data) as StreamData;
}

describe('live seat events (GET /showtimes/:id/seats/stream)', () => {
  let t: TestApp;
  let base: string;
  let user: TestUser;
  let fx: Fixture;
  const clients: SseClient[] = [];

  async function stream(showtimeId: string, via: 'header' | 'query' = 'header'): Promise<SseClient> {
    const c = new SseClient();
    clients.push(c);
    const url = `${base}/api/v1/showtimes/${showtimeId}/seats/stream`;
    if (via === 'query') {
      // What the web app's EventSource does: a short-lived stream token for this showtime, in the URL.
      const issued = await fetch(`${url}-token`, { method: 'POST', headers: user.auth });
      const { token } = (await issued.json()) as { token: string };
      await c.open(`${url}?token=${encodeURIComponent(token)}`);
    } else await c.open(url, user.auth);
    return c;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    user = await createUser(t.app, t.ctx);
    fx = await createShowtime(t.ctx.db, 6, 1);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.close();
  });

  it('serves anonymous clients, and refuses unknown showtimes with JSON errors', async () => {
    // Another showtime: a stream keeps its showtime's map in the feed, and the next tests change fx's behind it.
    const other = await createShowtime(t.ctx.db, 2, 1);
    const ctrl = new AbortController();
    const anon = await fetch(`${base}/api/v1/showtimes/${other.showtimeId}/seats/stream`, {
      signal: ctrl.signal,
    });
    expect(anon.status).toBe(200);
    ctrl.abort();
    const missing = await fetch(
      `${base}/api/v1/showtimes/0190a8a4-0000-7000-8000-000000000000/seats/stream`,
      {
        headers: user.auth,
      },
    );
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const bad = await fetch(`${base}/api/v1/showtimes/not-a-uuid/seats/stream`, { headers: user.auth });
    expect(bad.status).toBe(400);
  });

  it('starts with a snapshot where an expired hold counts as available', async () => {
    const live = await createBooking(t.ctx.db, user.id, fx.showtimeId);
    const lapsed = await createBooking(t.ctx.db, user.id, fx.showtimeId);
    await hold(t.ctx.db, fx.showtimeId, [fx.seatIds[0]!], live, new Date(Date.now() + 600_000));
    await hold(t.ctx.db, fx.showtimeId, [fx.seatIds[1]!], lapsed, new Date(Date.now() - 1_000));

    const c = await stream(fx.showtimeId, 'query');
    expect(c.status).toBe(200);
    expect(c.contentType).toContain('text/event-stream');
    const snapshot = parse(await c.next('snapshot'));
    expect(snapshot.showtimeId).toBe(fx.showtimeId);
    expect(snapshot.seats).toHaveLength(6);
    const status = Object.fromEntries(snapshot.seats.map((s) => [s.id, s.status]));
    expect(status[fx.seatIds[0]!]).toBe('held');
    expect(status[fx.seatIds[1]!]).toBe('available');
    expect(status[fx.seatIds[2]!]).toBe('available');

    await t.ctx.db
      .updateTable('seat_inventory')
      .set({ status: 'available', booking_id: null, version: sql`version + 1` })
      .where('showtime_id', '=', fx.showtimeId)
      .execute();
    t.ctx.seatFeed.touch(fx.showtimeId);
    // Wait for the reset to come back as an event, so the next test starts from a seat map that has seen it
    // (the feed publishes a few tens of milliseconds after the touch).
    const reset = parse(await c.next('seats', 2_000));
    expect(reset.seats.find((s) => s.id === fx.seatIds[0]!)?.status).toBe('available');
    c.close();
  });

  it('delivers a change committed in another transaction within 2 s, and nothing for a rollback', async () => {
    const c = await stream(fx.showtimeId);
    const snapshot = parse(await c.next('snapshot'));
    const booking = await createBooking(t.ctx.db, user.id, fx.showtimeId);

    // A transaction that rolls back publishes nothing observable, even if someone touched the showtime anyway.
    await t.ctx.db
      .transaction()
      .execute(async (trx) => {
        await hold(trx, fx.showtimeId, [fx.seatIds[3]!], booking, new Date(Date.now() + 600_000));
        throw new Error('rollback');
      })
      .catch(() => undefined);
    t.ctx.seatFeed.touch(fx.showtimeId);
    await expect(c.next('seats', 500)).rejects.toThrow(/no 'seats' event/);

    const started = Date.now();
    await t.ctx.db.transaction().execute(async (trx) => {
      await hold(
        trx,
        fx.showtimeId,
        [fx.seatIds[4]!, fx.seatIds[5]!],
        booking,
        new Date(Date.now() + 600_000),
      );
    });
    t.ctx.seatFeed.touch(fx.showtimeId);
    const event = parse(await c.next('seats', 2_000));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(event.showtimeId).toBe(fx.showtimeId);
    expect(event.seats.map((s) => s.id).sort()).toEqual([fx.seatIds[4]!, fx.seatIds[5]!].sort());
    expect(event.seats.every((s) => s.status === 'held')).toBe(true);
    expect(event.prevVersion).toBe(snapshot.version);
    expect(event.version).toBe(snapshot.version + 2);

    // A version bump alone is an event with no seats (so versions chain); selling the seats is a change.
    await t.ctx.db
      .updateTable('seat_inventory')
      .set({ version: sql`version + 1` })
      .where('showtime_id', '=', fx.showtimeId)
      .execute();
    t.ctx.seatFeed.touch(fx.showtimeId);
    const bump = parse(await c.next('seats'));
    expect(bump).toMatchObject({ prevVersion: event.version, version: event.version + 6, seats: [] });
    await t.ctx.db
      .updateTable('seat_inventory')
      .set({ status: 'sold', version: sql`version + 1` })
      .where('booking_id', '=', booking)
      .execute();
    t.ctx.seatFeed.touch(fx.showtimeId);
    const sold = parse(await c.next('seats'));
    expect(sold.prevVersion).toBe(bump.version);
    expect(sold.seats).toHaveLength(2);
    expect(sold.seats.every((s) => s.status === 'sold')).toBe(true);
    // The rolled-back seat never appeared.
    const seen = c.events.filter((e) => e.event === 'seats').flatMap((e) => parse(e).seats.map((s) => s.id));
    expect(seen).not.toContain(fx.seatIds[3]);
    c.close();
  });

  it('sends a showtime only its own events', async () => {
    const other = await createShowtime(t.ctx.db, 2, 2);
    const c = await stream(fx.showtimeId);
    await c.next('snapshot');
    const booking = await createBooking(t.ctx.db, user.id, other.showtimeId);
    await hold(t.ctx.db, other.showtimeId, other.seatIds, booking, new Date(Date.now() + 600_000));
    t.ctx.seatFeed.touch(other.showtimeId);
    await expect(c.next('seats', 700)).rejects.toThrow(/no 'seats' event/);
    c.close();
  });

  it('announces a large change with one small notification and streams it as one event', async () => {
    const big = await createShowtime(t.ctx.db, 250, 3);
    const raw = new pg.Client({ connectionString: t.config.databaseUrl });
    await raw.connect();
    const payloads: string[] = [];
    raw.on('notification', (m) => payloads.push(m.payload ?? ''));
    await raw.query('LISTEN seat_events');
    const c = await stream(big.showtimeId);
    await c.next('snapshot');

    const booking = await createBooking(t.ctx.db, user.id, big.showtimeId);
    await hold(t.ctx.db, big.showtimeId, big.seatIds, booking, new Date(Date.now() + 600_000));
    // No trigger: the commit itself announces nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(payloads).toEqual([]);
    t.ctx.seatFeed.touch(big.showtimeId);
    t.ctx.seatFeed.touch(big.showtimeId); // coalesced
    const event = parse(await c.next('seats'));
    expect(event.seats.map((s) => s.id).sort()).toEqual([...big.seatIds].sort());
    // This process's own streams hear it at flush, before the NOTIFY reaches other connections.
    await expect.poll(() => payloads.length).toBeGreaterThan(0);
    await raw.end();
    // A touch without the seats it took may have freed some: the origin says so ("-f"; SeatFeed.knownTaken).
    expect(payloads).toEqual([`${big.showtimeId} ${t.ctx.seatFeed.origin}-f`]);
    c.close();
  });

  it('resends a snapshot after the listener reconnects to the database', async () => {
    const fresh = await createShowtime(t.ctx.db, 3, 4);
    const c = await stream(fresh.showtimeId);
    await c.next('snapshot');
    const admin = new pg.Client({ connectionString: t.config.databaseUrl });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'matinee-seat-events' AND datname = current_database()`,
    );
    await admin.end();
    expect(killed.rowCount).toBe(1);

    await c.next('snapshot', 5_000);
    const booking = await createBooking(t.ctx.db, user.id, fresh.showtimeId);
    await hold(t.ctx.db, fresh.showtimeId, [fresh.seatIds[0]!], booking, new Date(Date.now() + 600_000));
    t.ctx.seatFeed.touch(fresh.showtimeId);
    const event = parse(await c.next('seats'));
    expect(event.seats).toEqual([{ id: fresh.seatIds[0], status: 'held' }]);
    c.close();
  });

  it('forgets a client that disconnects, and closes open streams when the server stops', async () => {
    // The routes on their own, with a short heartbeat; the context's feed counts the subscribers.
    const feed = t.ctx.seatFeed;
    const own = await createShowtime(t.ctx.db, 2, 5); // no other test's stream counts here
    const app = Fastify();
    app.setErrorHandler(errorHandler);
    await app.register(authPlugin, { tokens: t.ctx.tokens, sessions: t.ctx.sessions });
    await app.register(seatEventRoutes, { prefix: '/api/v1', ctx: t.ctx, heartbeatMs: 100 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/showtimes/${own.showtimeId}/seats/stream`;

    const first = new SseClient();
    await first.open(url, user.auth);
    await first.next('snapshot');
    await first.next('comment', 1_000); // heartbeat
    expect(feed.subscriberCount(own.showtimeId)).toBe(1);
    first.close();
    await expect.poll(() => feed.subscriberCount(own.showtimeId)).toBe(0);

    const second = new SseClient();
    clients.push(second);
    await second.open(url, user.auth);
    await second.next('snapshot');
    expect(feed.subscriberCount(own.showtimeId)).toBe(1);
    const started = Date.now();
    await app.close(); // would wait forever for the open stream if the plugin did not end it
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(feed.subscriberCount(own.showtimeId)).toBe(0);
  });
});
