import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * Revocation (issue 8, items 6 and 13): a role change or a sign-out-everywhere takes effect for every later
 * request on every API process within AUTH_CACHE_TTL_MS; a token whose user is gone is a 401, never a 500.
 * Two app instances on one database stand for two API processes.
 */
const TTL_MS = 400;
let a: TestApp;
let b: TestApp;
let boss: TestUser;

beforeAll(async () => {
  a = await createTestApp({ env: { AUTH_CACHE_TTL_MS: String(TTL_MS) } });
  b = await createTestApp({ shareDatabaseOf: a, env: { AUTH_CACHE_TTL_MS: String(TTL_MS) } });
  boss = await createUser(a.app, a.ctx, 'admin');
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const get = (t: TestApp, url: string, user: { authorization: string }) =>
  t.app.inject({ url, headers: user });
const adminCall = (t: TestApp, user: { authorization: string }) =>
  get(t, '/api/v1/admin/theaters', user).then((r) => r.statusCode);
const login = async (t: TestApp, email: string) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: 'password-123' },
  });
  expect(res.statusCode).toBe(200);
  return { authorization: `Bearer ${res.json<{ token: string }>().token}` };
};
const codeOf = (res: { json: <T>() => T }) => res.json<{ error: { code: string } }>().error.code;

describe('role changes', () => {
  it('a demoted admin loses admin rights at once on this process and within the TTL on another', async () => {
    const demoted = await createUser(a.app, a.ctx, 'admin');
    // Both processes have seen (and cached) the admin.
    expect(await adminCall(a, demoted.auth)).toBe(200);
    expect(await adminCall(b, demoted.auth)).toBe(200);

    const res = await a.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${demoted.id}`,
      headers: boss.auth,
      payload: { role: 'customer' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { id: demoted.id, role: 'customer' } });

    const changedAt = Date.now();
    const here = await get(a, '/api/v1/admin/theaters', demoted.auth);
    expect(here.statusCode).toBe(401);
    expect(codeOf(here)).toBe('TOKEN_REVOKED');
    await expect.poll(() => adminCall(b, demoted.auth), { timeout: TTL_MS * 5, interval: 50 }).toBe(401);
    expect(Date.now() - changedAt).toBeLessThan(TTL_MS + 500);

    // Signed in again, the user has the new role everywhere.
    const fresh = await login(a, demoted.email);
    expect(await adminCall(a, fresh)).toBe(403);
    expect(await adminCall(b, fresh)).toBe(403);
    const me = await get(b, '/api/v1/auth/me', fresh);
    expect(me.json()).toMatchObject({ user: { role: 'customer' } });
  });

  it("authorizes with the database's current role, not the token's", async () => {
    const staff = await createUser(a.app, a.ctx, 'staff');
    const checkin = () =>
      b.app.inject({ method: 'POST', url: '/api/v1/checkin', headers: staff.auth, payload: { code: 'x' } });
    expect((await checkin()).statusCode).toBe(400); // allowed in, then the code is refused
    // A role changed behind the API's back (no token version bump) still counts once the cache entry ages out.
    await a.ctx.db.updateTable('users').set({ role: 'customer' }).where('id', '=', staff.id).execute();
    await expect.poll(async () => (await checkin()).statusCode, { timeout: TTL_MS * 5 }).toBe(403);
  });

  it('promotes a customer; only admins may change roles, never their own; 404 for unknown users', async () => {
    const customer = await createUser(a.app, a.ctx);
    const patch = (id: string, role: string, as: TestUser) =>
      a.app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${id}`,
        headers: as.auth,
        payload: { role },
      });
    expect((await patch(boss.id, 'customer', customer)).statusCode).toBe(403);
    const own = await patch(boss.id, 'customer', boss);
    expect(own.statusCode).toBe(409);
    expect(codeOf(own)).toBe('OWN_ROLE');
    const missing = await patch('00000000-0000-4000-8000-000000000000', 'staff', boss);
    expect(missing.statusCode).toBe(404);
    expect((await patch(customer.id, 'overlord', boss)).statusCode).toBe(400);

    expect((await patch(customer.id, 'staff', boss)).statusCode).toBe(200);
    const staff = await login(b, customer.email);
    const res = await b.app.inject({
      method: 'POST',
      url: '/api/v1/checkin',
      headers: staff,
      payload: { code: 'x' },
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('POST /auth/logout-all', () => {
  it('revokes every token of the user on every process; a new sign-in works', async () => {
    const user = await createUser(a.app, a.ctx);
    const second = await login(a, user.email);
    expect((await get(a, '/api/v1/auth/me', user.auth)).statusCode).toBe(200);
    expect((await get(b, '/api/v1/auth/me', second)).statusCode).toBe(200);

    const out = await a.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: user.auth });
    expect(out.statusCode).toBe(204);

    for (const token of [user.auth, second]) {
      const res = await get(a, '/api/v1/auth/me', token);
      expect(res.statusCode).toBe(401);
      expect(codeOf(res)).toBe('TOKEN_REVOKED');
      await expect
        .poll(async () => (await get(b, '/api/v1/auth/me', token)).statusCode, { timeout: TTL_MS * 5 })
        .toBe(401);
    }
    const again = await login(b, user.email);
    expect((await get(a, '/api/v1/auth/me', again)).statusCode).toBe(200);
    expect((await get(b, '/api/v1/auth/me', again)).statusCode).toBe(200);
  });

  it('needs a signed-in user', async () => {
    const res = await a.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all' });
    expect(res.statusCode).toBe(401);
  });
});

describe('a token whose user no longer exists', () => {
  it('gets 401 USER_NOT_FOUND on every route, never a 500', async () => {
    const st = await createShowtime(a.ctx.db);
    const gone = await createUser(a.app, a.ctx);
    await sql`DELETE FROM users WHERE id = ${gone.id}`.execute(a.ctx.db);
    for (const t of [a, b]) {
      const hold = await t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: { ...gone.auth, 'idempotency-key': `gone-${t === a ? 'a' : 'b'}` },
        payload: { showtimeId: st.showtimeId, seatIds: [st.seatIds[0]] },
      });
      expect(hold.statusCode).toBe(401);
      expect(codeOf(hold)).toBe('USER_NOT_FOUND');
      const me = await get(t, '/api/v1/auth/me', gone.auth);
      expect(me.statusCode).toBe(401);
    }
  });
});
