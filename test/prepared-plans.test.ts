import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtime, type ShowtimeFixture } from './helpers/fixtures.js';
import { createUser, type TestUser } from './helpers/users.js';

/**
 * The hot statements (executePrepared) are planned once per connection. PostgreSQL's default
 * plan_cache_mode=auto compares the generic plan's estimate with the custom plans' and, for the hold
 * statement (uuid arrays, a dozen CTEs), kept planning it for every call: 2-3 ms of PostgreSQL CPU per hold,
 * more than executing it. The pool sets force_generic_plan; this proves the hold runs on a generic plan.
 */
let t: TestApp;
let user: TestUser;
let show: ShowtimeFixture;

beforeAll(async () => {
  t = await createTestApp();
  user = await createUser(t.app, t.ctx);
  show = await createShowtime(t.ctx.db, { rows: 4, seatsPerRow: 10 });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('prepared hot statements', () => {
  it('the hold statement is planned once per connection (a generic plan), not at every call', async () => {
    const repo = new BookingsRepository();
    const plans = await t.ctx.db.connection().execute(async (conn) => {
      for (let i = 0; i < 8; i++) {
        const held = await repo.hold(conn, {
          userId: user.id,
          showtimeId: show.showtimeId,
          seatIds: [show.seatIds[2 * i]!, show.seatIds[2 * i + 1]!].sort(),
          ticketTypes: ['adult', 'adult'],
          reference: `PLAN-${randomBytes(4).toString('hex')}`,
          ttlSeconds: 420,
          maxLifetimeSeconds: 900,
          maxActiveHolds: 100,
          maxSeats: 100,
          companionReleaseMinutes: 30,
        });
        expect(held.booking?.status).toBe('pending');
      }
      const r = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
        SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements`.execute(conn);
      return r.rows;
    });
    const hold = plans.filter((p) => p.statement.includes('INSERT INTO bookings'));
    expect(hold).toHaveLength(1);
    expect(hold[0]!.custom_plans).toBe(0);
    expect(hold[0]!.generic_plans).toBe(8);
  });
});
