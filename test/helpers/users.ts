import { randomBytes, randomUUID } from 'node:crypto';
import type { App } from '../../src/http/app.js';
import { AccountsService } from '../../src/modules/accounts/accounts.service.js';
import type { AppContext } from '../../src/context.js';
import type { Role } from '../../src/db/schema.js';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { authorization: string };
}

let counter = 0;

/** Signs a user up through the real API (customer) or the service (staff/admin). */
export async function createUser(
  app: App,
  ctx: AppContext,
  role: Role = 'customer',
  extra: { phone?: string; name?: string } = {},
): Promise<TestUser> {
  const email = `user${++counter}-${randomBytes(3).toString('hex')}@example.com`;
  const body = { email, password: 'password-123', name: extra.name ?? `User ${counter}`, ...extra };
  let result: { token: string; user: { id: string } };
  if (role === 'customer') {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body });
    if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
    result = res.json();
  } else {
    result = await new AccountsService(ctx).signup(body, role);
  }
  return {
    id: result.user.id,
    email,
    token: result.token,
    auth: { authorization: `Bearer ${result.token}` },
  };
}

/**
 * Customers written straight into the database, with tokens from the app (signup's password hashing would
 * dominate a concurrency test's setup). Returns their bearer tokens.
 */
export async function customerTokens(ctx: AppContext, n: number, label: string): Promise<string[]> {
  const rows = await ctx.db
    .insertInto('users')
    .values(
      Array.from({ length: n }, (_, i) => ({
        email: `${label.toLowerCase()}-${i}-${randomUUID()}@example.com`,
        name: `${label} ${i}`,
        phone: null,
        password_hash: 'x',
      })),
    )
    .returning('id')
    .execute();
  return Promise.all(rows.map((r) => ctx.tokens.issue({ userId: r.id, role: 'customer' })));
}

/**
 * A new customer buys seats through the API as the web app would: a hold, then a card payment (4242…).
 * Throws with the answer when either step is refused.
 */
export async function customerBuys(
  app: App,
  ctx: AppContext,
  showtimeId: string,
  seatIds: string[],
  name = 'Live Buyer',
): Promise<{ id: string; reference: string; email: string }> {
  const customer = await createUser(app, ctx, 'customer', { name });
  const held = await app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: customer.auth,
    payload: { showtimeId, seatIds },
  });
  if (held.statusCode !== 201) throw new Error(`hold: ${held.statusCode} ${held.body}`);
  const booking = held.json<{ booking: { id: string; reference: string } }>().booking;
  const paid = await app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${booking.id}/payment`,
    headers: customer.auth,
    payload: { card: { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' } },
  });
  if (paid.statusCode !== 200) throw new Error(`payment: ${paid.statusCode} ${paid.body}`);
  return { id: booking.id, reference: booking.reference, email: customer.email };
}
