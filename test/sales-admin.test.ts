import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createShowtimeFixture, type ShowtimeFixture } from './helpers/catalog.js';
import { CARD, ledger } from './helpers/fixtures.js';
import { createUser, customerTokens, type TestUser } from './helpers/users.js';
import { csvRecords as records, parseCsv } from './helpers/csv.js';

/** Sales and occupancy (issue 12): the staff seat view, block/unblock, release, refund, reports and CSV. */
let t: TestApp;
let admin: TestUser;
let staff: TestUser;
let customer: TestUser;
let show: ShowtimeFixture;
/** The showtime's local date in its theater (America/New_York). */
let day: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.app, t.ctx, 'admin');
  staff = await createUser(t.app, t.ctx, 'staff');
  customer = await createUser(t.app, t.ctx, 'customer', { name: 'Cora Customer' });
  show = await createShowtimeFixture(t.app, admin, {
    rows: 4,
    seatsPerRow: 10,
    prices: { standard: 1000 },
    theater: { timeZone: 'America/New_York' },
  });
  const r = await sql<{ day: string }>`
    SELECT to_char(st.starts_at AT TIME ZONE th.time_zone, 'YYYY-MM-DD') AS day
      FROM showtimes st JOIN auditoriums a ON a.id = st.auditorium_id JOIN theaters th ON th.id = a.theater_id
     WHERE st.id = ${show.showtimeId}`.execute(t.ctx.db);
  day = r.rows[0]!.day;
});
afterAll(async () => t.close());

type Method = 'GET' | 'POST';
const call = (method: Method, url: string, payload?: unknown, user: TestUser | null = admin) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: user ? user.auth : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

interface StaffSeatOut {
  id: string;
  row: string;
  number: number;
  status: string;
  booking: {
    id: string;
    customerEmail: string;
    customerName: string;
    channel: string;
    heldUntil: string | null;
  } | null;
}
interface ViewOut {
  version: number;
  counts: Record<string, number>;
  seats: StaffSeatOut[];
}

const seatsUrl = () => `/admin/sales/showtimes/${show.showtimeId}/seats`;
const view = async (user: TestUser = admin) => {
  const res = await call('GET', seatsUrl(), undefined, user);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ViewOut>();
};
const seatOf = (v: ViewOut, id: string) => v.seats.find((s) => s.id === id)!;

let nextSeat = 0;
const seats = (n: number) => show.seatIds.slice(nextSeat, (nextSeat += n));

/** A hold by a new customer unless one is given (a customer may have only two holds at a time). */
async function hold(seatIds: string[], who?: TestUser) {
  const user = who ?? (await createUser(t.app, t.ctx, 'customer'));
  const res = await call('POST', '/bookings', { showtimeId: show.showtimeId, seatIds }, user);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ booking: { id: string; totalCents: number } }>().booking;
}
async function buy(seatIds: string[], who?: TestUser) {
  const user = who ?? (await createUser(t.app, t.ctx, 'customer'));
  const b = await hold(seatIds, user);
  const paid = await call('POST', `/bookings/${b.id}/payment`, { card: CARD.good }, user);
  expect(paid.statusCode, paid.body).toBe(200);
  return b;
}
const auditOf = async (subjectType: string, subjectId: string) =>
  (await call('GET', `/admin/audit-log?subjectType=${subjectType}&subjectId=${subjectId}`)).json<{
    entries: { action: string; actor: { id: string }; reason: string | null; after: unknown }[];
  }>().entries;

