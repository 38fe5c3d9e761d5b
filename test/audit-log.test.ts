import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  createAuditorium,
  createMovie,
  createShowtime,
  createTheater,
  gridLayout,
} from './helpers/catalog.js';
import { createUser, type TestUser } from './helpers/users.js';

/** Every operator action through the admin API is logged with who, when, what, before and after. */
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

interface Entry {
  id: string;
  at: string;
  actor: { id: string | null; email: string };
  action: string;
  subjectType: string;
  subjectId: string;
  theaterId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
  requestId: string | null;
}
interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown, user: TestUser = admin) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: user.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function log(query: string): Promise<Page> {
  const res = await call('GET', `/admin/audit-log?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
}

const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + h * HOUR);

describe('audit log', () => {
  it('records theater, auditorium, movie and showtime changes with actor, before and after', async () => {
    const theaterId = await createTheater(t.app, admin, { name: 'Audit Plaza' });
    expect((await call('PATCH', `/admin/theaters/${theaterId}`, { name: 'Audit Palace' })).statusCode).toBe(
      200,
    );
    expect((await call('PATCH', `/admin/theaters/${theaterId}`, { closed: true })).statusCode).toBe(200);
    expect((await call('PATCH', `/admin/theaters/${theaterId}`, { closed: false })).statusCode).toBe(200);
    const auditoriumId = await createAuditorium(t.app, admin, theaterId, gridLayout(2, 4), 'Screen A');
    const saved = await call('PUT', `/admin/auditoriums/${auditoriumId}/layout`, {
      baseVersion: 1,
      rows: gridLayout(3, 4),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const movieId = await createMovie(t.app, admin, { title: 'Audit Movie', runtimeMinutes: 90 });
    const showtimeId = await createShowtime(t.app, admin, { auditoriumId, movieId, startsAt: inHours(30) });
    const priced = await call('PATCH', `/admin/showtimes/${showtimeId}`, { prices: { standard: 1500 } });
    expect(priced.statusCode, priced.body).toBe(200);

    const { entries } = await log(`theaterId=${theaterId}&limit=200`);
    expect(entries.map((e) => e.action)).toEqual([
      'showtime.update',
      'showtime.create',
      'auditorium.save_layout',
      'auditorium.create',
      'theater.reopen',
      'theater.close',
      'theater.update',
      'theater.create',
    ]);
    for (const entry of entries) {
      expect(entry.actor).toEqual({ id: admin.id, email: admin.email });
      expect(entry.theaterId).toBe(theaterId);
      expect(entry.requestId).toEqual(expect.any(String));
    }
    const byAction = new Map(entries.map((e) => [e.action, e]));
    expect(byAction.get('theater.create')).toMatchObject({ before: null, after: { name: 'Audit Plaza' } });
    expect(byAction.get('theater.update')).toMatchObject({
      before: { name: 'Audit Plaza' },
      after: { name: 'Audit Palace' },
    });
    expect(byAction.get('theater.close')?.after?.closedAt).toEqual(expect.any(String));
    expect(byAction.get('auditorium.save_layout')).toMatchObject({
      subjectId: auditoriumId,
      before: { layoutVersion: 1, seatCount: 8 },
      after: { layoutVersion: 2, seatCount: 12 },
    });
    expect(byAction.get('showtime.update')).toMatchObject({
      subjectId: showtimeId,
      before: { prices: { standard: 1200 } },
      after: { prices: { standard: 1500 } },
    });

    const movie = await log(`subjectType=movie&subjectId=${movieId}`);
    expect(movie.entries).toHaveLength(1);
    expect(movie.entries[0]).toMatchObject({ action: 'movie.create', after: { title: 'Audit Movie' } });

    expect((await call('DELETE', `/admin/showtimes/${showtimeId}`)).statusCode).toBe(204);
    const deleted = await log(`subjectType=showtime&subjectId=${showtimeId}&action=showtime.delete`);
    expect(deleted.entries).toHaveLength(1);
    expect(deleted.entries[0]).toMatchObject({ before: { id: showtimeId }, after: null });
  });

  it('writes nothing for a change that fails, and nothing for reads', async () => {
    const theaterId = await createTheater(t.app, admin);
    const auditoriumId = await createAuditorium(t.app, admin, theaterId, gridLayout(1, 4));
    const movieId = await createMovie(t.app, admin, { runtimeMinutes: 120 });
    const startsAt = inHours(50);
    await createShowtime(t.app, admin, { auditoriumId, movieId, startsAt });
    const before = (await log(`theaterId=${theaterId}&limit=200`)).entries.length;

    const overlap = await call('POST', '/admin/showtimes', {
      auditoriumId,
      movieId,
      startsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
      prices: { standard: 1000 },
    });
    expect(overlap.statusCode).toBe(409);
    const stale = await call('PUT', `/admin/auditoriums/${auditoriumId}/layout`, {
      baseVersion: 7,
      rows: gridLayout(1, 5),
    });
    expect(stale.statusCode).toBe(409);
    expect((await call('GET', `/admin/theaters/${theaterId}`)).statusCode).toBe(200);
    expect((await log(`theaterId=${theaterId}&limit=200`)).entries).toHaveLength(before);
  });

  it('records role changes, and keeps the actor email after the actor account is gone', async () => {
    const other = await createUser(t.app, t.ctx, 'customer');
    const res = await call('PATCH', `/admin/users/${other.id}`, { role: 'staff' });
    expect(res.statusCode, res.body).toBe(200);
    const { entries } = await log(`subjectType=user&subjectId=${other.id}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'user.change_role',
      actor: { id: admin.id, email: admin.email },
      before: { role: 'customer' },
      after: { role: 'staff' },
    });

    const temp = await createUser(t.app, t.ctx, 'admin');
    await call('PATCH', `/admin/users/${other.id}`, { role: 'customer' }, temp);
    await t.ctx.db.deleteFrom('users').where('id', '=', temp.id).execute();
    const after = await log(`subjectType=user&subjectId=${other.id}`);
    expect(after.entries[0]).toMatchObject({
      actor: { id: null, email: temp.email },
      after: { role: 'customer' },
    });
  });

  it('pages newest first with a cursor, and refuses a cursor it did not give out', async () => {
    const theaterId = await createTheater(t.app, admin);
    for (let i = 0; i < 5; i++) {
      expect((await call('PATCH', `/admin/theaters/${theaterId}`, { name: `Renamed ${i}` })).statusCode).toBe(
        200,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await log(`theaterId=${theaterId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => String(e.after?.name)));
      cursor = page.nextCursor;
    } while (cursor);
    // Five renames, newest first, then the creation.
    expect(seen.slice(0, 5)).toEqual(['Renamed 4', 'Renamed 3', 'Renamed 2', 'Renamed 1', 'Renamed 0']);
    expect(seen).toHaveLength(6);
    expect(seen[5]).toMatch(/^Theater /);

    const bad = await call('GET', '/admin/audit-log?cursor=bm90LWEtY3Vyc29y');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_FAILED');
  });

  it('is for admins only', async () => {
    expect((await call('GET', '/admin/audit-log', undefined, staff)).statusCode).toBe(403);
    expect((await call('GET', '/admin/audit-log', undefined, customer)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/audit-log' })).statusCode).toBe(401);
  });
});
