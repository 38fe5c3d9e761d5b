import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createShowtimeFixture, type ShowtimeFixture } from '../helpers/catalog.js';
import { customerBuys, type TestUser } from '../helpers/users.js';
import {
  HAS_CHROMIUM,
  localDate,
  NO_CHROMIUM_REASON,
  signInWithToken,
  type LiveServer,
  browserSuite,
} from './browser.js';
import { csvRecords } from '../helpers/csv.js';

/** Issue 12, sales and occupancy: an operator watches a showtime sell live, refunds, blocks, exports CSV. */
if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 120_000;
const PATIENT = { timeout: 10_000, interval: 100 };

describe.skipIf(!HAS_CHROMIUM)('sales console in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let show: ShowtimeFixture;
  let page: Page;

  beforeAll(async () => {
    ({ server, admin } = suite);
    show = await createShowtimeFixture(server.app, admin.token, {
      rows: 2,
      seatsPerRow: 6,
      prices: { standard: 1200 },
      theater: { name: `Sales Cinema ${Date.now()}` },
    });
  });

  async function open(width: number, height: number): Promise<void> {
    page = await suite.newPage({ viewport: { width, height }, locale: 'en-US' });
    await signInWithToken(page, server.url, admin.token);
  }

  const seatButton = (row: string, n: number) =>
    page
      .getByRole('group', { name: `Row ${row}` })
      .getByRole('button', { name: new RegExp(`^Row ${row}, seat ${n},`) });
  const seatId = (row: string, n: number) => show.seats.find((s) => s.row === row && s.number === n)!.id;

  it(
    'watches a purchase arrive live, refunds it with a reason, blocks a seat, and exports the day as CSV',
    async () => {
      await open(1366, 1000);
      await page.goto(`${server.url}/admin`);
      await page
        .getByRole('navigation', { name: 'Operator console' })
        .getByRole('link', { name: 'Sales' })
        .click();
      await page.getByTestId('sales-theater').selectOption(show.theaterId);
      const day = localDate(show.startsAt);
      await page.getByTestId('sales-date').fill(day);
      await page.getByTestId('sales-showtimes').getByRole('link').first().click();
      await seatButton('A', 1).waitFor();
      expect(await seatButton('A', 1).getAttribute('data-status')).toBe('available');

      // A customer buys A1 and A2 elsewhere: the operator's map shows them sold, and who bought them.
      const bought = await customerBuys(server.app, server.ctx, show.showtimeId, [
        seatId('A', 1),
        seatId('A', 2),
      ]);
      await expect.poll(() => seatButton('A', 1).getAttribute('data-status'), PATIENT).toBe('sold');
      await expect.poll(() => seatButton('A', 1).getAttribute('aria-label'), PATIENT).toContain(bought.email);
      expect(await seatButton('A', 2).getAttribute('data-status')).toBe('sold');
      await expect
        .poll(() => page.getByTestId('sales-live').textContent(), PATIENT)
        .toContain('A1, A2 now sold');
      expect(await page.getByTestId('count-sold').textContent()).toBe('2');
      const kept = await customerBuys(server.app, server.ctx, show.showtimeId, [seatId('B', 6)]);
      await expect.poll(() => seatButton('B', 6).getAttribute('data-status'), PATIENT).toBe('sold');

      // Refund: select the seat, ask, a reason is required, confirm.
      await seatButton('A', 1).click();
      expect(await seatButton('A', 1).getAttribute('aria-pressed')).toBe('true');
      await expect.poll(() => page.getByTestId('sales-picked').textContent()).toContain(bought.reference);
      await page.getByRole('button', { name: `Refund ${bought.reference}…` }).click();
      await page.getByRole('button', { name: 'Confirm refund' }).click();
      await page.getByText('Give the reason for the refund').waitFor();
      await page.getByTestId('sales-reason').fill('Customer was double charged by their bank');
      await page.getByRole('button', { name: 'Confirm refund' }).click();
      await page.getByText(`Refunded booking ${bought.reference}`).waitFor();
      await expect.poll(() => seatButton('A', 1).getAttribute('data-status'), PATIENT).toBe('available');
      const refunded = await server.ctx.db
        .selectFrom('bookings')
        .select('status')
        .where('id', '=', bought.id)
        .executeTakeFirstOrThrow();
      expect(refunded.status).toBe('refunded');
      const audit = await server.ctx.db
        .selectFrom('audit_log')
        .select(['action', 'reason', 'actor_id'])
        .where('subject_id', '=', bought.id)
        .execute();
      expect(audit).toEqual([
        { action: 'booking.refund', reason: 'Customer was double charged by their bank', actor_id: admin.id },
      ]);

      // Block a free seat with the keyboard-reachable buttons; it is drawn apart and a customer cannot hold it.
      await seatButton('B', 1).click();
      await page.getByRole('button', { name: 'Block 1 seat' }).click();
      await page.getByRole('button', { name: 'Confirm block' }).click();
      await expect.poll(() => seatButton('B', 1).getAttribute('data-status'), PATIENT).toBe('blocked');
      expect(await seatButton('B', 1).getAttribute('aria-label')).toContain('blocked, not for sale');

      // Reports: the day's sales as CSV match the bookings in the database.
      await page.getByRole('link', { name: 'All showtimes' }).click();
      await page.getByRole('link', { name: 'Reports and CSV exports' }).click();
      await page.getByTestId('report-from').fill(day);
      await page.getByTestId('report-to').fill(day);
      await page.getByTestId('report-theater').selectOption(show.theaterId);
      await page.getByTestId('report-table').waitFor();
      await expect.poll(() => page.getByTestId('report-table').textContent(), PATIENT).toContain('Total USD');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('download-sales').click(),
      ]);
      expect(download.suggestedFilename()).toBe(`matinee-sales-${day}-${day}.csv`);
      const rows = csvRecords(await readFile(await download.path(), 'utf8'));
      const db = await server.ctx.db
        .selectFrom('bookings')
        .select(['id', 'status', 'total_cents', 'currency', 'channel', 'confirmed_at', 'closed_at'])
        .where('showtime_id', '=', show.showtimeId)
        .where('confirmed_at', 'is not', null)
        .orderBy('confirmed_at')
        .execute();
      expect(db.map((b) => b.id).sort()).toEqual([bought.id, kept.id].sort());
      expect(rows).toHaveLength(db.length);
      for (const [i, b] of db.entries()) {
        expect(rows[i]).toMatchObject({
          booking_id: b.id,
          showtime_id: show.showtimeId,
          status: b.status,
          channel: b.channel,
          amount: (b.total_cents / 100).toFixed(2),
          currency: b.currency,
          paid_at: b.confirmed_at!.toISOString(),
          refunded_at: b.status === 'refunded' ? b.closed_at!.toISOString() : '',
        });
      }
      expect(rows.find((r) => r.booking_id === bought.id)!.seats).toBe('A1 A2');
    },
    BROWSER_TEST_MS,
  );

  it(
    'fits a phone: the seat view at 390 px has no sideways scrolling, and seats are reachable by keyboard',
    async () => {
      await open(390, 844);
      await page.goto(`${server.url}/admin/sales/showtimes/${show.showtimeId}`);
      await seatButton('A', 3).waitFor();
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await seatButton('A', 3).focus();
      await page.keyboard.press('Enter');
      expect(await seatButton('A', 3).getAttribute('aria-pressed')).toBe('true');
      await page.getByRole('button', { name: 'Block 1 seat' }).waitFor();
      await page.goto(`${server.url}/admin/sales/reports`);
      await page.getByTestId('report-table').or(page.getByText('No showtimes in this range.')).waitFor();
      const reportOverflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(reportOverflow).toBeLessThanOrEqual(0);
    },
    BROWSER_TEST_MS,
  );
});
