import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type Workers } from '../../src/jobs/worker.js';
import { createMovie, createShowtimeFixture } from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  ensureWebBuild,
  HAS_CHROMIUM,
  launchBrowser,
  localDate,
  NO_CHROMIUM_REASON,
  signUpInBrowser,
  startServer,
  watchErrors,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 120_000;
const PATIENT = { timeout: 15_000, interval: 100 };

/** The breakdown's lines as "label amount" text, in order (seat map, checkout, receipt). */
async function breakdownLines(page: Page): Promise<string[]> {
  const box = page.getByTestId('price-breakdown').first();
  await box.waitFor();
  return (await box.locator('.breakdown-line').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim());
}

describe.skipIf(!HAS_CHROMIUM)('prices before seats, in a real browser', () => {
  let browser: Browser;
  let server: LiveServer;
  let workers: Workers;
  let dataDir: string;
  let admin: TestUser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureWebBuild();
    dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-e2e-mail-'));
    // No SMTP_URL: confirmation emails land in the development mailbox (DATA_DIR/mail, shown at /dev/mail).
    [browser, server] = await Promise.all([launchBrowser(), startServer({ DATA_DIR: dataDir })]);
    workers = await startWorkers(server.ctx, { sweepIntervalMs: 60_000 });
    admin = await createUser(server.app, server.ctx, 'admin');
  }, 60_000);

  afterAll(async () => {
    await workers?.stop();
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(errors, 'uncaught errors in the page').toEqual([]);
    await context?.close();
  });

  it(
    'shows "From" on the theater page, prices 1 adult + 1 child on the seat map, and the same breakdown on the receipt and in the email',
    async () => {
      const movieId = await createMovie(server.app, admin.token, {
        title: 'Paper Lanterns',
        runtimeMinutes: 95,
      });
      const f = await createShowtimeFixture(server.app, admin.token, {
        movieId,
        rows: 4,
        seatsPerRow: 6,
        premiumRows: [2],
        prices: { standard: 1450, premium: 1950 },
        theater: { name: 'Lantern Row Cinema', address: '9 Lantern Row' },
      });
      const call = async (url: string, payload: object) => {
        const res = await server.app.inject({
          method: 'PATCH',
          url: `/api/v1/admin${url}`,
          headers: admin.auth,
          payload,
        });
        expect(res.statusCode, res.body).toBe(200);
      };
      await call(`/theaters/${f.theaterId}`, { bookingFeeCents: 189, taxRatePpm: 88_750 });
      await call(`/showtimes/${f.showtimeId}`, { ticketTypes: { child: 400, senior: 250 } });

      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      errors = watchErrors(page);
      await signUpInBrowser(page, server.url);

      // The theater page: "From $10.50" (the cheapest ticket: a child's standard seat, 14.50 - 4.00).
      await page.goto(`${server.url}/theaters/${f.theaterId}?date=${localDate(f.startsAt)}`);
      const from = page.getByTestId('showtime-from').first();
      await expect.poll(() => from.textContent(), PATIENT).toBe('From $10.50');
      await page.getByTestId('showtime').first().click();

      // The seat map: two standard seats, then one child ticket.
      await page.waitForURL(new RegExp(`/showtimes/${f.showtimeId}$`));
      await page.getByRole('button', { name: /^Row B, seat 3,/ }).click();
      await page.getByRole('button', { name: /^Row B, seat 4,/ }).click();
      await expect.poll(() => page.getByTestId('ticket-type-adult').textContent(), PATIENT).toBe('2');
      await page.getByRole('button', { name: 'One child ticket more' }).click();
      await expect.poll(() => page.getByTestId('ticket-type-adult').textContent(), PATIENT).toBe('1');
      expect(await page.getByTestId('ticket-type-child').textContent()).toBe('1');
      // 14.50 + 10.50 = 25.00; fee 2 x 1.89 = 3.78; tax 8.875% of 28.78 = 2.554... -> 2.55; total 31.33.
      const expected = [
        '1 Adult $14.50',
        '1 Child $10.50',
        'Booking fee $3.78',
        'Tax (8.875%) $2.55',
        'Total (2 tickets) $31.33',
      ];
      await expect.poll(() => breakdownLines(page), PATIENT).toEqual(expected);
      await page.getByRole('button', { name: 'Hold 2 seats' }).click();

      // Checkout: the stored breakdown, the same lines, and the button charges its total.
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      await page.getByTestId('countdown').waitFor();
      expect(await breakdownLines(page)).toEqual(expected);
      await page.getByLabel('Card number').fill('4242424242424242');
      await page.getByLabel('Expiry (MM/YY)').fill('12/39');
      await page.getByLabel('Security code').fill('123');
      await page.getByRole('button', { name: 'Pay $31.33' }).click();

      // The receipt: the same again, as paid.
      const reference = page.getByTestId('booking-reference');
      await reference.waitFor();
      const ref = (await reference.textContent())!.trim();
      const paid = expected.slice(0, -1).concat('Total paid (2 tickets) $31.33');
      await expect.poll(() => breakdownLines(page), PATIENT).toEqual(paid);

      // The confirmation email in the development mailbox, opened in the browser as a developer would.
      await expect
        .poll(async () => {
          await page.goto(`${server.url}/dev/mail`);
          return page.getByRole('link', { name: new RegExp(ref) }).count();
        }, PATIENT)
        .toBe(1);
      await page.getByRole('link', { name: new RegExp(ref) }).click();
      const mail = (await page.locator('body').innerText()).replace(/[ \t]+/g, ' ');
      expect(mail).toMatch(/1 Adult\s+\$14\.50/);
      expect(mail).toMatch(/1 Child\s+\$10\.50/);
      expect(mail).toMatch(/Booking fee\s+\$3\.78/);
      expect(mail).toMatch(/Tax \(8\.875%\)\s+\$2\.55/);
      expect(mail).toMatch(/Total paid\s+\$31\.33/);
    },
    BROWSER_TEST_MS,
  );
});
