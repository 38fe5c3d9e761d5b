import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMovie, createShowtime, createTheater } from '../helpers/catalog.js';
import { setShowtimeStart } from '../helpers/fixtures.js';
import { createUser, type TestUser } from '../helpers/users.js';
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

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const PATIENT = { timeout: 15_000, interval: 100 };
const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + h * HOUR);

describe.skipIf(!HAS_CHROMIUM)('seat types, in a real browser', () => {
  let browser: Browser;
  let server: LiveServer;
  let admin: TestUser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    [browser, server] = await Promise.all([launchBrowser(), startServer()]);
    admin = await createUser(server.app, server.ctx, 'admin');
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  async function newPage(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    return { page, errors: watchErrors(page) };
  }

  it('an admin creates a Recliner type, paints seats with it, saves; customers see them as Recliner at the surcharged price', async () => {
    const base = server.url;
    const theaterId = await createTheater(server.app, admin, { name: 'Recliner Palace' });
    const { page, errors } = await newPage(1366, 900);
    await signInWithToken(page, base, admin.token);
    await page.goto(`${base}/admin/theaters/${theaterId}/auditoriums/new`);
    await page.getByTestId('designer').waitFor(PATIENT);

    // ---- the seat types panel ----
    const panel = page.getByTestId('seat-types');
    await panel.getByLabel('Name').fill('Recliner');
    await panel.getByLabel('Colour').fill('#e0a020');
    await panel.getByLabel('Base tier').selectOption('premium');
    await panel.getByLabel('Surcharge (USD)').fill('abc'); // said next to the field, nothing sent
    await panel.getByRole('button', { name: 'Add seat type' }).click();
    await panel.getByText('An amount from 0 to 1000.00').waitFor(PATIENT);
    expect(await panel.getByLabel('Surcharge (USD)').getAttribute('aria-invalid')).toBe('true');
    await panel.getByLabel('Surcharge (USD)').fill('3.00');
    await panel.getByRole('button', { name: 'Add seat type' }).click();
    await panel.locator('[data-seat-type="Recliner"]').waitFor(PATIENT);
    expect(await panel.getByTestId('seat-types-status').innerText()).toMatch(/Created Recliner/);
    expect(await panel.locator('[data-seat-type="Recliner"]').innerText()).toMatch(/Premium \+ \$3\.00/);

    // ---- the designer: a tool for the type, row E's first four seats painted with it ----
    await page.getByLabel('Auditorium name').fill('Screen R');
    const cell = (row: string, position: number) =>
      page.getByRole('button', { name: new RegExp(`^Row ${row}, position ${position}:`) });
    await page.getByRole('radio', { name: /Recliner/ }).check();
    for (const p of [1, 2, 3]) await cell('E', p).click();
    // And one by keyboard: the type's digit.
    await cell('E', 4).focus();
    await page.keyboard.press('1');
    for (const p of [1, 2, 3, 4]) {
      expect(await cell('E', p).getAttribute('aria-label')).toBe(
        `Row E, position ${p}: seat ${p}, Recliner (premium)`,
      );
    }
    expect(await cell('E', 5).getAttribute('aria-label')).toBe('Row E, position 5: seat 5, standard');
    expect(await page.getByTestId('designer-counts').innerText()).toMatch(/; 4 Recliner\.$/);
    // The preview draws them in the type's colour and names the type.
    const preview = page.getByTestId('designer-preview');
    expect(await preview.locator('.seat.has-type').count()).toBe(4);
    expect(await preview.locator('.seat.has-type').first().getAttribute('aria-label')).toMatch(
      /^Row E, seat 1, Recliner, /,
    );

    await page.getByRole('button', { name: 'Create auditorium' }).click();
    await page.waitForURL(/\/auditoriums\/[0-9a-f-]{36}\?saved=1$/, PATIENT);
    const auditoriumId = new URL(page.url()).pathname.split('/').pop()!;
    // The saved layout comes back with the type on those seats.
    await page.getByTestId('saved').waitFor(PATIENT);
    expect(await cell('E', 1).getAttribute('aria-label')).toMatch(/Recliner \(premium\)$/);
    // The exported file names the type, not this theater's id for it.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    const exported = JSON.parse(await readFile(await download.path(), 'utf8')) as {
      rows: { label: string; seats: ({ seatType?: string } | null)[] }[];
    };
    const rowE = exported.rows.find((r) => r.label === 'E')!;
    expect(rowE.seats.slice(0, 5).map((c) => c?.seatType ?? null)).toEqual([
      'Recliner',
      'Recliner',
      'Recliner',
      'Recliner',
      null,
    ]);
    expect(errors).toEqual([]);

    // ---- a customer, on a phone ----
    const showtimeId = await createShowtime(server.app, admin, {
      auditoriumId,
      movieId: await createMovie(server.app, admin),
      startsAt: inHours(30),
      prices: { standard: 1200, premium: 1800 },
    });
    const customer = await createUser(server.app, server.ctx);
    const phone = await newPage(390, 844);
    await signInWithToken(phone.page, base, customer.token);
    await phone.page.goto(`${base}/showtimes/${showtimeId}`);
    await phone.page.locator('.seatmap .seat').first().waitFor(PATIENT);
    const legend = phone.page.getByTestId('legend');
    expect(await legend.locator('[data-seat-type="Recliner"]').innerText()).toMatch(/^Recliner\s+\$21\.00$/);
    // Only plain standard seats are left, so the legend lists Standard but no plain Premium.
    expect(await legend.innerText()).toMatch(/Standard\s+\$12\.00/);
    expect(await legend.innerText()).not.toMatch(/Premium/);
    const typed = phone.page.locator('.seatmap .seat.has-type');
    expect(await typed.count()).toBe(4);
    expect(await typed.first().getAttribute('aria-label')).toBe('Row E, seat 1, Recliner, $21.00, available');
    const colour = await typed
      .first()
      .evaluate((el) =>
        (el as unknown as { style: { getPropertyValue(p: string): string } }).style.getPropertyValue(
          '--type-colour',
        ),
      );
    expect(colour).toBe('#e0a020');

    // Selected, the seat still shows it is selected (the state's own fill), with the type's colour on top.
    await typed.first().click();
    expect(await typed.first().getAttribute('aria-pressed')).toBe('true');
    expect(await typed.first().getAttribute('data-status')).toBe('selected');

    // ---- bought: the booking page and the QR ticket say Recliner, not the Premium it is built on ----
    await phone.page.getByRole('button', { name: 'Hold 1 seat' }).first().click();
    await phone.page.waitForURL(/\/bookings\/[0-9a-f-]+$/, PATIENT);
    const summary = phone.page.getByRole('region', { name: 'Booking summary' });
    await summary.waitFor(PATIENT);
    expect(await summary.locator('.chosen-list').innerText()).toMatch(
      /Row E, seat 1\s+Recliner · Adult\s+\$21\.00/,
    );
    await phone.page.getByLabel('Card number').fill('4242424242424242');
    await phone.page.getByLabel('Expiry (MM/YY)').fill('12/39');
    await phone.page.getByLabel('Security code').fill('123');
    await phone.page.getByRole('button', { name: 'Pay $21.00' }).click();
    const reference = phone.page.getByTestId('booking-reference');
    await reference.waitFor(PATIENT);
    const ticket = phone.page.getByTestId('ticket');
    await ticket.waitFor(PATIENT);
    expect(await ticket.innerText()).toMatch(/Recliner · \$21\.00/);
    expect(await phone.page.locator('main').innerText()).not.toMatch(/Premium/);
    expect(phone.errors).toEqual([]);

    // ---- at the door, once the doors are open: the ticket and the verdict say Recliner ----
    await setShowtimeStart(server.ctx.db, showtimeId, new Date(Date.now() + 60 * 60_000));
    const staff = await createUser(server.app, server.ctx, 'staff');
    const door = await newPage(1024, 768);
    await signInWithToken(door.page, base, staff.token);
    await door.page.goto(`${base}/checkin`);
    await door.page.getByLabel('Ticket code or booking reference').fill((await reference.textContent())!);
    await door.page.getByRole('button', { name: 'Look up' }).click();
    const doorTicket = door.page.getByTestId('door-ticket');
    await doorTicket.waitFor(PATIENT);
    expect(await doorTicket.innerText()).toMatch(/^Row E, seat 1 Recliner /);
    await doorTicket.getByRole('button', { name: 'Admit' }).click();
    const verdict = door.page.getByTestId('checkin-verdict');
    await expect.poll(() => verdict.textContent().catch(() => ''), PATIENT).toContain('Admitted');
    expect(await verdict.innerText()).toContain('Row E, seat 1 (Recliner)');
    expect(door.errors).toEqual([]);
  });
});
