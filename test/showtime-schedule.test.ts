import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createAuditorium, createMovie, createTheater, gridLayout } from './helpers/catalog.js';
import { createUser, type TestUser } from './helpers/users.js';

/** Scheduling in the console: cleaning time per theater, named overlaps, bulk create, a theater's week. */
let t: TestApp;
let admin: TestUser;
let staff: TestUser;
let customer: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.app, t.ctx, 'admin');
  staff = await createUser(t.app, t.ctx, 'staff');
  customer = await createUser(t.app, t.ctx, 'customer');
});
afterAll(async () => t.close());

type Method = 'GET' | 'POST' | 'PATCH';
const call = (method: Method, url: string, payload?: unknown, user: TestUser | null = admin) =>
  t.app.inject({
    method,
    url: `/api/v1/admin${url}`,
    headers: user ? user.auth : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Whole hours from now, on the hour. */
const inHours = (h: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + h * HOUR);
const MISSING = '00000000-0000-4000-8000-000000000000';

interface Conflict {
  showtimeId: string | null;
  itemIndex?: number;
  movie: { id: string; title: string };
  auditorium: { id: string; name: string };
  startsAt: string;
  endsAt: string;
  cleaningMinutes: number;
  timeZone: string;
}
interface Showtime {
  id: string;
  startsAt: string;
  endsAt: string;
  cleaningMinutes: number;
  auditorium: { id: string };
  movie: { id: string; title: string };
  seats: { sold: number };
}

async function showtimeCount(auditoriumId: string): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('showtimes')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('auditorium_id', '=', auditoriumId)
    .executeTakeFirstOrThrow();
  return row.n;
}

async function auditCount(action: string, theaterId: string): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('audit_log')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('action', '=', action)
    .where('theater_id', '=', theaterId)
    .executeTakeFirstOrThrow();
  return row.n;
}

