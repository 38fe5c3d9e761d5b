import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, seatStatuses, type ShowtimeFixture } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * The crowd's conflicts refused from memory (HOLD_REFUSE_FROM_MEMORY_MS, SeatFeed.knownTaken): a hold asking
 * for a seat the process knows is taken is answered 409 without a database round trip, and memory never
 * refuses a seat it cannot know is still taken (too old a read, a release in this process or announced by
 * another). The database's answer is the same as memory's in every case; what the tests check is whether it
 * was asked, by counting checkouts of the app's pool.
 */
let a: TestApp;
let b: TestApp;
let short: TestApp;
let off: TestApp;

beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp({ shareDatabaseOf: a }); // a second API process on the same database
  short = await createTestApp({ shareDatabaseOf: a, env: { HOLD_REFUSE_FROM_MEMORY_MS: '200' } });
  off = await createTestApp({ shareDatabaseOf: a, env: { HOLD_REFUSE_FROM_MEMORY_MS: '0' } });
}, 60_000);

afterAll(async () => {
  for (const t of [off, short, b, a]) await t?.close();
});

async function customer(t: TestApp): Promise<TestUser> {
  const u = await createUser(t.app, t.ctx);
  // Its session is checked once per token and cached: later requests are the booking's own work.
  await t.app.inject({ method: 'GET', url: '/api/v1/bookings', headers: u.auth });
  return u;
}

function onProcess(t: TestApp, u: TestUser) {
  return {
    /** Loads the seat map once this process listens to the seat feed: the read it makes can then be trusted. */
    map: async () => {
      const load = () => t.app.inject({ method: 'GET', url: `/api/v1/showtimes/${show.showtimeId}/seats` });
      expect((await load()).statusCode).toBe(200); // starts the feed's LISTEN
      for (let i = 0; i < 200 && !t.ctx.seatFeed.isListening; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(t.ctx.seatFeed.isListening).toBe(true);
      expect((await load()).statusCode).toBe(200);
    },
    hold: (seatIds: string[]) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: u.auth,
        payload: { showtimeId: show.showtimeId, seatIds },
      }),
    cancel: (bookingId: string) =>
      t.app.inject({ method: 'DELETE', url: `/api/v1/bookings/${bookingId}`, headers: u.auth }),
  };
}

/** Checkouts of the app pool while `work` runs: 0 means the database was not asked. */
async function checkouts<T>(t: TestApp, work: () => Promise<T>): Promise<{ result: T; checkouts: number }> {
  let n = 0;
  const count = () => n++;
  t.ctx.pool.on('acquire', count);
  try {
    return { result: await work(), checkouts: n };
  } finally {
    t.ctx.pool.off('acquire', count);
  }
}

let show: ShowtimeFixture;

beforeAll(async () => {
  show = await createShowtime(a.ctx.db);
});