describe('sales console: roles and validation', () => {
  it('lets staff read the seat view but nothing else; customers and the signed out get 403 / 401', async () => {
    expect((await call('GET', seatsUrl(), undefined, staff)).statusCode).toBe(200);
    expect((await call('GET', seatsUrl(), undefined, customer)).statusCode).toBe(403);
    expect((await call('GET', seatsUrl(), undefined, null)).statusCode).toBe(401);
    const someSeat = [show.seatIds[39]!];
    const writes: [Method, string, unknown][] = [
      ['POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, { seatIds: someSeat }],
      ['POST', `/admin/sales/showtimes/${show.showtimeId}/unblocks`, { seatIds: someSeat }],
      ['POST', `/admin/sales/bookings/${show.seatIds[0]}/release`, {}],
      ['POST', `/admin/sales/bookings/${show.seatIds[0]}/refund`, { reason: 'x' }],
      ['GET', `/admin/sales/report?from=${day}&to=${day}`, undefined],
      ['GET', `/admin/sales/report.csv?from=${day}&to=${day}`, undefined],
      ['GET', `/admin/sales/bookings.csv?from=${day}&to=${day}`, undefined],
    ];
    for (const [method, url, body] of writes) {
      for (const user of [staff, customer]) {
        const res = await call(method, url, body, user);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN');
      }
    }
    const v = await view();
    expect(seatOf(v, someSeat[0]!).status).toBe('free');
  });

  it('answers bad input with coded 4xx, never a 500', async () => {
    const bad: [Method, string, unknown, number, string][] = [
      ['GET', '/admin/sales/showtimes/not-a-uuid/seats', undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `/admin/sales/showtimes/${show.seatIds[0]}/seats`, undefined, 404, 'SHOWTIME_NOT_FOUND'],
      ['POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, { seatIds: [] }, 400, 'VALIDATION_FAILED'],
      ['POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, { seats: [] }, 400, 'VALIDATION_FAILED'],
      [
        'POST',
        `/admin/sales/showtimes/${show.showtimeId}/blocks`,
        { seatIds: [show.showtimeId] },
        404,
        'SEATS_NOT_FOUND',
      ],
      [
        'POST',
        `/admin/sales/showtimes/${show.seatIds[0]}/blocks`,
        { seatIds: [show.seatIds[0]] },
        404,
        'SHOWTIME_NOT_FOUND',
      ],
      ['POST', `/admin/sales/bookings/${show.seatIds[0]}/refund`, {}, 400, 'VALIDATION_FAILED'],
      [
        'POST',
        `/admin/sales/bookings/${show.seatIds[0]}/refund`,
        { reason: '   ' },
        400,
        'VALIDATION_FAILED',
      ],
      ['POST', `/admin/sales/bookings/${show.seatIds[0]}/refund`, { reason: 'ok' }, 404, 'BOOKING_NOT_FOUND'],
      ['POST', `/admin/sales/bookings/${show.seatIds[0]}/release`, {}, 404, 'BOOKING_NOT_FOUND'],
      ['GET', '/admin/sales/report?from=2026-13-01&to=2026-12-31', undefined, 400, 'VALIDATION_FAILED'],
      ['GET', '/admin/sales/report?from=2026-02-30&to=2026-03-01', undefined, 400, 'VALIDATION_FAILED'],
      ['GET', '/admin/sales/report?from=2026-03-02&to=2026-03-01', undefined, 400, 'VALIDATION_FAILED'],
      ['GET', '/admin/sales/report?from=2025-01-01&to=2026-03-01', undefined, 400, 'VALIDATION_FAILED'],
      ['GET', '/admin/sales/report?from=2026-03-01', undefined, 400, 'VALIDATION_FAILED'],
      [
        'GET',
        '/admin/sales/report?from=2026-03-01&to=2026-03-01&groupBy=week',
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      ['GET', '/admin/sales/bookings.csv?from=x&to=2026-03-01', undefined, 400, 'VALIDATION_FAILED'],
    ];
    for (const [method, url, body, status, code] of bad) {
      const res = await call(method, url, body);
      expect(res.statusCode, `${method} ${url} ${res.body}`).toBe(status);
      expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
    }
  });
});

describe('sales console: seats', () => {
  it('shows who holds and who bought each seat, free and blocked seats, and admitted ones', async () => {
    const [h1, s1, s2] = seats(3);
    const held = await hold([h1!], customer);
    const bought = await buy([s1!, s2!], customer);
    const v = await view(staff);
    expect(seatOf(v, h1!)).toMatchObject({
      status: 'held',
      booking: {
        id: held.id,
        customerEmail: customer.email,
        customerName: 'Cora Customer',
        channel: 'online',
      },
    });
    expect(Date.parse(seatOf(v, h1!).booking!.heldUntil!)).toBeGreaterThan(Date.now());
    expect(seatOf(v, s1!)).toMatchObject({ status: 'sold', booking: { id: bought.id, heldUntil: null } });
    expect(seatOf(v, show.seatIds[39]!)).toMatchObject({ status: 'free', booking: null });

    await t.ctx.db
      .updateTable('tickets')
      .set({ admitted_at: new Date(), admitted_by: staff.id })
      .where('booking_id', '=', bought.id)
      .where('seat_id', '=', s2!)
      .execute();
    const after = await view();
    expect(seatOf(after, s2!).status).toBe('admitted');
    expect(after.counts).toMatchObject({ held: 1, sold: 2, admitted: 1 });

    // A hold that has ended reads as free at once, before any sweep.
    await t.ctx.db
      .updateTable('bookings')
      .set({ expires_at: sql`now()` })
      .where('id', '=', held.id)
      .execute();
    expect(seatOf(await view(), h1!)).toMatchObject({ status: 'free', booking: null });
  });

  it('blocks and unblocks seats, audited; a blocked seat cannot be held; held or sold seats refuse', async () => {
    const [a, b, c] = seats(3);
    const before = (await view()).version;
    const res = await call('POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, {
      seatIds: [a, b],
      reason: 'Broken armrest',
    });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json<{ changed: string[]; view: ViewOut }>();
    expect(out.changed.sort()).toEqual([a, b].sort());
    expect(seatOf(out.view, a!).status).toBe('blocked');
    expect(out.view.version).toBeGreaterThan(before);

    // Customers see it as not for sale, and cannot hold it.
    const map = await call('GET', `/showtimes/${show.showtimeId}/seats`, undefined, customer);
    expect(
      map.json<{ seats: { id: string; status: string }[] }>().seats.find((s) => s.id === a)?.status,
    ).toBe('sold');
    const refused = await call(
      'POST',
      '/bookings',
      { showtimeId: show.showtimeId, seatIds: [a, c] },
      customer,
    );
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { code: string; seatIds: string[] } }>().error).toMatchObject({
      code: 'SEATS_UNAVAILABLE',
      seatIds: [a],
    });

    // Blocking again changes nothing and logs nothing; a held seat refuses the whole call.
    const again = await call('POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, { seatIds: [a] });
    expect(again.json<{ changed: string[] }>().changed).toEqual([]);
    const heldC = await hold([c!]);
    const mixed = await call('POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, {
      seatIds: [show.seatIds[39], c],
    });
    expect(mixed.statusCode).toBe(409);
    expect(mixed.json<{ error: { code: string; seatIds: string[] } }>().error).toMatchObject({
      code: 'SEATS_NOT_BLOCKABLE',
      seatIds: [c],
    });
    expect(seatOf(await view(), show.seatIds[39]!).status).toBe('free'); // all or nothing
    const notBlocked = await call('POST', `/admin/sales/showtimes/${show.showtimeId}/unblocks`, {
      seatIds: [c],
    });
    expect(notBlocked.json<{ error: { code: string } }>().error.code).toBe('SEATS_NOT_BLOCKED');

    const un = await call('POST', `/admin/sales/showtimes/${show.showtimeId}/unblocks`, { seatIds: [b] });
    expect(un.statusCode, un.body).toBe(200);
    expect(seatOf(un.json<{ view: ViewOut }>().view, b!).status).toBe('free');
    await hold([b!]); // on sale again

    const entries = (await auditOf('showtime', show.showtimeId)).filter((e) => e.action.startsWith('seat.'));
    expect(entries.map((e) => e.action)).toEqual(['seat.unblock', 'seat.block']);
    expect(entries[1]).toMatchObject({ actor: { id: admin.id }, reason: 'Broken armrest' });
    expect((entries[1]!.after as { seatIds: string[] }).seatIds).toEqual([a, b].sort());
    expect(heldC.id).toBeTruthy();
  });

  it('block against hold, truly at once: exactly one wins, and the seat is what the winner made it', async () => {
    const tokens = await customerTokens(t.ctx, 10, 'race');
    for (let round = 0; round < 10; round++) {
      const [seat] = seats(1);
      const [blockRes, holdRes] = await Promise.all([
        call('POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, { seatIds: [seat] }),
        t.app.inject({
          method: 'POST',
          url: '/api/v1/bookings',
          headers: { authorization: `Bearer ${tokens[round]}` },
          payload: { showtimeId: show.showtimeId, seatIds: [seat] },
        }),
      ]);
      const blocked = blockRes.statusCode === 200;
      const held = holdRes.statusCode === 201;
      expect(
        blocked !== held,
        `round ${round}: block ${blockRes.statusCode}, hold ${holdRes.statusCode}`,
      ).toBe(true);
      if (blocked) expect(holdRes.json<{ error: { code: string } }>().error.code).toBe('SEATS_UNAVAILABLE');
      else expect(blockRes.json<{ error: { code: string } }>().error.code).toBe('SEATS_NOT_BLOCKABLE');
      const row = await t.ctx.db
        .selectFrom('seat_inventory')
        .select(['status', 'booking_id'])
        .where('showtime_id', '=', show.showtimeId)
        .where('seat_id', '=', seat!)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe(blocked ? 'blocked' : 'held');
    }
  });

  it("blocks a seat whose hold has lapsed (the lapsed hold's ticket is voided, as a claim voids it)", async () => {
    const [a] = seats(1);
    const held = await hold([a!]);
    await t.ctx.db
      .updateTable('bookings')
      .set({ expires_at: sql`now()` })
      .where('id', '=', held.id)
      .execute();
    const res = await call('POST', `/admin/sales/showtimes/${show.showtimeId}/blocks`, { seatIds: [a] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ changed: string[] }>().changed).toEqual([a]);
    const ticket = await t.ctx.db
      .selectFrom('tickets')
      .select('status')
      .where('booking_id', '=', held.id)
      .executeTakeFirstOrThrow();
    expect(ticket.status).toBe('void');
    // The sweep still ends the lapsed hold, and leaves the blocked seat blocked.
    await new BookingsService(t.ctx).expireHold(held.id);
    expect(seatOf(await view(), a!).status).toBe('blocked');
  });

  it('does not let blocked seats pin a showtime: it can still be moved', async () => {
    const other = await createShowtimeFixture(t.app, admin, { rows: 1, seatsPerRow: 4 });
    const blocked = await call('POST', `/admin/sales/showtimes/${other.showtimeId}/blocks`, {
      seatIds: [other.seatIds[0]],
    });
    expect(blocked.statusCode, blocked.body).toBe(200);
    const later = new Date(Date.parse(other.startsAt) + 3 * 3600_000).toISOString();
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/showtimes/${other.showtimeId}`,
      headers: admin.auth,
      payload: { startsAt: later },
    });
    expect(moved.statusCode, moved.body).toBe(200);
  });

  it('releases a stuck hold at once, audited; only holds can be released', async () => {
    const [a, b] = seats(2);
    const held = await hold([a!, b!]);
    const res = await call('POST', `/admin/sales/bookings/${held.id}/release`, { reason: 'Customer left' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ booking: { status: string } }>().booking.status).toBe('cancelled');
    const v = await view();
    expect([seatOf(v, a!).status, seatOf(v, b!).status]).toEqual(['free', 'free']);
    const tickets = await t.ctx.db
      .selectFrom('tickets')
      .select('status')
      .where('booking_id', '=', held.id)
      .execute();
    expect(tickets.map((x) => x.status)).toEqual(['void', 'void']);
    const again = await call('POST', `/admin/sales/bookings/${held.id}/release`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('BOOKING_NOT_PENDING');
    const entries = await auditOf('booking', held.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'booking.release',
      reason: 'Customer left',
      after: { status: 'cancelled' },
    });
    // Without a body at all, too.
    const other = await hold(seats(1));
    const bare = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/sales/bookings/${other.id}/release`,
      headers: admin.auth,
    });
    expect(bare.statusCode, bare.body).toBe(200);
  });

  it('refunds a card booking through the gateway with the reason, audited and emailed; once', async () => {
    const [a] = seats(1);
    const bought = await buy([a!]);
    const gatewayBefore = (await ledger(t.ctx.db)).refunds;
    const held = await hold(seats(1));
    const notPaid = await call('POST', `/admin/sales/bookings/${held.id}/refund`, { reason: 'x' });
    expect(notPaid.json<{ error: { code: string } }>().error.code).toBe('BOOKING_NOT_CONFIRMED');

    const res = await call('POST', `/admin/sales/bookings/${bought.id}/refund`, {
      reason: ' Projector failed ',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ booking: unknown }>().booking).toMatchObject({
      status: 'refunded',
      payments: [{ method: 'card', status: 'refunded', refundReason: 'operator' }],
    });
    expect((await ledger(t.ctx.db)).refunds).toBe(gatewayBefore + 1);
    expect(seatOf(await view(), a!).status).toBe('free');
    const mail = await t.ctx.db
      .selectFrom('notifications')
      .select('event')
      .where('booking_id', '=', bought.id)
      .where('event', '=', 'booking.refunded')
      .execute();
    expect(mail.length).toBeGreaterThan(0);
    const entries = await auditOf('booking', bought.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'booking.refund',
      reason: 'Projector failed',
      actor: { id: admin.id },
    });

    const twice = await call('POST', `/admin/sales/bookings/${bought.id}/refund`, { reason: 'again' });
    expect(twice.statusCode).toBe(409);
    expect((await ledger(t.ctx.db)).refunds).toBe(gatewayBefore + 1);
    expect(await auditOf('booking', bought.id)).toHaveLength(1);
  });
});

