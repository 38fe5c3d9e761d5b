import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  createAuditorium,
  createShowtimeFixture,
  createTheater,
  gridLayout,
  type ShowtimeFixture,
} from './helpers/catalog.js';
import { createUser, customerTokens, type TestUser } from './helpers/users.js';

/**
 * Best available through the API, on real PostgreSQL: two app instances (two pools, like two API processes)
 * on real sockets for the races, app.inject for the rest.
 */
let a: TestApp;
let b: TestApp;
let bases: string[];
let admin: TestUser;

beforeAll(async () => {
  const env = { MAX_ACTIVE_HOLDS_PER_USER: '5' };
  a = await createTestApp({ env });
  b = await createTestApp({ env, shareDatabaseOf: a });
  bases = [];
  for (const t of [a, b]) {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = t.app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    bases.push(`http://127.0.0.1:${addr.port}`);
  }
  admin = await createUser(a.app, a.ctx, 'admin');
}, 60_000);
afterAll(async () => {
  await b.close();
  await a.close();
});

interface Seat {
  id: string;
  row: string;
  number: number;
  x: number;
  y: number;
  tier: string;
  status: string;
}
interface HoldAnswer {
  booking?: { id: string; tickets: { seatId: string; row: string; number: number; tier: string }[] };
  seating?: { kind: string; leavesSingle: boolean; rows: string[]; message: string };
  error?: { code: string; message: string };
}

/** A showtime in an auditorium drawn by `rows` (gridLayout), through the admin API. */
async function showtimeIn(rows: ReturnType<typeof gridLayout>): Promise<ShowtimeFixture> {
  const theaterId = await createTheater(a.app, admin);
  const auditoriumId = await createAuditorium(a.app, admin, theaterId, rows);
  return createShowtimeFixture(a.app, admin, { theaterId, auditoriumId });
}

