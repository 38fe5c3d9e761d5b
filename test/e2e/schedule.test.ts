import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditorium, createMovie, createTheater, gridLayout } from '../helpers/catalog.js';
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
const ZONE = 'America/Chicago';
/** The calendar's scale and where its axis starts (SchedulePage: 0.8 px a minute from 09:00). */
const PX = 0.8;
const AXIS_START = 9 * 60;

interface Showtime {
  id: string;
  startsAt: string;
  endsAt: string;
  cleaningMinutes: number;
  movie: { id: string; title: string };
  auditorium: { id: string; name: string };
  prices: { standard: number; premium: number; accessible: number };
  ticketTypes: { type: string; discountCents: number }[];
}

describe.skipIf(!HAS_CHROMIUM)('schedule in the operator console, in a real browser', () => {
  let browser: Browser;
  let server: LiveServer;
  let admin: TestUser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let theaterId: string;
  let screen1: string;
  let screen2: string;
  /** Monday 00:00 of next week in the theater's zone: every day of it is ahead. */
  const week = DateTime.now().setZone(ZONE).startOf('week').plus({ weeks: 1 });
  const at = (day: number, hour: number, minute = 0) =>
    week.plus({ days: day }).set({ hour, minute, second: 0, millisecond: 0 });

  beforeAll(async () => {
    ensureWebBuild();
    [browser, server] = await Promise.all([launchBrowser(), startServer()]);
    admin = await createUser(server.app, server.ctx, 'admin');
    theaterId = await createTheater(server.app, admin, { name: 'Lanes Cinema', timeZone: ZONE });
    screen1 = await createAuditorium(server.app, admin, theaterId, gridLayout(3, 4), 'Screen 1');
    screen2 = await createAuditorium(server.app, admin, theaterId, gridLayout(2, 4), 'Screen 2');
    // Already on Tuesday at 19:00 in Screen 1: what the new movie will run into.
    const blocker = await createMovie(server.app, admin, { title: 'Blocker', runtimeMinutes: 120 });
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/admin/showtimes',
      headers: admin.auth,
      payload: {
        auditoriumId: screen1,
        movieId: blocker,
        startsAt: at(1, 19).toUTC().toISO(),
        prices: { standard: 1000 },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    context = await browser.newContext({ viewport: { width: 1366, height: 1000 } });
    page = await context.newPage();
    errors = watchErrors(page);
    await signInWithToken(page, server.url, admin.token);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  /** Drags from the middle of `from` to `minute` of a day's lane, the way a mouse does (pointer events). */
  async function dragTo(from: { x: number; y: number }, auditoriumId: string, day: number, minute: number) {
    const lane = page.locator(`[data-lane][data-auditorium="${auditoriumId}"][data-day="${day}"]`);
    await lane.scrollIntoViewIfNeeded();
    const box = (await lane.boundingBox())!;
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    const x = box.x + (minute - AXIS_START) * PX + 1;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y, { steps: 12 });
    await page.getByTestId('schedule-preview').waitFor(PATIENT);
    await page.mouse.up();
  }

  async function centerOf(selector: string) {
    const el = page.locator(selector).first();
    await el.scrollIntoViewIfNeeded();
    const box = (await el.boundingBox())!;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2, left: box.x };
  }

  it('creates a movie, schedules it by drag, is refused an overlap with its reason, and repeats it every day', async () => {
    const base = server.url;
    await page.goto(`${base}/admin`);
    const consoleNav = page.getByRole('navigation', { name: 'Operator console' });

    // ---- a movie through the form; the API's refusal is shown next to its field ----
    await consoleNav.getByRole('link', { name: 'Movies' }).click();
    await page.getByRole('heading', { level: 1, name: 'Movies' }).waitFor(PATIENT);
    await page.getByRole('link', { name: 'New movie' }).click();
    await page.getByLabel('Title').fill('Lantern Nights');
    await page.getByLabel('Synopsis').fill('A projectionist keeps a small-town cinema alive.');
    await page.getByLabel('Runtime (minutes)').fill('100');
    await page.getByLabel('Rating').fill('PG-13');
    await page.getByLabel('Genres').fill('Drama, Comedy');
    await page.getByLabel('Cast').fill('Ada Reel\nBo Splice');
    await page.getByLabel('Poster URL').fill('poster.jpg'); // neither http(s) nor a path: the API says so
    await page.getByRole('button', { name: 'Create movie' }).click();
    await page.getByText('A poster address starts with https://').waitFor(PATIENT);
    expect(await page.getByLabel('Poster URL').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Poster URL').fill('https://img.example.com/lantern.jpg');
    await page.getByRole('button', { name: 'Create movie' }).click();
    await page.waitForURL(/\/admin\/movies\/[0-9a-f-]{36}$/, PATIENT);
    const movieId = page.url().split('/').pop()!;
    const movie = await server.app.inject({ url: `/api/v1/admin/movies/${movieId}`, headers: admin.auth });
    expect(movie.json()).toMatchObject({
      movie: {
        title: 'Lantern Nights',
        runtimeMinutes: 100,
        rating: 'PG-13',
        genres: ['Drama', 'Comedy'],
        cast: ['Ada Reel', 'Bo Splice'],
        posterUrl: 'https://img.example.com/lantern.jpg',
      },
    });

    // ---- the week calendar: next week at this theater ----
    await consoleNav.getByRole('link', { name: 'Schedule' }).click();
    await page.getByRole('heading', { level: 1, name: 'Schedule' }).waitFor(PATIENT);
    await page.getByLabel('Theater', { exact: true }).selectOption(theaterId);
    await page.getByRole('button', { name: 'Next week' }).click();
    await page.waitForURL(new RegExp(`week=${week.toISODate()}`), PATIENT);
    await page.locator('[data-lane]').first().waitFor(PATIENT);
    // Auditoriums are lanes, one per day of the week.
    expect(await page.locator(`[data-lane][data-auditorium="${screen2}"]`).count()).toBe(7);
    expect(await page.getByRole('list', { name: /^Screen 2, Monday/ }).count()).toBe(1);
    await page.getByLabel('Find a movie').fill('Lantern');
    const chip = `[data-movie-id="${movieId}"]`;
    await page.locator(chip).waitFor(PATIENT);

    // ---- drag the movie onto Screen 1, Monday 19:00; the form opens there, prices per tier and type ----
    await dragTo(await centerOf(chip), screen1, 0, 19 * 60);
    const dialog = page.getByRole('dialog', { name: 'New showtime' });
    await dialog.waitFor(PATIENT);
    expect(await dialog.getByLabel('Auditorium').inputValue()).toBe(screen1);
    expect(await dialog.getByLabel('Date').inputValue()).toBe(week.toISODate());
    expect(await dialog.getByLabel(/^Starts at/).inputValue()).toBe('19:00');
    await dialog.getByLabel('Standard').fill('12.50');
    await dialog.getByLabel('Premium').fill('16');
    await dialog.getByLabel('Child discount').fill('3.00');
    await dialog.getByRole('button', { name: 'Schedule showtime' }).click();
    await page
      .getByTestId('schedule-status')
      .getByText(/Scheduled “Lantern Nights” in Screen 1/)
      .waitFor(PATIENT);
    const monday = page.locator(`[data-lane][data-auditorium="${screen1}"][data-day="0"] .schedule-block`);
    await monday.waitFor(PATIENT);
    // The block is as long as the film plus the cleaning drawn after it.
    const film = (await monday.locator('.schedule-film').boundingBox())!;
    const cleaning = (await monday.locator('.schedule-cleaning').boundingBox())!;
    expect(Math.round(film.width)).toBe(Math.round(100 * PX));
    expect(Math.round(cleaning.width)).toBe(Math.round(15 * PX));
    expect(cleaning.x).toBeGreaterThanOrEqual(film.x + film.width - 1);

    // ---- an overlap: Tuesday 19:30 in Screen 1 is Blocker's; the API's reason is shown ----
    await dragTo(await centerOf(chip), screen1, 1, 19 * 60 + 30);
    const second = page.getByRole('dialog', { name: 'New showtime' });
    await second.waitFor(PATIENT);
    await second.getByRole('button', { name: 'Schedule showtime' }).click(); // the last prices are kept
    const refusal = second.getByTestId('dialog-problem');
    await refusal.waitFor(PATIENT);
    const reason = await refusal.innerText();
    expect(reason).toContain('Screen 1 is taken by “Blocker”');
    expect(reason).toContain('7:00 PM');
    expect(reason).toContain('9:15 PM including 15 min cleaning');
    await second.getByRole('button', { name: 'Close' }).click();
    await second.waitFor({ state: 'detached', ...PATIENT });

    // ---- move the unsold Monday showtime by drag to 18:00 ----
    const block = await centerOf(`[data-lane][data-auditorium="${screen1}"][data-day="0"] .schedule-block`);
    // Held 5 minutes (4 px) into the block, so the pointer goes to 18:05 for the block to start at 18:00.
    const grab = { x: block.left + 5 * PX, y: block.y };
    await dragTo(grab, screen1, 0, 18 * 60 + 5);
    await page
      .getByTestId('schedule-status')
      .getByText(/Moved “Lantern Nights” in Screen 1 to Mon/)
      .waitFor(PATIENT);

    // ---- repeat it every day this week: the dry run shows Tuesday taken, the rest free ----
    await page.locator(`[data-lane][data-auditorium="${screen1}"][data-day="0"] .schedule-block`).click();
    const edit = page.getByRole('dialog', { name: 'Lantern Nights in Screen 1' });
    await edit.waitFor(PATIENT);
    await edit.getByRole('button', { name: 'Repeat every day this week…' }).click();
    const create = edit.getByRole('button', { name: 'Create 5 showtimes' });
    await create.waitFor(PATIENT);
    const tuesday = edit.getByRole('checkbox', { name: /^Tue/ });
    expect(await tuesday.isDisabled()).toBe(true);
    expect(await edit.locator('.repeat-list .is-taken').innerText()).toContain('taken by “Blocker”');
    await create.click();
    await page
      .getByTestId('schedule-status')
      .getByText(/Scheduled 5 more showtimes/)
      .waitFor(PATIENT);
    await page.locator(`[data-lane][data-auditorium="${screen1}"] .schedule-block`).nth(6).waitFor(PATIENT);

    // ---- the showtimes exist in the API: Monday plus five days at 18:00, Screen 1, with the prices ----
    const res = await server.app.inject({
      url: `/api/v1/admin/theaters/${theaterId}/schedule?from=${week.toUTC().toISO()}&to=${week.plus({ weeks: 1 }).toUTC().toISO()}`,
      headers: admin.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    const ours = res.json<{ showtimes: Showtime[] }>().showtimes.filter((s) => s.movie.id === movieId);
    expect(ours.map((s) => DateTime.fromISO(s.startsAt, { zone: ZONE }).toFormat('ccc HH:mm'))).toEqual([
      'Mon 18:00',
      'Wed 18:00',
      'Thu 18:00',
      'Fri 18:00',
      'Sat 18:00',
      'Sun 18:00',
    ]);
    for (const s of ours) {
      expect(s.auditorium.id).toBe(screen1);
      expect(s.prices).toEqual({ standard: 1250, premium: 1600, accessible: 1250 });
      expect(s.ticketTypes.map((t) => [t.type, t.discountCents])).toEqual([
        ['adult', 0],
        ['child', 300],
      ]);
      expect(s.cleaningMinutes).toBe(15);
    }
    expect(errors).toEqual([]);
  }, 120_000);

  it('does the same by keyboard through the form, and a refused move says what is in the way', async () => {
    await page.goto(`${server.url}/admin/schedule?theater=${theaterId}&week=${week.toISODate()}`);
    await page.locator('[data-lane]').first().waitFor(PATIENT);
    const newShowtime = page.getByRole('button', { name: 'New showtime' });
    await newShowtime.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New showtime' });
    await dialog.waitFor(PATIENT);
    await dialog.getByLabel('Movie').selectOption({ label: 'Blocker (120 min)' });
    await dialog.getByLabel('Auditorium').selectOption(screen2);
    await dialog.getByLabel('Date').fill(at(2, 0).toISODate()!);
    await dialog.getByLabel(/^Starts at/).fill('20:00');
    await dialog.getByLabel('Soundtrack').selectOption('subtitled');
    await dialog.getByLabel('Subtitles in').fill('es');
    await dialog.getByLabel('Standard').fill('9');
    await dialog.getByLabel('Standard').press('Enter');
    await page
      .getByTestId('schedule-status')
      .getByText(/Scheduled “Blocker” in Screen 2, Wed/)
      .waitFor(PATIENT);
    await dialog.waitFor({ state: 'detached', ...PATIENT });
    // Focus is back on the button that opened the form.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('New showtime');
    await page
      .locator(`[data-lane][data-auditorium="${screen2}"][data-day="2"] .schedule-block`)
      .waitFor(PATIENT);
    const created = await server.ctx.db
      .selectFrom('showtimes')
      .select(['starts_at', 'presentation', 'presentation_language', 'price_standard_cents'])
      .where('auditorium_id', '=', screen2)
      .executeTakeFirstOrThrow();
    expect(created).toMatchObject({
      starts_at: at(2, 20).toJSDate(),
      presentation: 'subtitled',
      presentation_language: 'es',
      price_standard_cents: 900,
    });

    // Moving Tuesday's Blocker onto Monday 19:00 runs into Lantern Nights (18:00, 100 min + 15 cleaning).
    const tuesdayBlocker = page.locator(
      `[data-lane][data-auditorium="${screen1}"][data-day="1"] .schedule-block`,
    );
    await tuesdayBlocker.focus();
    await page.keyboard.press('Enter');
    const edit = page.getByRole('dialog', { name: 'Blocker in Screen 1' });
    await edit.waitFor(PATIENT);
    await edit.getByLabel('Date').fill(at(0, 0).toISODate()!);
    await edit.getByRole('button', { name: 'Save showtime' }).click();
    const refusal = edit.getByTestId('dialog-problem');
    await refusal.waitFor(PATIENT);
    expect(await refusal.innerText()).toContain(
      'Screen 1 is taken by “Lantern Nights”, Mon, ' + at(0, 0).toFormat('LLL d') + ', 6:00 PM – 7:55 PM',
    );
    await page.keyboard.press('Escape');
    await edit.waitFor({ state: 'detached', ...PATIENT });
    expect(await page.evaluate('document.activeElement?.dataset?.showtimeId ?? null')).not.toBeNull();
    expect(errors).toEqual([]);
  }, 60_000);
});
