import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/context.js';
import { startWorkers, type Workers } from '../src/jobs/worker.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { startSmtpServer, waitFor, type TestSmtpServer } from './helpers/notify.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * "Forgot password?" end to end on the API: the request commits a reset row (its token's hash only) with an
 * outbox row and job; the worker emails the link through a real SMTP server; the link's token sets a new
 * password once, before it expires and while it is the newest, and signs the account out everywhere.
 */
const PUBLIC_URL = 'https://tickets.example.test';

/** The app's clock, moved forward by hand to pass a link's expiry without waiting 30 minutes. */
const clock: Clock & { offsetMs: number } = {
  offsetMs: 0,
  now() {
    return new Date(Date.now() + this.offsetMs);
  },
};

let t: TestApp;
let smtp: TestSmtpServer;
let workers: Workers;

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Matinee <accounts@matinee.test>',
      PUBLIC_URL,
      AUTH_CACHE_TTL_MS: '0',
    },
    overrides: { clock },
  });
  workers = await startWorkers(t.ctx, { sweepIntervalMs: 60_000 });
});
afterAll(async () => {
  await workers?.stop();
  await t?.close();
  await smtp?.close();
});

const codeOf = (res: { json: <T>() => T }) => res.json<{ error: { code: string } }>().error.code;

function requestReset(app: TestApp, email: string, remoteAddress = '127.0.0.1') {
  return app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password-reset',
    payload: { email },
    remoteAddress,
  });
}

function confirmReset(token: string, password: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password-reset/confirm',
    payload: { token, password },
  });
}

function login(email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
}