async function seatMap(showtimeId: string): Promise<Seat[]> {
  const res = await a.app.inject({
    method: 'GET',
    url: `/api/v1/showtimes/${showtimeId}/seats`,
    headers: admin.auth,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ seats: Seat[] }>().seats;
}

async function holdBest(user: TestUser, payload: object) {
  const res = await a.app.inject({ method: 'POST', url: '/api/v1/bookings', headers: user.auth, payload });
  return { status: res.statusCode, body: res.json<HoldAnswer>() };
}

function makeTokens(n: number): Promise<string[]> {
  return customerTokens(a.ctx, n, 'Best');
}

/** Free seats alone between taken seats, an aisle (a gap in x) or a row end. */
function singleSeats(seats: Seat[]): Seat[] {
  const at = new Map(seats.map((s) => [`${s.y}:${s.x}`, s]));
  const free = (s: Seat | undefined) => s !== undefined && s.status === 'available';
  return seats.filter(
    (s) => free(s) && !free(at.get(`${s.y}:${s.x - 1}`)) && !free(at.get(`${s.y}:${s.x + 1}`)),
  );
}

/** Runs of adjacent free seats (an aisle ends a run), with their row. */
function freeRuns(seats: Seat[]): { y: number; length: number }[] {
  const sorted = [...seats].sort((p, q) => p.y - q.y || p.x - q.x);
  const out: { y: number; length: number }[] = [];
  let prev: Seat | undefined;
  for (const s of sorted) {
    const continues = prev && prev.y === s.y && prev.x === s.x - 1 && prev.status === 'available';
    if (s.status === 'available') {
      if (continues) out[out.length - 1]!.length++;
      else out.push({ y: s.y, length: 1 });
    }
    prev = s;
  }
  return out;
}

/** Whether these seats are one row of adjacent seats (consecutive x: no aisle inside). */
function isBlock(seats: Seat[]): boolean {
  const sorted = [...seats].sort((p, q) => p.x - q.x);
  return sorted.every((s, i) => s.y === sorted[0]!.y && (i === 0 || s.x === sorted[i - 1]!.x + 1));
}

describe('POST /bookings with a count', () => {
  it('holds the best block: two thirds back, centred, and says so', async () => {
    const st = await showtimeIn(gridLayout(10, 10));
    const user = await createUser(a.app, a.ctx);
    const proposed = await a.app.inject({
      method: 'GET',
      url: `/api/v1/showtimes/${st.showtimeId}/best-seats?count=4`,
      headers: user.auth,
    });
    expect(proposed.statusCode).toBe(200);
    const proposal = proposed.json<{ proposal: { seatIds: string[] }; available: number }>();

    const { status, body } = await holdBest(user, { showtimeId: st.showtimeId, count: 4 });
    expect(status).toBe(201);
    expect(body.seating).toMatchObject({ kind: 'block', leavesSingle: false, rows: ['G'] });
    expect(body.seating!.message).toBe('4 seats together in row G.');
    const held = body.booking!.tickets;
    expect(held.map((t) => `${t.row}${t.number}`)).toEqual(['G4', 'G5', 'G6', 'G7']);
    expect(held.map((t) => t.seatId).sort()).toEqual([...proposal.proposal.seatIds].sort());

    const map = await seatMap(st.showtimeId);
    expect(map.filter((s) => s.status === 'held').map((s) => `${s.row}${s.number}`)).toEqual([
      'G4',
      'G5',
      'G6',
      'G7',
    ]);
  });

  it('proposes without holding; skip walks through different seats', async () => {
    const st = await showtimeIn(gridLayout(4, 8));
    const user = await createUser(a.app, a.ctx);
    const get = async (q: string) => {
      const res = await a.app.inject({
        method: 'GET',
        url: `/api/v1/showtimes/${st.showtimeId}/best-seats?${q}`,
        headers: user.auth,
      });
      return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
    };
    const first = await get('count=4');
    const second = await get('count=4&skip=1');
    expect(first.status).toBe(200);
    // Rows of 8: the centred block of each row (4), leaving pairs at both ends; then the pairs of rows B and
    // C (nearest the ideal row), left and right. A's and D's pairs have no free neighbour row left.
    expect(first.body.available).toBe(6);
    const ids = (r: typeof first) => (r.body.proposal as { seatIds: string[] }).seatIds;
    expect(ids(first).some((id) => ids(second).includes(id))).toBe(false);
    const seen = new Set<string>();
    for (let skip = 0; skip < 6; skip++) {
      for (const id of ids(await get(`count=4&skip=${skip}`))) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    expect((await get('count=4&skip=6')).body.proposal).toBeNull();
    expect((await seatMap(st.showtimeId)).every((s) => s.status === 'available')).toBe(true);
    for (const bad of ['count=0', 'count=11', 'count=4&tier=gold', 'count=4&skip=-1', 'skip=1']) {
      const r = await get(bad);
      expect(r.status, bad).toBe(400);
      expect((r.body.error as { code: string }).code).toBe('VALIDATION_FAILED');
    }
    const missing = await a.app.inject({
      method: 'GET',
      url: `/api/v1/showtimes/${randomUUID()}/best-seats?count=2`,
      headers: user.auth,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('takes the tier asked for; without one, the best value and never accessible spaces', async () => {
    const st = await showtimeIn(gridLayout(4, 6, { premiumRows: [2], accessibleSeats: 6 }));
    const user = await createUser(a.app, a.ctx);
    const premium = await holdBest(user, { showtimeId: st.showtimeId, count: 2, tier: 'premium' });
    expect(premium.status).toBe(201);
    expect(premium.body.booking!.tickets.every((t) => t.tier === 'premium')).toBe(true);
    const value = await holdBest(user, { showtimeId: st.showtimeId, count: 2 });
    expect(value.body.booking!.tickets.every((t) => t.tier === 'standard')).toBe(true);
    const access = await holdBest(user, { showtimeId: st.showtimeId, count: 2, tier: 'accessible' });
    expect(access.body.booking!.tickets.map((t) => t.row)).toEqual(['A', 'A']);
  });

  it('splits into two groups in adjacent rows when no block is left, with a message; 409 when nothing fits', async () => {
    const st = await showtimeIn(gridLayout(2, 5));
    const other = await createUser(a.app, a.ctx);
    const middle = st.seats.filter((s) => s.number === 3).map((s) => s.id);
    const manual = await holdBest(other, { showtimeId: st.showtimeId, seatIds: middle });
    expect(manual.status).toBe(201);

    const user = await createUser(a.app, a.ctx);
    const split = await holdBest(user, { showtimeId: st.showtimeId, count: 4 });
    expect(split.status).toBe(201);
    expect(split.body.seating).toMatchObject({ kind: 'split', rows: ['A', 'B'], leavesSingle: false });
    expect(split.body.seating!.message).toMatch(/split between rows A and B/);
    const held = split.body.booking!.tickets.map((t) => `${t.row}${t.number}`);
    expect(held).toEqual(['A1', 'A2', 'B1', 'B2']);

    const next = await holdBest(user, { showtimeId: st.showtimeId, count: 4 });
    expect(next.status).toBe(201);
    const none = await holdBest(user, { showtimeId: st.showtimeId, count: 2 });
    expect(none.status).toBe(409);
    expect(none.body.error!.code).toBe('NO_SEATS_TOGETHER');
  });

  it('keeps the per-customer limits (not retried as a lost race)', async () => {
    const st = await showtimeIn(gridLayout(4, 12));
    const user = await createUser(a.app, a.ctx);
    expect((await holdBest(user, { showtimeId: st.showtimeId, count: 10 })).status).toBe(201);
    const over = await holdBest(user, { showtimeId: st.showtimeId, count: 1 });
    expect(over.status).toBe(409);
    expect(over.body.error!.code).toBe('SEAT_LIMIT_REACHED');
  });

  it('rejects a body with both seatIds and count, or neither, with a clear 400', async () => {
    const st = await showtimeIn(gridLayout(2, 4));
    const user = await createUser(a.app, a.ctx);
    const cases: [object, RegExp][] = [
      [{ showtimeId: st.showtimeId, seatIds: [st.seatIds[0]], count: 1 }, /either seatIds, or count/],
      [{ showtimeId: st.showtimeId, seatIds: [st.seatIds[0]], tier: 'premium' }, /either seatIds, or count/],
      [{ showtimeId: st.showtimeId }, /Send seatIds .* or count/],
      [{ showtimeId: st.showtimeId, count: 0 }, /count/],
      [{ showtimeId: st.showtimeId, count: 11 }, /count/],
      [{ showtimeId: st.showtimeId, count: '4' }, /count/],
      [{ showtimeId: st.showtimeId, count: 2, tier: 'gold' }, /tier/],
      [{ showtimeId: 'nope', count: 2 }, /showtimeId/],
    ];
    for (const [payload, message] of cases) {
      const r = await holdBest(user, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(r.body.error!.code).toBe('VALIDATION_FAILED');
      expect(r.body.error!.message).toMatch(message);
    }
    const missing = await holdBest(user, { showtimeId: randomUUID(), count: 2 });
    expect(missing.status).toBe(404);
  });
});

describe('best available under concurrency', () => {
  it('50 simultaneous requests for 4 seats: no seat shared, every one a block, no single seat left', async () => {
    // 12 rows of 8 | aisle | 12: 60 blocks of 4 fit without a gap; 50 requests take 200 of 240 seats.
    const st = await showtimeIn(gridLayout(12, 20, { aisleAfter: 8 }));
    const tokens = await makeTokens(50);
    const results = await Promise.all(
      tokens.map(async (token, i) => {
        const res = await fetch(`${bases[i % bases.length]}/api/v1/bookings`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ showtimeId: st.showtimeId, count: 4 }),
        });
        return { status: res.status, body: (await res.json()) as HoldAnswer };
      }),
    );
    // A lost race chooses again: nobody is told 409 while blocks are left.
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));

    const map = await seatMap(st.showtimeId);
    const byId = new Map(map.map((s) => [s.id, s]));
    const all = results.flatMap((r) => r.body.booking!.tickets.map((t) => t.seatId));
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    for (const r of results) {
      expect(r.body.seating).toMatchObject({ kind: 'block', leavesSingle: false });
      expect(isBlock(r.body.booking!.tickets.map((t) => byId.get(t.seatId)!))).toBe(true);
    }
    // The map agrees with the answers, and the database with the map.
    expect(
      map
        .filter((s) => s.status === 'held')
        .map((s) => s.id)
        .sort(),
    ).toEqual([...all].sort());
    const db = await sql<{ held: number; tickets: number }>`
      SELECT (SELECT count(*) FROM seat_inventory WHERE showtime_id = ${st.showtimeId} AND status = 'held')::int AS held,
             (SELECT count(*) FROM tickets WHERE showtime_id = ${st.showtimeId} AND status = 'held')::int AS tickets`.execute(
      a.ctx.db,
    );
    expect(db.rows[0]).toEqual({ held: 200, tickets: 200 });
    expect(singleSeats(map).map((s) => `${s.row}${s.number}`)).toEqual([]);

    // Then one customer after another until nothing fits: each gets seats, then the last is told so, and
    // then indeed no 4 together and no two pairs in adjacent rows are left.
    const more = await makeTokens(12);
    let last: { status: number; body: HoldAnswer } | undefined;
    let granted = 0;
    for (const token of more) {
      const res = await fetch(`${bases[0]}/api/v1/bookings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ showtimeId: st.showtimeId, count: 4 }),
      });
      last = { status: res.status, body: (await res.json()) as HoldAnswer };
      if (last.status !== 201) break;
      granted++;
    }
    expect(granted).toBeGreaterThanOrEqual(8);
    expect(last!.status).toBe(409);
    expect(last!.body.error!.code).toBe('NO_SEATS_TOGETHER');
    const runs = freeRuns(await seatMap(st.showtimeId));
    expect(runs.some((r) => r.length >= 4)).toBe(false);
    expect(runs.some((r) => r.length >= 2 && runs.some((q) => q.y === r.y + 1 && q.length >= 2))).toBe(false);
  }, 60_000);
});
