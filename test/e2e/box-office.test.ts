import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createShowtimeFixture, type ShowtimeFixture } from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  browserSuite,
  HAS_CHROMIUM,
  NO_CHROMIUM_REASON,
  signInWithToken,
  type LiveServer,
} from './browser.js';

/** Issue 12, box office: a clerk sells at the counter from the live seat map, for cash and by card. */
if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 90_000;
const PATIENT = { timeout: 10_000, interval: 100 };

describe.skipIf(!HAS_CHROMIUM)('box office in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let clerk: TestUser;
  let show: ShowtimeFixture;
  let page: Page;

  beforeAll(async () => {
    ({ server, admin } = suite);
    clerk = await createUser(server.app, server.ctx, 'staff', { name: 'Counter Clerk' });
    show = await createShowtimeFixture(server.app, admin.token, {
      rows: 2,
      seatsPerRow: 6,
      prices: { standard: 1200 },
      theater: { name: `Box Office Cinema ${Date.now()}` },
    });
  });

  async function openBoxOffice(): Promise<void> {
    page = await suite.newPage({ viewport: { width: 1366, height: 1000 }, locale: 'en-US' });
    await signInWithToken(page, server.url, clerk.token);
    await page.goto(`${server.url}/box-office`);
    await page.getByTestId('box-office-theater').selectOption(show.theaterId);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(
      new Date(show.startsAt),
    );
    await page.getByLabel('Date').fill(day);
    await page.getByRole('list', { name: 'Showtimes' }).getByRole('button').first().click();
    await page.getByRole('group', { name: 'Row A' }).waitFor();
  }

  const seatButton = (row: string, n: number) =>
    page
      .getByRole('group', { name: `Row ${row}` })
      .getByRole('button', { name: new RegExp(`^Row ${row}, seat ${n},`) });

  const statusOf = async (row: string, n: number) => {
    const seat = show.seats.find((s) => s.row === row && s.number === n)!;
    const r = await server.ctx.db
      .selectFrom('seat_inventory')
      .select('status')
      .where('showtime_id', '=', show.showtimeId)
      .where('seat_id', '=', seat.id)
      .executeTakeFirstOrThrow();
    return r.status;
  };

  it(
    'sells two seats for cash with the change to give, shows the tickets to print, and counts the shift',
    async () => {
      await openBoxOffice();
      await seatButton('A', 3).click();
      await seatButton('A', 4).click();
      await expect
        .poll(() => page.getByTestId('box-office-selection').textContent(), PATIENT)
        .toContain('A3, A4');
      await page.getByLabel('Email').fill('walkin@example.com');
      await page.getByRole('button', { name: 'Hold 2 seats' }).click();
      await page.getByTestId('box-office-payment').waitFor();
      expect(await statusOf('A', 3)).toBe('held');

      const cash = page.getByLabel(/Cash received/);
      await cash.fill('20');
      await expect
        .poll(() => page.getByTestId('box-office-change').textContent(), PATIENT)
        .toMatch(/short of \$24\.00/);
      await cash.fill('30');
      await expect
        .poll(() => page.getByTestId('box-office-change').textContent(), PATIENT)
        .toBe('Change: $6.00');
      await page.getByRole('button', { name: 'Take $24.00 in cash' }).click();

      await page.getByTestId('box-office-sold').waitFor();
      expect(await page.getByTestId('box-office-change-due').textContent()).toBe('Give $6.00 change.');
      expect(await statusOf('A', 3)).toBe('sold');
      expect(await statusOf('A', 4)).toBe('sold');
      // Each ticket with its QR code and short code, as printed.
      await expect.poll(() => page.locator('.print-area img').count(), PATIENT).toBe(2);
      await expect.poll(() => page.getByTestId('shift-cash').textContent(), PATIENT).toBe('$24.00');
      const mail = await server.ctx.db
        .selectFrom('notifications')
        .innerJoin('bookings', 'bookings.id', 'notifications.booking_id')
        .select(['notifications.recipient', 'bookings.channel'])
        .where('bookings.showtime_id', '=', show.showtimeId)
        .execute();
      expect(mail).toEqual([{ recipient: 'walkin@example.com', channel: 'box_office' }]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'sells by card, and a seat sold online meanwhile leaves the selection',
    async () => {
      await openBoxOffice();
      await seatButton('B', 1).click();
      await seatButton('B', 2).click();
      // Someone online takes B2 while the clerk is still choosing.
      const customer = await createUser(server.app, server.ctx, 'customer');
      const b2 = show.seats.find((s) => s.row === 'B' && s.number === 2)!;
      const online = await server.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: customer.auth,
        payload: { showtimeId: show.showtimeId, seatIds: [b2.id] },
      });
      expect(online.statusCode, online.body).toBe(201);
      await expect
        .poll(() => page.getByTestId('box-office-selection').textContent(), PATIENT)
        .toBe('1 seat: B1');

      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.getByTestId('box-office-payment').waitFor();
      await page.getByLabel('Card').check();
      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByLabel(/Expiry/).fill('12/99');
      await page.getByLabel('Security code').fill('123');
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.getByTestId('box-office-sold').waitFor();
      expect(await statusOf('B', 1)).toBe('sold');
      expect(await page.getByTestId('box-office-change-due').count()).toBe(0);
    },
    BROWSER_TEST_MS,
  );
});