describe('sales console: reports and CSV', () => {
  it("exports the day's sales as CSV rows that match the bookings in the database", async () => {
    const res = await call('GET', `/admin/sales/bookings.csv?from=${day}&to=${day}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="matinee-sales-${day}-${day}.csv"`);
    const rows = records(res.body);
    const db = await t.ctx.db
      .selectFrom('bookings')
      .select([
        'id',
        'reference',
        'status',
        'channel',
        'total_cents',
        'currency',
        'confirmed_at',
        'closed_at',
      ])
      .where('showtime_id', '=', show.showtimeId)
      .where('confirmed_at', 'is not', null)
      .orderBy('confirmed_at')
      .execute();
    expect(db.length).toBeGreaterThanOrEqual(2);
    expect(rows.map((r) => r.booking_id)).toEqual(db.map((b) => b.id));
    for (const [i, b] of db.entries()) {
      const tickets = await sql<{ label: string }>`
        SELECT se.row_label || se.number AS label FROM tickets t JOIN seats se ON se.id = t.seat_id
         WHERE t.booking_id = ${b.id} ORDER BY se.y, se.x`.execute(t.ctx.db);
      expect(rows[i]).toMatchObject({
        reference: b.reference,
        showtime_id: show.showtimeId,
        seats: tickets.rows.map((x) => x.label).join(' '),
        channel: b.channel,
        amount: (b.total_cents / 100).toFixed(2),
        currency: b.currency,
        status: b.status,
        paid_at: b.confirmed_at!.toISOString(),
        refunded_at: b.status === 'refunded' ? b.closed_at!.toISOString() : '',
      });
    }
    // Another day has none of them.
    const empty = await call('GET', '/admin/sales/bookings.csv?from=2001-01-01&to=2001-01-02');
    expect(parseCsv(empty.body)).toHaveLength(1);
  });

  it('groups occupancy and revenue by showtime, day, movie and theater, matching the database', async () => {
    const truth = await sql<{
      sold: number;
      blocked: number;
      seats: number;
      revenue: number;
      refunds: number;
    }>`
      SELECT (SELECT count(*) FROM seat_inventory WHERE showtime_id = ${show.showtimeId} AND status = 'sold')::int AS sold,
             (SELECT count(*) FROM seat_inventory WHERE showtime_id = ${show.showtimeId} AND status = 'blocked')::int AS blocked,
             (SELECT count(*) FROM seat_inventory WHERE showtime_id = ${show.showtimeId})::int AS seats,
             (SELECT coalesce(sum(total_cents), 0) FROM bookings WHERE showtime_id = ${show.showtimeId} AND status = 'confirmed')::int AS revenue,
             (SELECT count(*) FROM bookings WHERE showtime_id = ${show.showtimeId} AND status = 'refunded')::int AS refunds`.execute(
      t.ctx.db,
    );
    const want = truth.rows[0]!;
    for (const groupBy of ['showtime', 'day', 'movie', 'theater'] as const) {
      const res = await call(
        'GET',
        `/admin/sales/report?from=${day}&to=${day}&groupBy=${groupBy}&theaterId=${show.theaterId}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const report = res.json<{
        rows: Record<string, number | string>[];
        totals: Record<string, number | string>[];
      }>();
      expect(report.rows, groupBy).toHaveLength(1);
      expect(report.rows[0]).toMatchObject({
        showtimes: 1,
        capacity: want.seats - want.blocked,
        sold: want.sold,
        admitted: 1,
        blocked: want.blocked,
        revenueCents: want.revenue,
        refunds: want.refunds,
        occupancy: Math.round((want.sold / (want.seats - want.blocked)) * 10_000) / 10_000,
      });
      expect(report.rows[0]!.cancellations).toBeGreaterThanOrEqual(2);
      expect(report.totals).toEqual([{ ...report.rows[0], key: 'USD', label: 'Total USD' }]);
    }
    const byDay = (
      await call('GET', `/admin/sales/report?from=${day}&to=${day}&theaterId=${show.theaterId}`)
    ).json<{
      rows: { key: string }[];
    }>();
    expect(byDay.rows[0]!.key).toBe(day);

    const csv = await call(
      'GET',
      `/admin/sales/report.csv?from=${day}&to=${day}&groupBy=movie&theaterId=${show.theaterId}`,
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = records(csv.body);
    expect(rows).toHaveLength(2); // the movie, then the total
    expect(rows[0]).toMatchObject({
      key: show.movieId,
      sold: String(want.sold),
      revenue: (want.revenue / 100).toFixed(2),
    });
    expect(rows[1]).toMatchObject({ key: 'USD', label: 'Total USD' });
  });
});
