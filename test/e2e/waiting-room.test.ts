import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitingRoomOf } from '../../src/modules/waiting-room/waiting-room.service.js';
import { createShowtimeFixture, type ShowtimeFixture } from '../helpers/catalog.js';
import { createUser, customerTokens, type TestUser } from '../helpers/users.js';
import {
  ensureWebBuild,
  HAS_CHROMIUM,
  launchBrowser,
  NO_CHROMIUM_REASON,
  signInWithToken,
  startServer,
  watchErrors,
  type LiveServer,
} from './browser.js';

/**
 * Issue 13, waiting room: a customer opening a high-demand showtime waits in the queue (a countdown before the
 * on-sale time, then the place and the people ahead, live), keeps the place across a reload, is admitted and
 * holds seats. The admission tick is driven by the test (WAITING_ROOM_TICK_MS=0), so every step is exact.
 */
if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 120_000;
const PATIENT = { timeout: 10_000, interval: 100 };

describe.skipIf(!HAS_CHROMIUM)('waiting room in a real browser', () => {
  let browser: Browser;
  let server: LiveServer;
  let admin: TestUser;
  let customer: TestUser;
  let show: ShowtimeFixture;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureWebBuild();
    [browser, server] = await Promise.all([launchBrowser(), startServer({ WAITING_ROOM_TICK_MS: '0' })]);
    admin = await createUser(server.app, server.ctx, 'admin');
    customer = await createUser(server.app, server.ctx, 'customer', { name: 'Queue Fan' });
    show = await createShowtimeFixture(server.app, admin.token, {
      rows: 3,
      seatsPerRow: 6,
      prices: { standard: 1500 },
      theater: { name: `Premiere Palace ${Date.now()}` },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    expect(errors, 'uncaught errors in the page').toEqual([]);
    await context?.close();
  });

  const api = (method: 'POST' | 'PUT', url: string, token: string, payload?: object) =>
    server.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
  /** Another showtime of the same film in the same auditorium, `days` after the first. */
  const showtimeDaysLater = (days: number) =>
    createShowtimeFixture(server.app, admin.token, {
      theaterId: show.theaterId,
      auditoriumId: show.auditoriumId,
      movieId: show.movieId,
      startsAt: new Date(new Date(show.startsAt).getTime() + days * 86_400_000),
    });
  const myEntry = () =>
    server.ctx.db
      .selectFrom('waiting_room_entries')
      .selectAll()
      .where('showtime_id', '=', show.showtimeId)
      .where('user_id', '=', customer.id)
      .execute();

  it(
    'waits (countdown, then place and people ahead, live), keeps the place on reload, is admitted and holds',
    async () => {
      const set = await api('PUT', `/admin/showtimes/${show.showtimeId}/waiting-room`, admin.token, {
        onSaleAt: new Date(Date.now() + 3_600_000).toISOString(),
        admitPerMinute: 60,
      });
      expect(set.statusCode, set.body).toBe(200);
      // Two other customers are in the pre-queue too: the opening draws the three places at random.
      const others = await customerTokens(server.ctx, 2, 'rival');
      for (const token of others) {
        expect((await api('POST', `/showtimes/${show.showtimeId}/queue`, token)).statusCode).toBe(200);
      }

      context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
      page = await context.newPage();
      errors = watchErrors(page);
      await signInWithToken(page, server.url, customer.token);
      await page.goto(`${server.url}/showtimes/${show.showtimeId}`);
      await page.waitForURL(`${server.url}/showtimes/${show.showtimeId}/queue`);
      await page.getByRole('heading', { name: 'You are in the queue' }).waitFor(PATIENT);
      await expect
        .poll(() => page.getByTestId('queue-countdown').textContent(), PATIENT)
        .toMatch(/Sales open in(59|60):\d\d/);

      // A reload keeps the one place (the join is idempotent per account).
      await page.reload();
      await page.getByRole('heading', { name: 'You are in the queue' }).waitFor(PATIENT);
      expect(await myEntry()).toHaveLength(1);

      // The on-sale time comes: the pre-queue is shuffled; the page shows the place it drew, live.
      await sql`UPDATE waiting_rooms SET on_sale_at = now() - interval '1 second' WHERE showtime_id = ${show.showtimeId}`.execute(
        server.ctx.db,
      );
      await waitingRoomOf(server.ctx).tick();
      const [entry] = await myEntry();
      const position = Number(entry!.position);
      expect(position).toBeGreaterThanOrEqual(1);
      expect(position).toBeLessThanOrEqual(3);
      await expect
        .poll(() => page.getByTestId('queue-position').textContent(), PATIENT)
        .toBe(`Your number${position}`);
      expect(await page.getByTestId('queue-ahead').textContent()).toBe(`People ahead of you${position - 1}`);
      // At 60 a minute, one place is about a second: "less than a minute" or a few minutes, never nothing.
      expect(await page.getByTestId('queue-wait').textContent()).toMatch(
        /^Estimated wait(less than a minute|\d+ minutes?)$/,
      );

      await page.reload();
      await expect
        .poll(() => page.getByTestId('queue-position').textContent(), PATIENT)
        .toBe(`Your number${position}`);

      // One admission a second: the people ahead go first, then it is our turn and the seat map opens.
      for (let admitted = 0; admitted < position; admitted++) {
        await sql`UPDATE waiting_rooms SET credit_at = now() - interval '1 second' WHERE showtime_id = ${show.showtimeId}`.execute(
          server.ctx.db,
        );
        await waitingRoomOf(server.ctx).tick();
        if (admitted + 1 < position) {
          await expect
            .poll(() => page.getByTestId('queue-ahead').textContent(), PATIENT)
            .toBe(`People ahead of you${position - admitted - 2}`);
        }
      }
      await page.waitForURL(`${server.url}/showtimes/${show.showtimeId}`, PATIENT);
      const seat = page.getByRole('button', { name: /^Row A, seat 3,/ });
      await seat.waitFor(PATIENT);
      await seat.click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.waitForURL(/\/bookings\//, PATIENT);
      const bookings = await server.ctx.db
        .selectFrom('bookings')
        .select(['status'])
        .where('user_id', '=', customer.id)
        .where('showtime_id', '=', show.showtimeId)
        .execute();
      expect(bookings).toEqual([{ status: 'pending' }]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'a hold without an admission is refused, and the customer is sent to the queue',
    async () => {
      const [rival] = await customerTokens(server.ctx, 1, 'direct');
      const res = await api('POST', '/bookings', rival!, {
        showtimeId: show.showtimeId,
        seatIds: [show.seatIds[10]!],
      });
      expect(res.statusCode).toBe(403);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('ADMISSION_REQUIRED');

      // A second tab of the admitted customer goes straight to the seat map: the queue answers the same place.
      context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
      page = await context.newPage();
      errors = watchErrors(page);
      await signInWithToken(page, server.url, customer.token);
      await page.goto(`${server.url}/showtimes/${show.showtimeId}`);
      await page.waitForURL(`${server.url}/showtimes/${show.showtimeId}/queue`);
      await page.waitForURL(`${server.url}/showtimes/${show.showtimeId}`, PATIENT);
      await page.getByRole('button', { name: /^Row B, seat 1,/ }).waitFor(PATIENT);
    },
    BROWSER_TEST_MS,
  );

  it(
    'an operator marks a showtime high-demand in the console; it is audited',
    async () => {
      const later = await showtimeDaysLater(2);
      context = await browser.newContext({
        viewport: { width: 1366, height: 900 },
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      page = await context.newPage();
      errors = watchErrors(page);
      await signInWithToken(page, server.url, admin.token);
      await page.goto(`${server.url}/admin`);
      await page
        .getByRole('navigation', { name: 'Operator console' })
        .getByRole('link', { name: 'Waiting rooms' })
        .click();
      await page.getByRole('heading', { name: 'Waiting rooms' }).waitFor(PATIENT);
      const rows = page.getByTestId('wr-showtimes').getByRole('row');
      await rows.nth(2).waitFor(PATIENT); // header + two showtimes, soonest first
      await rows
        .nth(2)
        .getByRole('button', { name: /^Waiting room/ })
        .click();
      const editor = page.getByTestId('wr-editor');
      await editor.getByText('This showtime sells normally').waitFor(PATIENT);
      const onSale = new Date(Date.now() + 2 * 3_600_000);
      onSale.setUTCSeconds(0, 0);
      await editor.getByLabel('On-sale time').fill(onSale.toISOString().slice(0, 16));
      await editor.getByLabel('Let in per minute').fill('450');
      await editor.getByLabel('At most choosing seats at once').fill('120');
      await editor.getByRole('button', { name: 'Mark high-demand' }).click();
      await expect.poll(() => page.getByTestId('wr-saved').textContent(), PATIENT).toMatch(/^Saved/);
      await editor.getByTestId('wr-stats').waitFor(PATIENT);

      const room = await server.ctx.db
        .selectFrom('waiting_rooms')
        .selectAll()
        .where('showtime_id', '=', later.showtimeId)
        .executeTakeFirstOrThrow();
      expect(room).toMatchObject({ admit_per_minute: 450, max_active: 120 });
      expect(room.on_sale_at.toISOString()).toBe(onSale.toISOString());
      const audit = await server.ctx.db
        .selectFrom('audit_log')
        .select(['action', 'actor_id'])
        .where('subject_id', '=', later.showtimeId)
        .where('action', 'like', 'showtime.waiting_room%')
        .execute();
      expect(audit).toEqual([{ action: 'showtime.waiting_room_set', actor_id: admin.id }]);
    },
    BROWSER_TEST_MS,
  );
  it(
    'warns when the people ahead will likely take every seat; after leaving, a reload shows the place ended and does not queue again until asked',
    async () => {
      const small = await showtimeDaysLater(3);
      const set = await api('PUT', `/admin/showtimes/${small.showtimeId}/waiting-room`, admin.token, {
        onSaleAt: new Date(Date.now() + 3_600_000).toISOString(),
        maxActive: 1,
      });
      expect(set.statusCode, set.body).toBe(200);
      await sql`UPDATE waiting_rooms SET on_sale_at = now() - interval '1 second' WHERE showtime_id = ${small.showtimeId}`.execute(
        server.ctx.db,
      );
      await waitingRoomOf(server.ctx).tick();
      // 18 seats; one admitted and 9 waiting ahead, at 2 tickets a purchase, want 20.
      const rivals = await customerTokens(server.ctx, 10, 'crowd');
      for (const token of rivals) {
        expect((await api('POST', `/showtimes/${small.showtimeId}/queue`, token)).statusCode).toBe(200);
      }
      await waitingRoomOf(server.ctx).tick();

      const fan = await createUser(server.app, server.ctx, 'customer', { name: 'Late Fan' });
      const entry = () =>
        server.ctx.db
          .selectFrom('waiting_room_entries')
          .select(['status', 'position'])
          .where('showtime_id', '=', small.showtimeId)
          .where('user_id', '=', fan.id)
          .execute();
      context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
      page = await context.newPage();
      errors = watchErrors(page);
      await signInWithToken(page, server.url, fan.token);
      await page.goto(`${server.url}/showtimes/${small.showtimeId}/queue`);
      await expect
        .poll(() => page.getByTestId('queue-ahead').textContent(), PATIENT)
        .toBe('People ahead of you9');
      await expect
        .poll(() => page.getByTestId('queue-sellout').textContent(), PATIENT)
        .toMatch(/^18 seats left, and the 9 people ahead of you are likely to take them\./);
      expect(await entry()).toEqual([{ status: 'waiting', position: 11 }]);

      await page.getByRole('button', { name: 'Leave the queue' }).click();
      await page.waitForURL(`${server.url}/movies/${small.movieId}`, PATIENT);
      expect(await entry()).toEqual([{ status: 'left', position: 11 }]);

      // Coming back (or reloading) shows the place ended; nothing joins behind the customer's back.
      await page.goto(`${server.url}/showtimes/${small.showtimeId}/queue`);
      await page.getByText('You left the queue.').waitFor(PATIENT);
      await page.reload();
      await page.getByText('You left the queue.').waitFor(PATIENT);
      expect(await entry()).toEqual([{ status: 'left', position: 11 }]);

      // Asked to, it queues again, at the back.
      await page.getByRole('button', { name: 'Queue again' }).click();
      await expect
        .poll(() => page.getByTestId('queue-position').textContent(), PATIENT)
        .toBe('Your number10');
      expect(await entry()).toEqual([{ status: 'waiting', position: 12 }]);
    },
    BROWSER_TEST_MS,
  );
});
