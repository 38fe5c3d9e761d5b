import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMovie, createShowtime } from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  ensureWebBuild,
  HAS_CHROMIUM,
  launchBrowser,
  NO_CHROMIUM_REASON,
  signUpInBrowser,
  startServer,
  watchErrors,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const PATIENT = { timeout: 15_000, interval: 100 };
const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Math.ceil(Date.now() / HOUR) * HOUR + h * HOUR);

interface LayoutRowOut {
  label: string;
  y: number;
  stagger: boolean;
  curve: number;
  seats: ({ number: number; tier: string; x: number; blocked: string | null } | null)[];
}

/** The customer's seat map as the page draws it: name, tier (from the label) and where it was moved to. */
async function customerMap(page: Page, base: string, showtimeId: string) {
  await page.goto(`${base}/showtimes/${showtimeId}`);
  await page.locator('.seatmap .seat').first().waitFor(PATIENT);
  // The test's own types: the callback runs in the page, where these are HTMLElements.
  interface SeatButton {
    dataset: Record<string, string | undefined>;
    style: { gridColumn: string; translate: string };
    getAttribute(name: string): string | null;
  }
  return page.locator('.seatmap .seat').evaluateAll((els) =>
    els.map((el) => {
      const b = el as unknown as SeatButton;
      return {
        name: b.dataset.name ?? '',
        column: b.style.gridColumn,
        label: (b.getAttribute('aria-label') ?? '').replace(/, \$[\d.]+,/, ','),
        moved: b.style.translate !== '' && b.style.translate !== 'none',
      };
    }),
  );
}

