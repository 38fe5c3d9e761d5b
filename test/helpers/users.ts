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
