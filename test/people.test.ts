import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/context.js';
import { startWorkers, type Workers } from '../src/jobs/worker.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { CARD, createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { startSmtpServer, waitFor, type TestSmtpServer } from './helpers/notify.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * People of the operator console: invitations mailed over real SMTP with a single-use, expiring link; accepting
 * creates or upgrades the account; access changes and revocations are audited and take effect at once (this app
 * caches no session state: AUTH_CACHE_TTL_MS=0); staff check in and sell only at their theaters.
 */
const PUBLIC_URL = 'https://tickets.example.test';
const clock: Clock & { offsetMs: number } = {
  offsetMs: 0,
  now() {
    return new Date(Date.now() + this.offsetMs);
  },
};

let t: TestApp;
let smtp: TestSmtpServer;
let workers: Workers;
let admin: TestUser;
let customer: TestUser;
let showA: ShowtimeFixture & { theaterId: string };
let showB: ShowtimeFixture & { theaterId: string };

async function theaterOf(st: ShowtimeFixture) {
  const row = await t.ctx.db
    .selectFrom('auditoriums')
    .select('theater_id')
    .where('id', '=', st.auditoriumId)
    .executeTakeFirstOrThrow();
  return { ...st, theaterId: row.theater_id };
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Matinee <people@matinee.test>',
      PUBLIC_URL,
      AUTH_CACHE_TTL_MS: '0',
      INVITATION_TTL_HOURS: '48',
      MAX_ACTIVE_HOLDS_PER_USER: '20',
    },
    overrides: { clock },
  });
  workers = await startWorkers(t.ctx, { sweepIntervalMs: 60_000 });
  admin = await createUser(t.app, t.ctx, 'admin', { name: 'Ada Admin' });
  customer = await createUser(t.app, t.ctx);
  showA = await theaterOf(await createShowtime(t.ctx.db, { rows: 2, seatsPerRow: 10, startsInMinutes: 30 }));
  showB = await theaterOf(await createShowtime(t.ctx.db, { rows: 2, seatsPerRow: 10, startsInMinutes: 30 }));
});
afterAll(async () => {
  await workers?.stop();
  await t?.close();
  await smtp?.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown, auth?: { authorization: string }) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth ?? {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const codeOf = (res: { json: <T>() => T }) => res.json<{ error: { code: string } }>().error.code;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let seq = 0;
const newEmail = (label: string) => `${label}-${++seq}-${Date.now()}@example.com`;

/** The invitation links mailed to `email`, oldest first, as the SMTP server received them. */
async function mailedToken(email: string, n = 1): Promise<string> {
  const link = await waitFor(`invitation email ${n} to ${email}`, () => {
    const links = smtp.received
      .filter((m) => m.to.includes(email))
      .map((m) => /https:\/\/\S+\/invitation#token=[\w-]+/.exec(m.parsed.text ?? '')?.[0]);
    return links[n - 1];
  });
  expect(link.startsWith(`${PUBLIC_URL}/invitation#token=`)).toBe(true);
  return link.split('#token=')[1]!;
}

async function invite(body: object) {
  const res = await call('POST', '/admin/invitations', body, admin.auth);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ invitation: { id: string; email: string; status: string } }>().invitation;
}

async function audit(query: string) {
  const res = await call('GET', `/admin/audit-log?${query}`, undefined, admin.auth);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{
    entries: {
      action: string;
      actor: { email: string };
      subjectId: string;
      before: unknown;
      after: unknown;
    }[];
  }>().entries;
}

/** A paid booking of one seat of the showtime; returns its ticket's QR code. */
async function paidTicket(show: ShowtimeFixture, seat: number): Promise<string> {
  const hold = await call(
    'POST',
    '/bookings',
    { showtimeId: show.showtimeId, seatIds: [show.seatIds[seat]] },
    customer.auth,
  );
  expect(hold.statusCode, hold.body).toBe(201);
  const booking = hold.json<{ booking: { id: string; tickets: { id: string }[] } }>().booking;
  const pay = await call('POST', `/bookings/${booking.id}/payment`, { card: CARD.good }, customer.auth);
  expect(pay.statusCode, pay.body).toBe(200);
  const ticket = await call('GET', `/tickets/${booking.tickets[0]!.id}`, undefined, customer.auth);
  return ticket.json<{ ticket: { code: string } }>().ticket.code;
}

/** Invites `email` as staff of `theaterIds`, and accepts from the mailed link with a new account. */
async function onboardStaff(theaterIds: string[]) {
  const email = newEmail('staff');
  await invite({ email, role: 'staff', theaterIds });
  const token = await mailedToken(email);
  const res = await call('POST', '/invitations/accept', {
    token,
    name: 'Door Person',
    password: 'door-pass-123',
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ token: string; user: { id: string; role: string } }>();
  return { email, id: body.user.id, auth: bearer(body.token) };
}

describe('inviting', () => {
  it('refuses bad input with coded 400s, and callers who are not admins', async () => {
    const email = newEmail('bad');
    const cases: [object, string][] = [
      [{ email, role: 'staff' }, 'THEATERS_REQUIRED'],
      [{ email, role: 'admin', theaterIds: [showA.theaterId] }, 'THEATERS_NOT_ALLOWED'],
      [{ email, role: 'staff', theaterIds: ['00000000-0000-4000-8000-000000000000'] }, 'UNKNOWN_THEATER'],
      [{ email: 'not-an-email', role: 'staff', theaterIds: [showA.theaterId] }, 'VALIDATION_FAILED'],
      [{ email, role: 'customer' }, 'VALIDATION_FAILED'],
      [{ email, role: 'staff', theaterIds: [showA.theaterId], extra: 1 }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await call('POST', '/admin/invitations', body, admin.auth);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(codeOf(res)).toBe(code);
    }
    const staff = await createUser(t.app, t.ctx, 'staff');
    const body = { email, role: 'admin' };
    expect((await call('POST', '/admin/invitations', body)).statusCode).toBe(401);
    expect((await call('POST', '/admin/invitations', body, customer.auth)).statusCode).toBe(403);
    expect((await call('POST', '/admin/invitations', body, staff.auth)).statusCode).toBe(403);
    expect((await call('GET', '/admin/people', undefined, staff.auth)).statusCode).toBe(403);
    // An account that is staff already is managed in the people list, not invited.
    const again = await call('POST', '/admin/invitations', { email: staff.email, role: 'admin' }, admin.auth);
    expect(again.statusCode).toBe(409);
    expect(codeOf(again)).toBe('ALREADY_OPERATOR');
    // Nothing was created by the refusals.
    const rows = await t.ctx.db.selectFrom('invitations').select('id').where('email', '=', email).execute();
    expect(rows).toEqual([]);
  });

  it('mails a single-use link over SMTP; accepting creates the staff account with its theaters; all audited', async () => {
    const email = newEmail('new-staff');
    const inv = await invite({ email: email.toUpperCase(), role: 'staff', theaterIds: [showA.theaterId] });
    expect(inv).toMatchObject({ email, status: 'pending' });

    const token = await mailedToken(email);
    const mail = smtp.received.find((m) => m.to.includes(email))!.parsed;
    expect(mail.subject).toBe('You are invited to work at Matinee');
    expect(mail.text).toContain('Ada Admin invited you');
    expect(mail.text).toContain('Fixture');
    // Only the token's hash is stored.
    const stored = await t.ctx.db
      .selectFrom('invitations')
      .select('token_hash')
      .where('id', '=', inv.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash.toString('base64url')).not.toBe(token);

    const preview = await call('POST', '/invitations/preview', { token });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toMatchObject({
      email,
      role: 'staff',
      accountExists: false,
      theaters: [{ id: showA.theaterId }],
    });

    const missing = await call('POST', '/invitations/accept', { token });
    expect(missing.statusCode).toBe(400);
    const accepted = await call('POST', '/invitations/accept', {
      token,
      name: ' New Staff ',
      password: 'staff-pass-1',
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const { token: session, user } = accepted.json<{
      token: string;
      user: { id: string; role: string; name: string };
    }>();
    expect(user).toMatchObject({ role: 'staff', name: 'New Staff' });
    expect((await call('GET', '/auth/me', undefined, bearer(session))).statusCode).toBe(200);

    const used = await call('POST', '/invitations/accept', { token, name: 'X', password: 'staff-pass-1' });
    expect(used.statusCode).toBe(410);
    expect(codeOf(used)).toBe('INVITATION_USED');
    expect(codeOf(await call('POST', '/invitations/preview', { token }))).toBe('INVITATION_USED');

    const people = (await call('GET', '/admin/people', undefined, admin.auth)).json<{
      people: { id: string; role: string; theaters: { id: string }[] | null }[];
    }>().people;
    expect(people.find((p) => p.id === user.id)).toMatchObject({
      role: 'staff',
      theaters: [{ id: showA.theaterId }],
    });
    const list = (await call('GET', '/admin/invitations', undefined, admin.auth)).json<{
      invitations: { id: string; status: string }[];
    }>().invitations;
    expect(list.find((i) => i.id === inv.id)?.status).toBe('accepted');

    const created = await audit(`action=invitation.create&subjectId=${inv.id}`);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      actor: { email: admin.email },
      after: { email, role: 'staff', theaterIds: [showA.theaterId] },
    });
    const acceptedEntry = await audit(`action=user.accept_invitation&subjectId=${user.id}`);
    expect(acceptedEntry).toHaveLength(1);
    expect(acceptedEntry[0]).toMatchObject({
      actor: { email },
      before: null,
      after: { role: 'staff', invitationId: inv.id },
    });
  });

  it('refuses an unknown, expired, withdrawn or replaced link', async () => {
    const bogus = await call('POST', '/invitations/accept', {
      token: 'A'.repeat(43),
      name: 'X',
      password: 'password-1',
    });
    expect(bogus.statusCode).toBe(400);
    expect(codeOf(bogus)).toBe('INVITATION_INVALID');
    expect((await call('POST', '/invitations/preview', { token: 'short' })).statusCode).toBe(400);

    const late = newEmail('late');
    await invite({ email: late, role: 'admin' });
    const lateToken = await mailedToken(late);
    clock.offsetMs = 49 * 3_600_000;
    try {
      const res = await call('POST', '/invitations/accept', {
        token: lateToken,
        name: 'Late',
        password: 'password-1',
      });
      expect(res.statusCode).toBe(410);
      expect(codeOf(res)).toBe('INVITATION_EXPIRED');
      // The admin's session from before has expired too (24 h): a fresh one, on the moved clock.
      const adminNow = bearer(await t.ctx.tokens.issue({ userId: admin.id, role: 'admin' }));
      const listed = (await call('GET', '/admin/invitations', undefined, adminNow)).json<{
        invitations: { email: string; status: string }[];
      }>().invitations;
      expect(listed.find((i) => i.email === late)?.status).toBe('expired');
    } finally {
      clock.offsetMs = 0;
    }

    const withdrawn = newEmail('withdrawn');
    const inv = await invite({ email: withdrawn, role: 'staff', theaterIds: [showA.theaterId] });
    const token = await mailedToken(withdrawn);
    expect((await call('DELETE', `/admin/invitations/${inv.id}`, undefined, admin.auth)).statusCode).toBe(
      204,
    );
    const again = await call('DELETE', `/admin/invitations/${inv.id}`, undefined, admin.auth);
    expect(again.statusCode).toBe(409);
    expect(codeOf(again)).toBe('INVITATION_CLOSED');
    expect(
      codeOf(await call('POST', '/invitations/accept', { token, name: 'W', password: 'password-1' })),
    ).toBe('INVITATION_REVOKED');
    expect(await audit(`action=invitation.revoke&subjectId=${inv.id}`)).toHaveLength(1);

    // A newer invitation of the same address withdraws the older one.
    const twice = newEmail('twice');
    await invite({ email: twice, role: 'staff', theaterIds: [showA.theaterId] });
    const first = await mailedToken(twice, 1);
    await invite({ email: twice, role: 'admin' });
    const second = await mailedToken(twice, 2);
    expect(codeOf(await call('POST', '/invitations/preview', { token: first }))).toBe('INVITATION_REVOKED');
    const ok = await call('POST', '/invitations/accept', {
      token: second,
      name: 'Two',
      password: 'password-1',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<{ user: { role: string } }>().user.role).toBe('admin');
  });

  it('upgrades an existing customer who signs in with the invited email, and only them', async () => {
    const existing = await createUser(t.app, t.ctx, 'customer');
    await invite({ email: existing.email, role: 'staff', theaterIds: [showB.theaterId] });
    const token = await mailedToken(existing.email);
    expect((await call('POST', '/invitations/preview', { token })).json()).toMatchObject({
      accountExists: true,
    });

    const signedOut = await call('POST', '/invitations/accept', {
      token,
      name: 'Someone',
      password: 'password-1',
    });
    expect(signedOut.statusCode).toBe(409);
    expect(codeOf(signedOut)).toBe('ACCOUNT_EXISTS');
    const other = await call('POST', '/invitations/accept', { token }, customer.auth);
    expect(other.statusCode).toBe(403);
    expect(codeOf(other)).toBe('INVITATION_EMAIL_MISMATCH');

    const res = await call('POST', '/invitations/accept', { token }, existing.auth);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ token: string; user: { id: string; role: string } }>();
    expect(body.user).toMatchObject({ id: existing.id, role: 'staff' });
    // The role changed: the tokens issued before are revoked, the fresh one works.
    const stale = await call('GET', '/auth/me', undefined, existing.auth);
    expect(stale.statusCode).toBe(401);
    expect(codeOf(stale)).toBe('TOKEN_REVOKED');
    expect((await call('GET', '/auth/me', undefined, bearer(body.token))).statusCode).toBe(200);
    const [entry] = await audit(`action=user.accept_invitation&subjectId=${existing.id}`);
    expect(entry).toMatchObject({
      before: { role: 'customer' },
      after: { role: 'staff', theaterIds: [showB.theaterId] },
    });
  });

  it('keeps one open invitation per address when two admins invite it at once', async () => {
    const email = newEmail('both');
    const other = await createUser(t.app, t.ctx, 'admin');
    const results = await Promise.all(
      [admin, other].map((a) =>
        call('POST', '/admin/invitations', { email, role: 'staff', theaterIds: [showA.theaterId] }, a.auth),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201]);
    const rows = await t.ctx.db
      .selectFrom('invitations')
      .select(['revoked_at'])
      .where('email', '=', email)
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.revoked_at === null)).toHaveLength(1);
  });

  it('lets exactly one of two concurrent accepts of one link through', async () => {
    const email = newEmail('race');
    await invite({ email, role: 'staff', theaterIds: [showA.theaterId] });
    const token = await mailedToken(email);
    const results = await Promise.all(
      [1, 2].map(() => call('POST', '/invitations/accept', { token, name: 'Racer', password: 'password-1' })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes[0]).toBe(200);
    expect([409, 410]).toContain(codes[1]);
    const accounts = await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute();
    expect(accounts).toHaveLength(1);
  });
});

describe('staff at their theaters', () => {
  it('checks in and sells only at the theaters of the account; changes apply at once and are audited', async () => {
    const staff = await onboardStaff([showA.theaterId]);
    const codeA = await paidTicket(showA, 0);
    const codeB = await paidTicket(showB, 0);

    const mine = await call('GET', '/box-office/theaters', undefined, staff.auth);
    expect(mine.json()).toEqual({ theaterIds: [showA.theaterId] });
    expect((await call('GET', '/box-office/theaters', undefined, admin.auth)).json()).toEqual({
      theaterIds: null,
    });

    const refused = await call('POST', '/checkin', { code: codeB }, staff.auth);
    expect(refused.statusCode).toBe(403);
    expect(codeOf(refused)).toBe('THEATER_NOT_ALLOWED');
    const notAdmitted = await t.ctx.db
      .selectFrom('tickets')
      .select('admitted_at')
      .where('showtime_id', '=', showB.showtimeId)
      .where('status', '=', 'sold')
      .execute();
    expect(notAdmitted.every((r) => r.admitted_at === null)).toBe(true);
    expect((await call('POST', '/checkin', { code: codeA }, staff.auth)).statusCode).toBe(200);

    const holdB = await call(
      'POST',
      '/box-office/holds',
      { showtimeId: showB.showtimeId, seatIds: [showB.seatIds[5]] },
      staff.auth,
    );
    expect(holdB.statusCode).toBe(403);
    expect(codeOf(holdB)).toBe('THEATER_NOT_ALLOWED');
    const holdA = await call(
      'POST',
      '/box-office/holds',
      { showtimeId: showA.showtimeId, seatIds: [showA.seatIds[5]] },
      staff.auth,
    );
    expect(holdA.statusCode, holdA.body).toBe(201);

    // Moved to theater B: the same session now works there and no longer at A.
    const moved = await call(
      'PATCH',
      `/admin/people/${staff.id}`,
      { role: 'staff', theaterIds: [showB.theaterId] },
      admin.auth,
    );
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ person: { role: 'staff', theaters: [{ id: showB.theaterId }] } });
    expect((await call('POST', '/checkin', { code: codeB }, staff.auth)).statusCode).toBe(200);
    const codeA2 = await paidTicket(showA, 1);
    expect(codeOf(await call('POST', '/checkin', { code: codeA2 }, staff.auth))).toBe('THEATER_NOT_ALLOWED');
    const [change] = await audit(`action=user.change_access&subjectId=${staff.id}`);
    expect(change).toMatchObject({
      actor: { email: admin.email },
      before: { role: 'staff', theaterIds: [showA.theaterId] },
      after: { role: 'staff', theaterIds: [showB.theaterId] },
    });

    // Bad changes are refused with codes.
    expect(codeOf(await call('PATCH', `/admin/people/${staff.id}`, { role: 'staff' }, admin.auth))).toBe(
      'THEATERS_REQUIRED',
    );
    expect(codeOf(await call('PATCH', `/admin/people/${admin.id}`, { role: 'customer' }, admin.auth))).toBe(
      'OWN_ROLE',
    );
    expect(
      (
        await call(
          'PATCH',
          `/admin/people/00000000-0000-4000-8000-000000000000`,
          { role: 'admin' },
          admin.auth,
        )
      ).statusCode,
    ).toBe(404);

    // Revoked: signed out at once, and back as a customer nothing at the door works.
    expect((await call('DELETE', `/admin/people/${staff.id}`, undefined, admin.auth)).statusCode).toBe(204);
    const after = await call('POST', '/checkin', { code: codeB }, staff.auth);
    expect(after.statusCode).toBe(401);
    const login = await call('POST', '/auth/login', { email: staff.email, password: 'door-pass-123' });
    const fresh = bearer(login.json<{ token: string }>().token);
    expect((await call('POST', '/checkin', { code: codeA2 }, fresh)).statusCode).toBe(403);
    const people = (await call('GET', '/admin/people', undefined, admin.auth)).json<{
      people: { id: string }[];
    }>().people;
    expect(people.some((p) => p.id === staff.id)).toBe(false);
    expect(await audit(`action=user.revoke_access&subjectId=${staff.id}`)).toHaveLength(1);
  });

  it('keeps staff made before per-theater access working everywhere, and admins everywhere', async () => {
    const legacy = await createUser(t.app, t.ctx, 'staff');
    expect(
      (await call('POST', '/checkin', { code: await paidTicket(showB, 2) }, legacy.auth)).statusCode,
    ).toBe(200);
    expect(
      (await call('POST', '/checkin', { code: await paidTicket(showA, 2) }, admin.auth)).statusCode,
    ).toBe(200);
  });
});

describe('web config', () => {
  it('has no map when MAP_TILE_URL is unset', async () => {
    const res = await call('GET', '/web-config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ map: null });
  });
});