describe.skipIf(!HAS_CHROMIUM)('operator console, in a real browser', () => {
  let browser: Browser;
  let server: LiveServer;
  let root: TestUser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureWebBuild();
    [browser, server] = await Promise.all([launchBrowser(), startServer()]);
    root = await createUser(server.app, server.ctx, 'admin');
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    errors = watchErrors(page);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('a new admin sets up a theater, draws an auditorium, copies it by JSON, and customers see that layout', async () => {
    const base = server.url;
    // A customer is told plainly that the console is not for them.
    const email = await signUpInBrowser(page, base, 'Olive Operator');
    await page.goto(`${base}/admin`);
    await page.getByTestId('not-allowed').waitFor(PATIENT);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/for administrators/);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Console' }).count(),
    ).toBe(0);

    // Made an admin by another admin, she signs in again (a role change ends her sessions).
    const user = await server.ctx.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    const promoted = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: root.auth,
      payload: { role: 'admin' },
    });
    expect(promoted.statusCode).toBe(200);
    await page.evaluate("window.localStorage.removeItem('matinee.token')");
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('password-123');
    await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Console' }).click();
    await page.getByRole('heading', { level: 1, name: 'Theaters' }).waitFor(PATIENT);

    // ---- a theater ----
    await page.getByRole('link', { name: 'New theater' }).click();
    await page.getByLabel('Name').fill('Bijou Operator');
    await page.getByLabel('Street address').fill('12 Elm St');
    await page.getByLabel('City').fill('Springfield');
    await page.getByLabel('Latitude').fill('123'); // out of range: said next to the field, nothing sent
    await page.getByLabel('Longitude').fill('-89.65');
    await page.getByRole('button', { name: 'Create theater' }).click();
    await page.getByText('A latitude between -90 and 90').waitFor(PATIENT);
    expect(await page.getByLabel('Latitude').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Latitude').fill('39.80');
    await page.getByLabel('Time zone').selectOption('America/Chicago');
    await page.getByLabel('Booking fee per ticket (USD)').fill('1.25');
    await page.getByLabel('Sales tax (%)').fill('6.25');
    await page.getByRole('button', { name: 'Create theater' }).click();
    await page.waitForURL(/\/admin\/theaters\/[0-9a-f-]{36}$/, PATIENT);
    const theaterId = page.url().split('/').pop()!;
    const theater = await server.app.inject({
      url: `/api/v1/admin/theaters/${theaterId}`,
      headers: root.auth,
    });
    expect(theater.json()).toMatchObject({
      theater: {
        name: 'Bijou Operator',
        timeZone: 'America/Chicago',
        bookingFeeCents: 125,
        taxRatePpm: 62_500,
      },
    });

    // ---- the designer: 6 rows of 12, an aisle, a staggered and a curved row, 2 wheelchair spaces ----
    await page.getByRole('link', { name: 'New auditorium' }).click();
    await page.getByTestId('designer').waitFor(PATIENT);
    await page.getByLabel('Auditorium name').fill('Screen 1');
    await page.getByLabel('Aisle after position').fill('6');
    await page.getByRole('button', { name: 'Insert aisle in every row' }).click();
    await page.getByRole('checkbox', { name: 'Staggered row B' }).check();
    await page.getByLabel('Curve of row C').selectOption('6');
    const cell = (row: string, position: number) =>
      page.getByRole('button', { name: new RegExp(`^Row ${row}, position ${position}:`) });
    await page.getByRole('radio', { name: /Wheelchair space/ }).check();
    await cell('A', 1).click();
    await cell('A', 13).click();
    await page.getByRole('radio', { name: /Companion seat/ }).check();
    await cell('A', 2).click();
    await cell('A', 12).click();
    await page.getByRole('radio', { name: /Blocked: broken/ }).check();
    await cell('F', 4).click();
    expect(await cell('A', 7).getAttribute('aria-label')).toBe('Row A, position 7: gap');
    expect(await cell('F', 4).getAttribute('aria-label')).toBe(
      'Row F, position 4: seat 4, standard, blocked (broken)',
    );

    // Undo and redo, with the keyboard: a premium seat placed by key, taken back, put again, taken back.
    await cell('E', 5).focus();
    await page.keyboard.press('p');
    expect(await cell('E', 5).getAttribute('aria-label')).toMatch(/premium/);
    await page.keyboard.press('Control+z');
    expect(await cell('E', 5).getAttribute('aria-label')).toMatch(/seat 5, standard$/);
    await page.keyboard.press('Control+Shift+z');
    expect(await cell('E', 5).getAttribute('aria-label')).toMatch(/premium/);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await cell('E', 5).getAttribute('aria-label')).toMatch(/seat 5, standard$/);
    // Arrow keys move between positions.
    await cell('E', 5).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toMatch(
      /^Row E, position 6:/,
    );

    expect(await page.getByTestId('designer-counts').innerText()).toBe(
      '72 seats: 2 wheelchair spaces, 2 companion seats, 1 blocked.',
    );
    // The preview is the customers' seat map: the blocked seat is not on it.
    expect(await page.getByTestId('designer-preview').locator('.seat').count()).toBe(71);

    await page.getByRole('button', { name: 'Create auditorium' }).click();
    await page.waitForURL(/\/auditoriums\/[0-9a-f-]{36}\?saved=1$/, PATIENT);
    const firstId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByTestId('versioning').waitFor(PATIENT);
    expect(await page.getByTestId('versioning').innerText()).toMatch(
      /new version for showtimes scheduled from now on/,
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    const exported = await readFile(await download.path(), 'utf8');
    const file = JSON.parse(exported) as { format: string; name: string; rows: LayoutRowOut[] };
    expect(file).toMatchObject({ format: 'matinee.seat-layout/1', name: 'Screen 1' });
    expect(file.rows).toHaveLength(6);
    expect(file.rows[1]).toMatchObject({ label: 'B', stagger: true });
    expect(file.rows[2]).toMatchObject({ label: 'C', curve: 6 });

    // ---- a second auditorium from the file ----
    await page.getByRole('link', { name: 'Bijou Operator' }).click();
    await page.getByRole('link', { name: 'New auditorium' }).click();
    await page.getByTestId('designer').waitFor(PATIENT);
    await page.getByLabel('Auditorium name').fill('Screen 2');
    await page.getByLabel('Import JSON').setInputFiles({
      name: 'screen-1.layout.json',
      mimeType: 'application/json',
      buffer: Buffer.from(exported),
    });
    await page.getByText('Imported screen-1.layout.json').waitFor(PATIENT);
    expect(await page.getByLabel('Auditorium name').inputValue()).toBe('Screen 2');
    await page.getByRole('button', { name: 'Create auditorium' }).click();
    await page.waitForURL(/\/auditoriums\/[0-9a-f-]{36}\?saved=1$/, PATIENT);
    const secondId = new URL(page.url()).pathname.split('/').pop()!;
    expect(secondId).not.toBe(firstId);

    const layoutOf = async (id: string) => {
      const res = await server.app.inject({ url: `/api/v1/admin/auditoriums/${id}`, headers: root.auth });
      const rows = res.json<{ auditorium: { rows: LayoutRowOut[] } }>().auditorium.rows;
      return rows.map((r) => ({ ...r, seats: r.seats.map((s) => s && { ...s, id: undefined }) }));
    };
    const first = await layoutOf(firstId);
    expect(await layoutOf(secondId)).toEqual(first);
    expect(first[0]!.seats.map((s) => s?.tier ?? 'aisle')).toEqual([
      'accessible',
      'companion',
      'standard',
      'standard',
      'standard',
      'standard',
      'aisle',
      'standard',
      'standard',
      'standard',
      'standard',
      'companion',
      'accessible',
    ]);

    // ---- showtimes on both (through the admin API): customers see the same room ----
    const movieId = await createMovie(server.app, root);
    const show1 = await createShowtime(server.app, root, {
      auditoriumId: firstId,
      movieId,
      startsAt: inHours(30),
    });
    const show2 = await createShowtime(server.app, root, {
      auditoriumId: secondId,
      movieId,
      startsAt: inHours(34),
    });
    const map1 = await customerMap(page, base, show1);
    const map2 = await customerMap(page, base, show2);
    expect(map2).toEqual(map1);
    expect(map2).toHaveLength(71); // F4 is blocked: not for sale
    expect(map2.some((s) => s.name === 'F4')).toBe(false);
    expect(map2.filter((s) => s.label.includes('wheelchair accessible'))).toHaveLength(2);
    expect(map2.filter((s) => s.label.includes('companion seat'))).toHaveLength(2);
    expect(map2.filter((s) => s.name.startsWith('B')).every((s) => s.moved)).toBe(true); // staggered
    expect(map2.find((s) => s.name === 'C1')!.moved).toBe(true); // curved: its ends move
    expect(map2.filter((s) => s.name.startsWith('A')).some((s) => s.moved)).toBe(false);
    // The aisle: A6 and A7 are two columns apart.
    const col = (n: string) => Number(map2.find((s) => s.name === n)!.column);
    expect(col('A7') - col('A6')).toBe(2);

    // ---- a new version of Screen 1: its showtime keeps the room it was created with ----
    await page.goto(`${base}/admin/theaters/${theaterId}/auditoriums/${firstId}`);
    await page.getByTestId('versioning').waitFor(PATIENT);
    expect(await page.getByTestId('versioning').innerText()).toMatch(/1 upcoming showtime will not change/);
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByTestId('saved').waitFor(PATIENT);
    expect(await page.getByTestId('saved').innerText()).toMatch(/Saved as layout version 2/);
    expect(await customerMap(page, base, show1)).toEqual(map1);
    const show3 = await createShowtime(server.app, root, {
      auditoriumId: firstId,
      movieId,
      startsAt: inHours(40),
    });
    expect(await customerMap(page, base, show3)).toHaveLength(71 + 12); // the new row G

    // ---- closing the theater: customers no longer find it ----
    await page.goto(`${base}/admin/theaters/${theaterId}`);
    await page.getByRole('button', { name: 'Close theater…' }).click();
    await page.getByRole('button', { name: 'Yes, close Bijou Operator' }).click();
    await page.getByText(/^Closed since/).waitFor(PATIENT);
    await page
      .getByRole('navigation', { name: 'Operator console' })
      .getByRole('link', { name: 'Theaters' })
      .click();
    await page
      .getByRole('row', { name: /Bijou Operator/ })
      .getByText('Closed')
      .waitFor(PATIENT);
    await page.goto(`${base}/theaters/${theaterId}`);
    await page.getByTestId('not-found').waitFor(PATIENT);

    expect(errors, 'uncaught errors in the page').toEqual([]);
  }, 180_000);
});
