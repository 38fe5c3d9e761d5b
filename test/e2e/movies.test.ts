import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuditorium, createTheater, gridLayout } from '../helpers/catalog.js';
import { type TestUser } from '../helpers/users.js';
import {
  browserSuite,
  HAS_CHROMIUM,
  NO_CHROMIUM_REASON,
  signUpInBrowser,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

// Movie first and "where am I" (issue 11) in Debian's Chromium: a ZIP code to theaters in miles, and a movie
// page across theaters filtered by format.
const BROWSER_TEST_MS = 90_000;
const PATIENT = { timeout: 15_000, interval: 100 };

describe.skipIf(!HAS_CHROMIUM)('movie first and where am I, in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let page: Page;
  let movieId: string;
  const suffix = Math.random().toString(36).slice(2, 7);

  beforeAll(async () => {
    ({ server, admin } = suite);
    const post = async (url: string, payload: object) => {
      const res = await server.app.inject({
        method: 'POST',
        url: `/api/v1/admin${url}`,
        headers: admin.auth,
        payload,
      });
      if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json<Record<string, { id: string }>>();
    };
    movieId = (
      await post('/movies', {
        title: `Harbor of Echoes ${suffix}`,
        synopsis: 'Two sisters, one lighthouse.',
        runtimeMinutes: 100,
        rating: 'PG',
        genres: ['Drama'],
        language: 'en',
        cast: ['Mae Lund', 'Iris Cole'],
        trailerUrl: 'https://trailers.example.com/harbor-of-echoes',
      })
    ).movie!.id;
    // Near ZIP 10001 (Chelsea, about 0.3 mi; Jersey City, about 3 mi) and far from it (Boston).
    const theaters = [
      { name: `Chelsea Screens ${suffix}`, lat: 40.7465, lng: -74.0014, format: 'IMAX' },
      { name: `Jersey Lights ${suffix}`, lat: 40.7178, lng: -74.0431, format: '2D' },
      { name: `Boston Bijou ${suffix}`, lat: 42.3601, lng: -71.0589, format: '2D' },
    ];
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    tomorrow.setUTCMinutes(0, 0, 0);
    for (const th of theaters) {
      const theaterId = await createTheater(server.app, admin.token, {
        name: th.name,
        lat: th.lat,
        lng: th.lng,
      });
      const auditoriumId = await createAuditorium(server.app, admin.token, theaterId, gridLayout(3, 5));
      await post('/showtimes', {
        auditoriumId,
        movieId,
        startsAt: tomorrow.toISOString(),
        prices: { standard: 1500 },
        format: th.format,
      });
      await post('/showtimes', {
        auditoriumId,
        movieId,
        startsAt: new Date(tomorrow.getTime() + 3 * 3600_000).toISOString(),
        prices: { standard: 1500 },
      });
    }
  });

  async function newPage(): Promise<Page> {
    page = await suite.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    return page;
  }

  it(
    'finds theaters near a ZIP code, with distances in miles',
    async () => {
      await newPage();
      await signUpInBrowser(page, server.url);
      await page.getByLabel('ZIP code or city').fill('10001');
      await page
        .getByRole('search', { name: 'Find a place' })
        .getByRole('button', { name: 'Search' })
        .click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent(), PATIENT)
        .toBe('Theaters near New York, NY 10001');
      const chelsea = page.getByRole('link', { name: new RegExp(`Chelsea Screens ${suffix}`) });
      await chelsea.waitFor();
      await expect.poll(() => chelsea.textContent(), PATIENT).toMatch(/0\.\d mi/);
      const jersey = page.getByRole('link', { name: new RegExp(`Jersey Lights ${suffix}`) });
      expect(await jersey.textContent()).toMatch(/\b[2-4]\.\d mi/);
      expect(await page.getByRole('link', { name: new RegExp(`Boston Bijou ${suffix}`) }).count()).toBe(0);
      expect(await page.getByLabel('Within').inputValue()).toBe('10');
      expect(await page.getByLabel('Within').locator('option').first().textContent()).toBe('5 mi');

      // A city name works too, from anywhere in the world.
      await page.getByLabel('ZIP code or city').fill('Boston, MA');
      await page
        .getByRole('search', { name: 'Find a place' })
        .getByRole('button', { name: 'Search' })
        .click();
      await page.getByRole('link', { name: new RegExp(`Boston Bijou ${suffix}`) }).waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Theaters near Boston, MA');
    },
    BROWSER_TEST_MS,
  );

  it(
    'searches a title and opens a movie page with every theater near by, filtered by format',
    async () => {
      await newPage();
      await signUpInBrowser(page, server.url);
      await page.getByLabel('ZIP code or city').fill('10001');
      await page
        .getByRole('search', { name: 'Find a place' })
        .getByRole('button', { name: 'Search' })
        .click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent(), PATIENT)
        .toBe('Theaters near New York, NY 10001');

      await page.getByLabel('Title').fill(`harbor of echoes ${suffix}`.toUpperCase());
      await page.getByRole('button', { name: 'Search movies' }).click();
      await page.getByRole('link', { name: new RegExp(`Harbor of Echoes ${suffix}`) }).click();
      await page.waitForURL(`${server.url}/movies/${movieId}`);

      await page.getByRole('heading', { level: 1, name: `Harbor of Echoes ${suffix}` }).waitFor();
      expect(await page.getByText('Cast:').locator('..').textContent()).toContain('Mae Lund, Iris Cole');
      expect(await page.getByRole('link', { name: /Watch the trailer/ }).getAttribute('href')).toBe(
        'https://trailers.example.com/harbor-of-echoes',
      );
      expect(await page.locator('.movie-meta').textContent()).toMatch(/PG.*1 h 40 min · English · Drama/);
      expect(await page.getByTestId('movie-place').textContent()).toBe('New York, NY 10001');

      const theaters = page.getByTestId('movie-theater');
      await expect.poll(() => theaters.count(), PATIENT).toBe(2); // Boston is too far
      expect(await theaters.nth(0).textContent()).toContain(`Chelsea Screens ${suffix}`);
      expect(await theaters.nth(0).textContent()).toMatch(/0\.\d mi/);
      expect(await theaters.nth(1).textContent()).toContain(`Jersey Lights ${suffix}`);
      expect(await page.getByTestId('showtime').count()).toBe(4);
      expect(await page.getByTestId('showtime-format').allTextContents()).toEqual(['IMAX']);

      await page.getByLabel('Format', { exact: true }).selectOption({ label: 'IMAX' });
      await expect.poll(() => page.getByTestId('showtime').count(), PATIENT).toBe(1);
      expect(await theaters.count()).toBe(1);
      expect(await theaters.nth(0).textContent()).toContain(`Chelsea Screens ${suffix}`);
      expect(await page.getByTestId('showtime').getAttribute('aria-label')).toContain('IMAX');

      await page.getByLabel('Format', { exact: true }).selectOption({ label: 'All formats' });
      await expect.poll(() => page.getByTestId('showtime').count(), PATIENT).toBe(4);
    },
    BROWSER_TEST_MS,
  );
});