describe('access', () => {
  const routes: [Method, string, unknown?][] = [
    ['POST', '/showtimes/bulk', { showtimes: [] }],
    ['GET', `/theaters/${MISSING}/schedule?from=2030-01-01T00:00:00Z&to=2030-01-08T00:00:00Z`],
  ];
  it.each(routes)('%s %s: 401 without a token, 403 for customers and staff', async (method, url, body) => {
    expect((await call(method, url, body, null)).statusCode).toBe(401);
    for (const user of [customer, staff]) {
      const res = await call(method, url, body, user);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });
});

describe('cleaning time per theater', () => {
  let theaterId: string;
  let auditoriumId: string;
  let movieId: string;
  const start = inHours(72);

  beforeAll(async () => {
    theaterId = await createTheater(t.app, admin, { name: 'Quick Turn', timeZone: 'America/Chicago' });
    auditoriumId = await createAuditorium(t.app, admin, theaterId, gridLayout(2, 3), 'Screen 1');
    movieId = await createMovie(t.app, admin, { title: 'Ninety', runtimeMinutes: 90 });
  });

  it('defaults to 15 minutes and is changed (and audited) on the theater', async () => {
    const before = await call('GET', `/theaters/${theaterId}`);
    expect(before.json()).toMatchObject({ theater: { cleaningMinutes: 15 } });
    const res = await call('PATCH', `/theaters/${theaterId}`, { cleaningMinutes: 30 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ theater: { cleaningMinutes: 30 } });
    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('action', '=', 'theater.update')
      .where('theater_id', '=', theaterId)
      .orderBy('at', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry.before).toMatchObject({ cleaningMinutes: 15 });
    expect(entry.after).toMatchObject({ cleaningMinutes: 30 });
  });

  it('refuses cleaning times outside 0-240 minutes', async () => {
    for (const cleaningMinutes of [-1, 241, 1.5, '15']) {
      const res = await call('PATCH', `/theaters/${theaterId}`, { cleaningMinutes });
      expect(res.statusCode, String(cleaningMinutes)).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it("gives new showtimes the theater's cleaning time and uses it for overlaps, naming the conflict", async () => {
    const first = await call('POST', '/showtimes', {
      auditoriumId,
      movieId,
      startsAt: start.toISOString(),
      prices: { standard: 1000 },
    });
    expect(first.statusCode, first.body).toBe(201);
    const { showtime } = first.json<{ showtime: Showtime }>();
    expect(showtime.cleaningMinutes).toBe(30);
    expect(showtime.endsAt).toBe(new Date(start.getTime() + 120 * MIN).toISOString());

    // 90 min film + 30 min cleaning: starting 110 minutes later (fine with 15) overlaps now.
    const overlap = await call('POST', '/showtimes', {
      auditoriumId,
      movieId,
      startsAt: new Date(start.getTime() + 110 * MIN).toISOString(),
      prices: { standard: 1000 },
    });
    expect(overlap.statusCode).toBe(409);
    const error = overlap.json<{ error: { code: string; message: string; conflict: Conflict } }>().error;
    expect(error).toMatchObject({
      code: 'SHOWTIME_OVERLAP',
      conflictingShowtimeId: showtime.id,
      conflict: {
        showtimeId: showtime.id,
        movie: { id: movieId, title: 'Ninety' },
        auditorium: { id: auditoriumId, name: 'Screen 1' },
        startsAt: start.toISOString(),
        endsAt: showtime.endsAt,
        cleaningMinutes: 30,
        timeZone: 'America/Chicago',
      },
    });
    // The message names the movie, auditorium and times in the theater's zone.
    const local = new Intl.DateTimeFormat('en-US', {
      hour: 'numeric',
      minute: '2-digit',
      timeZone: 'America/Chicago',
    });
    expect(error.message).toContain('"Ninety" in Screen 1');
    expect(error.message).toContain(local.format(start));
    expect(error.message).toContain(local.format(new Date(showtime.endsAt)));
    expect(error.message).toContain('30 min cleaning');

    const backToBack = await call('POST', '/showtimes', {
      auditoriumId,
      movieId,
      startsAt: new Date(start.getTime() + 120 * MIN).toISOString(),
      prices: { standard: 1000 },
    });
    expect(backToBack.statusCode, backToBack.body).toBe(201);
  });

  it('keeps the cleaning time existing showtimes were given when the theater changes it', async () => {
    const res = await call('PATCH', `/theaters/${theaterId}`, { cleaningMinutes: 5 });
    expect(res.statusCode, res.body).toBe(200);
    const list = await call('GET', `/showtimes?auditoriumId=${auditoriumId}`);
    const showtimes = list.json<{ showtimes: Showtime[] }>().showtimes;
    expect(showtimes.map((s) => s.cleaningMinutes)).toEqual([30, 30]);
    expect(Date.parse(showtimes[0]!.endsAt) - Date.parse(showtimes[0]!.startsAt)).toBe(120 * MIN);
    const back = await call('PATCH', `/theaters/${theaterId}`, { cleaningMinutes: 30 });
    expect(back.statusCode).toBe(200);
  });

  it('names the conflict when a move lands on another showtime', async () => {
    const [a, b] = await t.ctx.db
      .selectFrom('showtimes')
      .select(['id', 'starts_at'])
      .where('auditorium_id', '=', auditoriumId)
      .orderBy('starts_at')
      .execute();
    const res = await call('PATCH', `/showtimes/${b!.id}`, {
      startsAt: new Date(a!.starts_at.getTime() + 60 * MIN).toISOString(),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: { code: 'SHOWTIME_OVERLAP', conflict: { showtimeId: a!.id, movie: { title: 'Ninety' } } },
    });
  });
});

describe('POST /admin/showtimes/bulk', () => {
  let theaterId: string;
  let screenA: string;
  let screenB: string;
  let movieId: string;
  let blockerId: string;
  const day0 = inHours(24 * 10);
  /** The same time on seven days in two auditoriums. */
  const week = (auditoriumIds: string[], at = day0) =>
    auditoriumIds.flatMap((auditoriumId) =>
      Array.from({ length: 7 }, (_, i) => ({
        auditoriumId,
        movieId,
        startsAt: new Date(at.getTime() + i * DAY).toISOString(),
        prices: { standard: 1400, premium: 1900 },
        ticketTypes: { child: 300 },
      })),
    );

  beforeAll(async () => {
    theaterId = await createTheater(t.app, admin, { name: 'Bulk House' });
    screenA = await createAuditorium(t.app, admin, theaterId, gridLayout(2, 2), 'A');
    screenB = await createAuditorium(t.app, admin, theaterId, gridLayout(2, 2), 'B');
    movieId = await createMovie(t.app, admin, { title: 'Weekly', runtimeMinutes: 100 });
    // Day 3 in A already has something 30 minutes after the batch's time.
    const blocker = await call('POST', '/showtimes', {
      auditoriumId: screenA,
      movieId,
      startsAt: new Date(day0.getTime() + 3 * DAY + 30 * MIN).toISOString(),
      prices: { standard: 1000 },
    });
    expect(blocker.statusCode, blocker.body).toBe(201);
    blockerId = blocker.json<{ showtime: { id: string } }>().showtime.id;
  });

  it('dry run: reports each item and its conflicts, creates nothing', async () => {
    const res = await call('POST', '/showtimes/bulk', { dryRun: true, showtimes: week([screenA, screenB]) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      dryRun: true;
      ok: boolean;
      items: { index: number; endsAt: string; conflicts: Conflict[] }[];
    }>();
    expect(body.ok).toBe(false);
    expect(body.items).toHaveLength(14);
    expect(body.items[0]!.endsAt).toBe(new Date(day0.getTime() + 115 * MIN).toISOString());
    const conflicted = body.items.filter((i) => i.conflicts.length > 0);
    expect(conflicted.map((i) => i.index)).toEqual([3]);
    expect(conflicted[0]!.conflicts).toEqual([
      expect.objectContaining({
        showtimeId: blockerId,
        movie: { id: movieId, title: 'Weekly' },
        auditorium: { id: screenA, name: 'A' },
        cleaningMinutes: 15,
      }),
    ]);
    expect(await showtimeCount(screenA)).toBe(1);
    expect(await showtimeCount(screenB)).toBe(0);
  });

  it('refuses the whole batch with 409 when one item conflicts: nothing created, nothing audited', async () => {
    const audits = await auditCount('showtime.create', theaterId);
    const res = await call('POST', '/showtimes/bulk', { showtimes: week([screenA, screenB]) });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: {
        code: 'SHOWTIME_BULK_CONFLICT',
        items: [{ index: 3, conflicts: [{ showtimeId: blockerId }] }],
      },
    });
    expect(res.json<{ error: { message: string } }>().error.message).toContain('"Weekly" in A');
    expect(await showtimeCount(screenA)).toBe(1);
    expect(await showtimeCount(screenB)).toBe(0);
    expect(await auditCount('showtime.create', theaterId)).toBe(audits);
  });

  it('finds items of the same batch that overlap each other', async () => {
    const [first, second] = week([screenB]);
    // Item 2 starts an hour into item 1 (day 1, same auditorium).
    const items = [
      first!,
      second!,
      { ...second!, startsAt: new Date(day0.getTime() + DAY + HOUR).toISOString() },
    ];
    const res = await call('POST', '/showtimes/bulk', { dryRun: true, showtimes: items });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ ok: boolean; items: { index: number; conflicts: Conflict[] }[] }>();
    expect(body.ok).toBe(false);
    expect(body.items[0]!.conflicts).toEqual([]);
    expect(body.items[1]!.conflicts).toEqual([expect.objectContaining({ showtimeId: null, itemIndex: 2 })]);
    expect(body.items[2]!.conflicts).toEqual([expect.objectContaining({ showtimeId: null, itemIndex: 1 })]);
    const real = await call('POST', '/showtimes/bulk', { showtimes: items });
    expect(real.statusCode).toBe(409);
    expect(await showtimeCount(screenB)).toBe(0);
  });

  it('creates every showtime of a clean batch with its inventory and one audit entry each', async () => {
    const later = new Date(day0.getTime() + 4 * HOUR);
    const audits = await auditCount('showtime.create', theaterId);
    const dry = await call('POST', '/showtimes/bulk', {
      dryRun: true,
      showtimes: week([screenA, screenB], later),
    });
    expect(dry.json()).toMatchObject({ dryRun: true, ok: true });
    const res = await call('POST', '/showtimes/bulk', { showtimes: week([screenA, screenB], later) });
    expect(res.statusCode, res.body).toBe(201);
    const { showtimes } = res.json<{ showtimes: (Showtime & { ticketTypes: { type: string }[] })[] }>();
    expect(showtimes).toHaveLength(14);
    expect(showtimes[0]).toMatchObject({
      startsAt: later.toISOString(),
      auditorium: { id: screenA },
      movie: { id: movieId },
      cleaningMinutes: 15,
      prices: { standard: 1400, premium: 1900 },
      seats: { total: 4, available: 4, sold: 0 },
    });
    expect(showtimes[0]!.ticketTypes.map((x) => x.type)).toEqual(['adult', 'child']);
    expect(await showtimeCount(screenA)).toBe(8);
    expect(await showtimeCount(screenB)).toBe(7);
    expect(await auditCount('showtime.create', theaterId)).toBe(audits + 14);
    const logged = await t.ctx.db
      .selectFrom('audit_log')
      .select('subject_id')
      .where('action', '=', 'showtime.create')
      .where('theater_id', '=', theaterId)
      .execute();
    const loggedIds = new Set(logged.map((r) => r.subject_id));
    for (const s of showtimes) expect(loggedIds.has(s.id)).toBe(true);
  });

  it('validates items and names the item in the field path', async () => {
    const items = week([screenA], inHours(24 * 40)).slice(0, 3);
    const past = await call('POST', '/showtimes/bulk', {
      showtimes: [items[0], { ...items[1], startsAt: new Date(Date.now() - HOUR).toISOString() }],
    });
    expect(past.statusCode).toBe(400);
    expect(past.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', fields: [{ field: 'body.showtimes.1.startsAt' }] },
    });
    const language = await call('POST', '/showtimes/bulk', {
      showtimes: [{ ...items[0], presentation: 'subtitled' }],
    });
    expect(language.statusCode).toBe(400);
    expect(language.json()).toMatchObject({
      error: { code: 'PRESENTATION_LANGUAGE_REQUIRED', field: 'body.showtimes.0.presentationLanguage' },
    });
    for (const body of [
      { showtimes: [] },
      { showtimes: Array.from({ length: 101 }, () => items[0]) },
      { showtimes: [{ ...items[0], extra: 1 }] },
      { showtimes: items, dryRun: 'yes' },
      { items },
    ]) {
      const res = await call('POST', '/showtimes/bulk', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const unknownMovie = await call('POST', '/showtimes/bulk', {
      showtimes: [{ ...items[0], movieId: MISSING }],
    });
    expect(unknownMovie.statusCode).toBe(404);
    expect(unknownMovie.json()).toMatchObject({ error: { code: 'MOVIE_NOT_FOUND' } });
    expect(await showtimeCount(screenA)).toBe(8);
  });

  it('refuses a batch in a closed theater, creating nothing', async () => {
    const closedId = await createTheater(t.app, admin, { name: 'Shut' });
    const screen = await createAuditorium(t.app, admin, closedId, gridLayout(1, 2), 'S');
    expect((await call('PATCH', `/theaters/${closedId}`, { closed: true })).statusCode).toBe(200);
    const res = await call('POST', '/showtimes/bulk', {
      showtimes: week([screen], inHours(24 * 50)).slice(0, 2),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'THEATER_CLOSED' } });
    expect(await showtimeCount(screen)).toBe(0);
  });

  it('two overlapping batches sent at once: one wins whole, the other gets a 409 and creates nothing', async () => {
    const at = inHours(24 * 60);
    const one = week([screenA], at).slice(0, 3);
    const two = week([screenA], new Date(at.getTime() + 30 * MIN)).slice(0, 3);
    const before = await showtimeCount(screenA);
    const [r1, r2] = await Promise.all([
      call('POST', '/showtimes/bulk', { showtimes: one }),
      call('POST', '/showtimes/bulk', { showtimes: two }),
    ]);
    expect([r1.statusCode, r2.statusCode].sort()).toEqual([201, 409]);
    const loser = r1.statusCode === 409 ? r1 : r2;
    expect(['SHOWTIME_BULK_CONFLICT', 'SHOWTIME_OVERLAP']).toContain(
      loser.json<{ error: { code: string } }>().error.code,
    );
    expect(await showtimeCount(screenA)).toBe(before + 3);
  });
});

describe('GET /admin/theaters/:id/schedule', () => {
  let theaterId: string;
  let screen: string;
  let movieId: string;
  const monday = inHours(24 * 20);

  beforeAll(async () => {
    theaterId = await createTheater(t.app, admin, { name: 'Week View', timeZone: 'Europe/Berlin' });
    screen = await createAuditorium(t.app, admin, theaterId, gridLayout(1, 2), 'Only');
    await createAuditorium(t.app, admin, theaterId, gridLayout(1, 2), 'Empty');
    movieId = await createMovie(t.app, admin, { title: 'Scheduled', runtimeMinutes: 60 });
    const res = await call('POST', '/showtimes/bulk', {
      showtimes: [0, 1, 8].map((d) => ({
        auditoriumId: screen,
        movieId,
        startsAt: new Date(monday.getTime() + d * DAY).toISOString(),
        prices: { standard: 900 },
      })),
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it("lists the theater's lanes and the showtimes in the range with titles and counts", async () => {
    const from = new Date(monday.getTime() - HOUR).toISOString();
    const to = new Date(monday.getTime() + 7 * DAY).toISOString();
    const res = await call('GET', `/theaters/${theaterId}/schedule?from=${from}&to=${to}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      theater: { timeZone: string; cleaningMinutes: number };
      auditoriums: { name: string }[];
      showtimes: Showtime[];
    }>();
    expect(body.theater).toMatchObject({ timeZone: 'Europe/Berlin', cleaningMinutes: 15 });
    expect(body.auditoriums.map((a) => a.name)).toEqual(['Empty', 'Only']);
    expect(body.showtimes).toHaveLength(2);
    expect(body.showtimes[0]).toMatchObject({
      startsAt: monday.toISOString(),
      movie: { title: 'Scheduled' },
      seats: { sold: 0 },
    });
  });

  it('refuses ranges that are backwards or longer than 14 days, and unknown theaters', async () => {
    const a = monday.toISOString();
    const b = new Date(monday.getTime() + 15 * DAY).toISOString();
    for (const q of [`from=${b}&to=${a}`, `from=${a}&to=${b}`, `from=${a}`, `from=nope&to=${b}`]) {
      const res = await call('GET', `/theaters/${theaterId}/schedule?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const missing = await call(
      'GET',
      `/theaters/${MISSING}/schedule?from=${a}&to=${new Date(monday.getTime() + DAY).toISOString()}`,
    );
    expect(missing.statusCode).toBe(404);
  });
});