/** The reset links emailed to `email` so far, oldest first (read from the messages the SMTP server got). */
function linksTo(email: string): string[] {
  return smtp.received
    .filter((m) => m.to.includes(email))
    .map((m) => /https:\/\/\S+\/reset-password#token=[\w-]+/.exec(m.parsed.text ?? '')?.[0] ?? '');
}

async function nthLink(email: string, n: number): Promise<{ link: string; token: string }> {
  const link = await waitFor(`reset email ${n} to ${email}`, () => linksTo(email)[n - 1] || undefined);
  return { link, token: link.split('#token=')[1]! };
}

describe('asking for a reset', () => {
  it('answers the same for an account and for an unknown email, and emails only the account', async () => {
    const user = await createUser(t.app, t.ctx, 'customer', { name: 'Grace Hopper' });
    const unknown = `nobody-${Date.now()}@example.com`;
    const known = await requestReset(t, user.email.toUpperCase());
    const none = await requestReset(t, unknown);
    expect(known.statusCode).toBe(202);
    expect(none.statusCode).toBe(202);
    expect(none.body).toBe(known.body);
    expect(known.json<{ message: string }>().message).toMatch(/If an account has this email/);

    const { link } = await nthLink(user.email, 1);
    expect(link.startsWith(`${PUBLIC_URL}/reset-password#token=`)).toBe(true);
    const mail = smtp.received.find((m) => m.to.includes(user.email))!.parsed;
    expect(mail.subject).toBe('Reset your Matinee password');
    expect(mail.text).toContain('Hello Grace Hopper');
    expect(mail.text).toContain('for 30 minutes');
    expect(mail.text).toContain(`${PUBLIC_URL}/account`);
    expect(typeof mail.html === 'string' && mail.html).toContain(link);

    // It went through the outbox: one email row about this reset, marked sent by the worker.
    const rows = await waitFor('the outbox row to be marked sent', async () => {
      const found = await t.ctx.db
        .selectFrom('notifications as n')
        .innerJoin('password_resets as r', 'r.id', 'n.password_reset_id')
        .select(['n.status', 'n.channel', 'n.event', 'n.recipient', 'n.booking_id'])
        .where('r.user_id', '=', user.id)
        .execute();
      return found.every((r) => r.status === 'sent') ? found : undefined;
    });
    expect(rows).toEqual([
      {
        status: 'sent',
        channel: 'email',
        event: 'account.password_reset',
        recipient: user.email,
        booking_id: null,
      },
    ]);

    await sleep(500); // room for a stray email to the unknown address, if there were one
    expect(smtp.received.filter((m) => m.to.includes(unknown))).toHaveLength(0);
    const all = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications n
      JOIN password_resets r ON r.id = n.password_reset_id JOIN users u ON u.id = r.user_id
      WHERE lower(u.email) = ${unknown}`.execute(t.ctx.db);
    expect(all.rows[0]!.n).toBe(0);
  });

  it('stores only a hash of the token, valid for 30 minutes', async () => {
    const user = await createUser(t.app, t.ctx);
    expect((await requestReset(t, user.email)).statusCode).toBe(202);
    const { token } = await nthLink(user.email, 1);
    const row = await t.ctx.db
      .selectFrom('password_resets')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(30 * 60_000);
    // The token itself is nowhere in the database: not in the reset, the outbox or the job queue.
    const dump = await sql<{ text: string }>`
      SELECT concat_ws(' ',
        (SELECT string_agg(r::text, ' ') FROM password_resets r),
        (SELECT string_agg(n::text, ' ') FROM notifications n),
        (SELECT string_agg(j.data::text, ' ') FROM pgboss.job j)) AS text`.execute(t.ctx.db);
    expect(dump.rows[0]!.text).not.toContain(token);
  });
});

describe('using a reset link', () => {
  let user: TestUser;
  let token: string;

  it('sets the new password and signs the account out everywhere', async () => {
    user = await createUser(t.app, t.ctx);
    const other = await login(user.email, 'password-123'); // a second device
    const otherAuth = { authorization: `Bearer ${other.json<{ token: string }>().token}` };
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: otherAuth })).statusCode).toBe(200);

    expect((await requestReset(t, user.email)).statusCode).toBe(202);
    ({ token } = await nthLink(user.email, 1));
    const res = await confirmReset(token, 'brand-new-password');
    expect(res.statusCode, res.body).toBe(204);

    for (const auth of [user.auth, otherAuth]) {
      const me = await t.app.inject({ url: '/api/v1/auth/me', headers: auth });
      expect(me.statusCode).toBe(401);
      expect(codeOf(me)).toBe('TOKEN_REVOKED');
    }
    expect((await login(user.email, 'password-123')).statusCode).toBe(401);
    expect((await login(user.email, 'brand-new-password')).statusCode).toBe(200);
  });

  it('works once: a second use is 410 RESET_TOKEN_USED and changes nothing', async () => {
    const again = await confirmReset(token, 'another-password-1');
    expect(again.statusCode).toBe(410);
    expect(codeOf(again)).toBe('RESET_TOKEN_USED');
    expect((await login(user.email, 'another-password-1')).statusCode).toBe(401);
    expect((await login(user.email, 'brand-new-password')).statusCode).toBe(200);
  });

  it('works once even when two requests use it at the same moment', async () => {
    const racer = await createUser(t.app, t.ctx);
    await requestReset(t, racer.email);
    const { token: raced } = await nthLink(racer.email, 1);
    const results = await Promise.all(
      ['racing-password-1', 'racing-password-2', 'racing-password-3'].map((p) => confirmReset(raced, p)),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([204, 410, 410]);
    const winner = ['racing-password-1', 'racing-password-2', 'racing-password-3'][
      results.findIndex((r) => r.statusCode === 204)
    ]!;
    expect((await login(racer.email, winner)).statusCode).toBe(200);
  });

  it('has expired after 30 minutes (410 RESET_TOKEN_EXPIRED)', async () => {
    const late = await createUser(t.app, t.ctx);
    await requestReset(t, late.email);
    const { token: old } = await nthLink(late.email, 1);
    clock.offsetMs = 30 * 60_000 + 1_000;
    try {
      const res = await confirmReset(old, 'too-late-password');
      expect(res.statusCode).toBe(410);
      expect(codeOf(res)).toBe('RESET_TOKEN_EXPIRED');
    } finally {
      clock.offsetMs = 0;
    }
    expect((await login(late.email, 'password-123')).statusCode).toBe(200);
  });

  it('stops working once a newer link is asked for (410 RESET_TOKEN_SUPERSEDED); the newest works', async () => {
    const twice = await createUser(t.app, t.ctx);
    await requestReset(t, twice.email);
    const first = await nthLink(twice.email, 1);
    await requestReset(t, twice.email);
    const second = await nthLink(twice.email, 2);
    expect(second.token).not.toBe(first.token);
    const stale = await confirmReset(first.token, 'stale-password-1');
    expect(stale.statusCode).toBe(410);
    expect(codeOf(stale)).toBe('RESET_TOKEN_SUPERSEDED');
    expect((await confirmReset(second.token, 'fresh-password-1')).statusCode).toBe(204);
    expect((await login(twice.email, 'fresh-password-1')).statusCode).toBe(200);
  });

  it('refuses a token never issued, a malformed one and a short password with coded 400s', async () => {
    const never = await confirmReset('A'.repeat(43), 'whatever-password');
    expect(never.statusCode).toBe(400);
    expect(codeOf(never)).toBe('RESET_TOKEN_INVALID');
    const malformed = await confirmReset('not a token', 'whatever-password');
    expect(malformed.statusCode).toBe(400);
    expect(codeOf(malformed)).toBe('VALIDATION_FAILED');
    const fresh = await createUser(t.app, t.ctx);
    await requestReset(t, fresh.email);
    const { token: ok } = await nthLink(fresh.email, 1);
    const short = await confirmReset(ok, 'short');
    expect(short.statusCode).toBe(400);
    expect(codeOf(short)).toBe('VALIDATION_FAILED');
    // The refused attempt did not use the link up.
    expect((await confirmReset(ok, 'long-enough-now')).statusCode).toBe(204);
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await createTestApp({
      env: {
        RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR: '3',
        RATE_LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR: '5',
      },
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('limits requests per email, the same way whether or not it has an account', async () => {
    const user = await createUser(limited.app, limited.ctx);
    const unknown = `ghost-${Date.now()}@example.com`;
    for (const email of [user.email, unknown]) {
      const answers = [];
      // Different addresses: only the per-email limit can stop these.
      for (let i = 0; i < 4; i++) answers.push(await requestReset(limited, email, `10.0.1.${i + 1}`));
      expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202, 429]);
      expect(codeOf(answers[3]!)).toBe('RATE_LIMITED');
      expect(answers[3]!.headers['retry-after']).toBeDefined();
    }
  });

  it('limits requests per client address across emails', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(await requestReset(limited, `spray-${i}@example.com`, '10.0.2.1'));
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202, 202, 202, 429]);
    expect((await requestReset(limited, 'spray-9@example.com', '10.0.2.2')).statusCode).toBe(202);
  });
});