describe('holds refused from memory', () => {
  it("refuses a seat this process's hold just took without asking the database; a cancel here lifts it at once", async () => {
    const alice = onProcess(a, await customer(a));
    const bob = onProcess(a, await customer(a));
    const [s1, s2, s3] = show.seatIds.slice(0, 3) as [string, string, string];
    await bob.map(); // the showtime is in this process's memory
    const held = await alice.hold([s1, s2]);
    expect(held.statusCode, held.body).toBe(201);

    const refused = await checkouts(a, () => bob.hold([s2, s3]));
    expect(refused.result.statusCode).toBe(409);
    expect(refused.result.json()).toMatchObject({ error: { code: 'SEATS_UNAVAILABLE', seatIds: [s2] } });
    expect(refused.checkouts).toBe(0);
    expect((await seatStatuses(a.ctx.db, show.showtimeId)).get(s3)).toBe('available');
    // Operators see them counted.
    const metrics = await a.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/matinee_holds_refused_from_memory_total\{waited="no"\} [1-9]/);

    // Alice changes her mind; Bob asks again at once, before any seat map is read: the database decides.
    const bookingId = held.json<{ booking: { id: string } }>().booking.id;
    expect((await alice.cancel(bookingId)).statusCode).toBe(200);
    const granted = await checkouts(a, () => bob.hold([s2, s3]));
    expect(granted.result.statusCode, granted.result.body).toBe(201);
    expect(granted.checkouts).toBeGreaterThan(0);
  });

  it('lets one of two holds of this process for the same seat ask the database; the other waits and is refused from memory', async () => {
    const carol = onProcess(a, await customer(a));
    const dave = onProcess(a, await customer(a));
    const [s, t1, t2] = show.seatIds.slice(40, 43) as [string, string, string];
    await carol.map();
    const both = await checkouts(a, () => Promise.all([carol.hold([s, t1]), dave.hold([s, t2])]));
    expect(both.result.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(both.checkouts).toBe(1);
    expect((await a.app.inject({ url: '/metrics' })).body).toMatch(
      /matinee_holds_refused_from_memory_total\{waited="yes"\} [1-9]/,
    );
    const loser = both.result.find((r) => r.statusCode === 409)!;
    expect(loser.json()).toMatchObject({ error: { code: 'SEATS_UNAVAILABLE', seatIds: [s] } });
    // Holds for other seats do not wait for each other.
    const apart = await checkouts(a, () =>
      Promise.all([carol.hold([show.seatIds[44]!]), dave.hold([show.seatIds[45]!])]),
    );
    expect(apart.result.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(apart.checkouts).toBe(2);
  });

  it('asks the database when the read that showed the seat taken is older than HOLD_REFUSE_FROM_MEMORY_MS', async () => {
    const alice = onProcess(a, await customer(a));
    const bob = onProcess(short, await customer(short));
    const [s] = show.seatIds.slice(10, 11) as [string];
    expect((await alice.hold([s])).statusCode).toBe(201);
    await bob.map(); // read after Alice's hold: shows the seat held

    const fresh = await checkouts(short, () => bob.hold([s]));
    expect(fresh.result.statusCode).toBe(409);
    expect(fresh.checkouts).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, 250)); // the read is now older than 200 ms
    const old = await checkouts(short, () => bob.hold([s]));
    expect(old.result.statusCode).toBe(409);
    expect(old.result.json()).toMatchObject({ error: { code: 'SEATS_UNAVAILABLE', seatIds: [s] } });
    expect(old.checkouts).toBeGreaterThan(0);
  });

  it('stops refusing from memory when another process announces it freed seats, before this one reads them again', async () => {
    const alice = onProcess(a, await customer(a));
    const bob = onProcess(b, await customer(b));
    const [s] = show.seatIds.slice(20, 21) as [string];
    const held = await alice.hold([s]);
    expect(held.statusCode).toBe(201);
    await bob.map(); // process b reads the seat as held
    const refused = await checkouts(b, () => bob.hold([s]));
    expect(refused.result.statusCode).toBe(409);
    expect(refused.checkouts).toBe(0);

    // Alice cancels on process a, whose notice says seats may have been freed (flushed every 30 ms).
    expect((await alice.cancel(held.json<{ booking: { id: string } }>().booking.id)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // No seat map was read on b since: its memory still shows the seat held, but may not say so any more.
    const granted = await checkouts(b, () => bob.hold([s]));
    expect(granted.result.statusCode, granted.result.body).toBe(201);
    expect(granted.checkouts).toBeGreaterThan(0);
  });

  it('asks the database for every hold with HOLD_REFUSE_FROM_MEMORY_MS=0', async () => {
    const alice = onProcess(a, await customer(a));
    const bob = onProcess(off, await customer(off));
    const [s] = show.seatIds.slice(30, 31) as [string];
    expect((await alice.hold([s])).statusCode).toBe(201);
    await bob.map();
    const res = await checkouts(off, () => bob.hold([s]));
    expect(res.result.statusCode).toBe(409);
    expect(res.checkouts).toBeGreaterThan(0);
  });
});
