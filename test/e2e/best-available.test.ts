import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createShowtimeFixture, type ShowtimeFixture } from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  browserSuite,
  HAS_CHROMIUM,
  NO_CHROMIUM_REASON,
  signUpInBrowser,
  tokenOf,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 90_000;
const PATIENT = { timeout: 10_000, interval: 100 };

interface MapSeat {
  id: string;
  row: string;
  number: number;
  x: number;
  y: number;
  status: string;
}

function seatButton(page: Page, row: string, number: number) {
  return page.getByRole('button', { name: new RegExp(`^Row ${row}, seat ${number},`) });
}

/** "D4" for every seat the map shows selected (aria-pressed), in map order. */
async function selectedSeats(page: Page): Promise<string[]> {
  const names = await page
    .locator('button[aria-pressed="true"]')
    .evaluateAll((els) =>
      els.map(
        (e) => (e as unknown as { getAttribute(n: string): string | null }).getAttribute('aria-label') ?? '',
      ),
    );
  return names.map((n) => {
    const m = /^Row (\w+), seat (\d+),/.exec(n);
    return m ? `${m[1]}${m[2]}` : n;
  });
}

describe.skipIf(!HAS_CHROMIUM)('best available and more time, in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let page: Page;

  beforeAll(() => {
    ({ server, admin } = suite);
  });
  async function newPage(): Promise<Page> {
    page = await suite.newPage({ viewport: { width: 1280, height: 900 } });
    return page;
  }

  async function seatMap(f: ShowtimeFixture): Promise<MapSeat[]> {
    const res = await server.app.inject({
      method: 'GET',
      url: `/api/v1/showtimes/${f.showtimeId}/seats`,
      headers: admin.auth,
    });
    return res.json<{ seats: MapSeat[] }>().seats;
  }

  it(
    'best available for 4: proposes a block that strands no seat, offers the next one, holds it; hand picks are warned',
    async () => {
      const f = await createShowtimeFixture(server.app, admin.token, { rows: 6, seatsPerRow: 10 });
      // Row D (two thirds back) has D2..D7 free: its centred blocks D3..D6 would strand D2.
      const other = await createUser(server.app, server.ctx);
      const taken = f.seats.filter((s) => s.row === 'D' && [1, 8, 9, 10].includes(s.number)).map((s) => s.id);
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: other.auth,
        payload: { showtimeId: f.showtimeId, seatIds: taken },
      });
      expect(res.statusCode).toBe(201);

      await newPage();
      await signUpInBrowser(page, server.url);
      await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
      await seatButton(page, 'A', 1).waitFor();

      // A hand-picked seat that strands its neighbour: a warning first, and nothing is held.
      await seatButton(page, 'D', 3).click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).first().click();
      const warning = page.getByTestId('orphan-warning');
      await warning.waitFor();
      expect(await warning.textContent()).toContain('D2');
      await warning.getByRole('button', { name: 'Change seats' }).click();
      await seatButton(page, 'D', 3).click();

      // How many tickets? 2 -> 4, then Best available.
      await page.getByRole('button', { name: 'One ticket more' }).click();
      await page.getByRole('button', { name: 'One ticket more' }).click();
      expect(await page.getByTestId('ticket-count').textContent()).toBe('4');
      await page.getByRole('button', { name: 'Best available' }).click();
      await expect.poll(() => selectedSeats(page), PATIENT).toEqual(['D4', 'D5', 'D6', 'D7']);
      expect(await page.getByTestId('seat-message').textContent()).toMatch(/4 seats together in row D/);

      await page.getByRole('button', { name: 'Next proposal' }).click();
      await expect.poll(async () => (await selectedSeats(page)).join(), PATIENT).not.toBe('D4,D5,D6,D7');
      const second = await selectedSeats(page);
      expect(second).toHaveLength(4);
      expect(second.some((s) => ['D4', 'D5', 'D6', 'D7'].includes(s))).toBe(false);

      await page.getByRole('button', { name: 'Best available' }).click();
      await expect.poll(() => selectedSeats(page), PATIENT).toEqual(['D4', 'D5', 'D6', 'D7']);
      await page.getByRole('button', { name: 'Hold 4 seats' }).first().click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
      await page.getByTestId('countdown').waitFor();

      // The map now: D2..D3 are a pair, and no seat anywhere is left alone.
      const map = await seatMap(f);
      const held = map.filter((s) => s.row === 'D' && s.status === 'held').map((s) => s.number);
      expect(held.sort((a, b) => a - b)).toEqual([1, 4, 5, 6, 7, 8, 9, 10]);
      const at = new Map(map.map((s) => [`${s.y}:${s.x}`, s]));
      const free = (s: MapSeat | undefined) => s?.status === 'available';
      const singles = map.filter(
        (s) => free(s) && !free(at.get(`${s.y}:${s.x - 1}`)) && !free(at.get(`${s.y}:${s.x + 1}`)),
      );
      expect(singles).toEqual([]);
      const token = await tokenOf(page);
      const mine = await server.app.inject({
        method: 'GET',
        url: '/api/v1/bookings',
        headers: { authorization: `Bearer ${token}` },
      });
      const booking = mine.json<{ bookings: { tickets: { row: string; number: number }[] }[] }>()
        .bookings[0]!;
      expect(booking.tickets.map((t) => `${t.row}${t.number}`)).toEqual(['D4', 'D5', 'D6', 'D7']);
    },
    BROWSER_TEST_MS,
  );

  it(
    'adds 3 minutes once: the countdown shows the new end, and the button is gone',
    async () => {
      const f = await createShowtimeFixture(server.app, admin.token, { rows: 3, seatsPerRow: 6 });
      await newPage();
      await signUpInBrowser(page, server.url);
      const token = await tokenOf(page);
      const held = await server.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: { authorization: `Bearer ${token}` },
        payload: { showtimeId: f.showtimeId, count: 2 },
      });
      expect(held.statusCode).toBe(201);
      const bookingId = held.json<{ booking: { id: string } }>().booking.id;

      await page.goto(`${server.url}/bookings/${bookingId}`);
      const clock = page.getByRole('timer');
      await clock.waitFor();
      const seconds = async () => {
        const [m, s] = ((await clock.textContent()) ?? '0:0').split(':').map(Number);
        return m! * 60 + s!;
      };
      const before = await seconds();
      expect(before).toBeLessThanOrEqual(420);
      expect(before).toBeGreaterThan(400);

      await page.getByRole('button', { name: 'Add 3 minutes' }).click();
      await expect.poll(seconds, PATIENT).toBeGreaterThan(580);
      expect(await seconds()).toBeLessThanOrEqual(600);
      await expect
        .poll(() => page.getByTestId('extend-note').textContent(), PATIENT)
        .toMatch(/Added 3 minutes/);
      expect(await page.getByRole('button', { name: /Add .* minutes?/ }).count()).toBe(0);
      expect(await page.getByText('a hold can be extended once').count()).toBe(1);

      // The server agrees, and a reload keeps it.
      await page.reload();
      await clock.waitFor();
      expect(await seconds()).toBeGreaterThan(570);
      expect(await page.getByRole('button', { name: /Add .* minutes?/ }).count()).toBe(0);
    },
    BROWSER_TEST_MS,
  );
});
