import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMovie, createShowtimeFixture, type ShowtimeFixture } from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  browserSuite,
  fillSignUpForm,
  HAS_CHROMIUM,
  localDate,
  NO_CHROMIUM_REASON,
  tokenOf,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the signed-out browser tests: ${NO_CHROMIUM_REASON}`);

/**
 * Browsing without an account: from the theater list to a chosen seat signed out, asked to sign up only when
 * holding, and back on the same seat map with the same seats, which are then held.
 */
const BROWSER_TEST_MS = 90_000;
const PATIENT = { timeout: 10_000, interval: 100 };
const PRICES = { standard: 1200, premium: 1800, accessible: 1000 };

function seatButton(page: Page, row: string, number: number) {
  return page.getByRole('button', { name: new RegExp(`^Row ${row}, seat ${number},`) });
}

function seat(f: ShowtimeFixture, row: string, number: number): string {
  const s = f.seats.find((x) => x.row === row && x.number === number);
  if (!s) throw new Error(`no seat ${row}${number}`);
  return s.id;
}

interface BookingBody {
  booking: { status: string; totalCents: number; tickets: { seatId: string; ticketType: string }[] };
}

describe.skipIf(!HAS_CHROMIUM)('signed out in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let page: Page;

  beforeAll(() => {
    ({ server, admin } = suite);
  });

  async function newPage(): Promise<Page> {
    page = await suite.newPage({ viewport: { width: 1280, height: 800 } });
    return page;
  }

  async function fixture(title: string, startsAt?: Date): Promise<ShowtimeFixture> {
    const movieId = await createMovie(server.app, admin.token, { title, runtimeMinutes: 100, rating: 'PG' });
    return createShowtimeFixture(server.app, admin.token, {
      movieId,
      rows: 5,
      seatsPerRow: 8,
      premiumRows: [2],
      prices: PRICES,
      ...(startsAt ? { startsAt } : {}),
      theater: {
        name: `Open Door Cinema ${title}`,
        address: '9 Open St, New York, NY 10012',
        city: 'New York',
      },
    });
  }

  async function bookingOf(bookingId: string): Promise<BookingBody['booking']> {
    const res = await server.app.inject({
      url: `/api/v1/bookings/${bookingId}`,
      headers: { authorization: `Bearer ${await tokenOf(page)}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<BookingBody>().booking;
  }

  it(
    'finds a theater, a showtime and 2 seats signed out; the hold asks for sign-up and goes ahead after it',
    async () => {
      const f = await fixture('Paper Lanterns');
      await newPage();
      await page.goto(`${server.url}/`);

      // The theater list, signed out: no redirect, and the header offers "Sign in".
      const theater = page.getByRole('link', { name: /Open Door Cinema Paper Lanterns/ });
      await theater.waitFor();
      expect(page.url()).toBe(`${server.url}/`);
      await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).waitFor();
      // Each part of the address once (the city is already in it).
      expect(await theater.textContent()).toContain('9 Open St, New York, NY 10012');
      expect(await theater.textContent()).not.toContain('10012, New York');
      await theater.click();

      await page.getByRole('navigation', { name: 'Choose a date' }).waitFor();
      await page.locator(`a[href$="?date=${localDate(f.startsAt)}"]`).click();
      await page.getByRole('heading', { name: 'Paper Lanterns', exact: true }).waitFor();
      await page.getByTestId('showtime').first().click();

      // The seat map, live, signed out.
      await page.waitForURL(new RegExp(`/showtimes/${f.showtimeId}$`));
      await expect.poll(() => page.getByTestId('live-mode').textContent(), PATIENT).toContain('Live');
      await seatButton(page, 'C', 4).click();
      await seatButton(page, 'C', 5).click();
      await expect.poll(() => page.getByTestId('total').textContent(), PATIENT).toContain('$36.00');
      await page.getByRole('button', { name: 'Hold 2 seats' }).first().click();

      // Asked to sign up, and told why.
      await page.waitForURL(/\/signin\?/);
      const why = page.getByTestId('hold-reason');
      await why.waitFor();
      expect(await why.textContent()).toMatch(/holding them needs an account/);
      expect(await page.getByLabel('Name').count()).toBe(1); // the sign-up form is the one shown
      await fillSignUpForm(page, 'Grace Hopper');

      // Back on the same showtime with the same seats: the hold goes ahead and the countdown runs.
      await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/, { timeout: 15_000 });
      await page.getByTestId('countdown').waitFor();
      expect(await page.getByRole('timer').textContent()).toMatch(/^[67]:\d\d$/);
      const booking = await bookingOf(page.url().split('/').pop()!);
      expect(booking.status).toBe('pending');
      expect(booking.tickets.map((t) => t.seatId).sort()).toEqual([seat(f, 'C', 4), seat(f, 'C', 5)].sort());
      // The kept selection is spent: none is left behind in the tab.
      expect(await page.evaluate<string | null>("sessionStorage.getItem('matinee.selection')")).toBeNull();
    },
    BROWSER_TEST_MS,
  );

  it(
    'keeps the ticket types chosen signed out through sign-up: the hold charges what the seat map showed',
    async () => {
      const f = await fixture('Small Hands');
      const patched = await server.app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/showtimes/${f.showtimeId}`,
        headers: admin.auth,
        payload: { ticketTypes: { child: 400 } },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      await newPage();
      await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
      await expect.poll(() => page.getByTestId('live-mode').textContent(), PATIENT).toContain('Live');
      await seatButton(page, 'C', 4).click();
      await seatButton(page, 'C', 5).click();
      await page.getByRole('button', { name: 'One child ticket more' }).click();
      // Two premium seats at $18.00, one of them a child's ($4.00 off).
      await expect.poll(() => page.getByTestId('total').textContent(), PATIENT).toContain('$32.00');
      await page.getByRole('button', { name: 'Hold 2 seats' }).first().click();

      await page.waitForURL(/\/signin\?/);
      await fillSignUpForm(page, 'Grace Hopper');
      await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/, { timeout: 15_000 });
      await page.getByTestId('countdown').waitFor();
      const booking = await bookingOf(page.url().split('/').pop()!);
      expect(booking.tickets.map((t) => t.ticketType).sort()).toEqual(['adult', 'child']);
      expect(booking.totalCents).toBe(3200);
      expect(await page.getByTestId('price-breakdown').textContent()).toContain('1 Child');
    },
    BROWSER_TEST_MS,
  );

  it(
    'keeps the selection over a reload and sign-in; a seat taken meanwhile is named and the others kept',
    async () => {
      const f = await fixture('Quiet Harbor');
      const customer = await createUser(server.app, server.ctx);
      const rival = await createUser(server.app, server.ctx);
      await newPage();
      await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
      await expect.poll(() => page.getByTestId('live-mode').textContent(), PATIENT).toContain('Live');
      await seatButton(page, 'E', 1).click();
      await seatButton(page, 'E', 2).click();

      await page.reload();
      await seatButton(page, 'E', 1).waitFor();
      await expect.poll(() => seatButton(page, 'E', 1).getAttribute('aria-pressed'), PATIENT).toBe('true');
      expect(await seatButton(page, 'E', 2).getAttribute('aria-pressed')).toBe('true');
      await page.getByRole('button', { name: 'Hold 2 seats' }).first().click();
      await page.waitForURL(/\/signin\?/);

      // While the customer signs in, someone else takes E2.
      const taken = await server.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: rival.auth,
        payload: { showtimeId: f.showtimeId, seatIds: [seat(f, 'E', 2)] },
      });
      expect(taken.statusCode).toBe(201);

      await page.getByRole('button', { name: 'Sign in', exact: true }).first().click();
      await page.getByLabel('Email').fill(customer.email);
      await page.getByLabel('Password').fill('password-123');
      await page.locator('form').getByRole('button', { name: 'Sign in' }).click();

      await page.waitForURL(new RegExp(`/showtimes/${f.showtimeId}$`));
      const message = page.getByTestId('seat-message');
      await message.waitFor();
      expect(await message.textContent()).toMatch(/E2 was taken by someone else.*E1 is still selected/);
      expect(await seatButton(page, 'E', 1).getAttribute('aria-pressed')).toBe('true');
      expect(page.url()).toMatch(new RegExp(`/showtimes/${f.showtimeId}$`)); // nothing held behind their back
      await page.getByRole('button', { name: 'Hold 1 seat' }).first().click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
      await page.getByTestId('countdown').waitFor();
      const booking = await bookingOf(page.url().split('/').pop()!);
      expect(booking.tickets.map((t) => t.seatId)).toEqual([seat(f, 'E', 1)]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'opens a theater on the next day with showtimes when none are left today, and the movie page signed out',
    async () => {
      const inThreeDays = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000);
      const f = await fixture('Late Night Ferry', inThreeDays);
      await newPage();
      await page.goto(`${server.url}/theaters/${f.theaterId}`);
      const note = page.getByTestId('no-more-today');
      await note.waitFor();
      expect(await note.textContent()).toContain('No more showtimes today');
      await page.getByRole('heading', { name: 'Late Night Ferry', exact: true }).waitFor();
      expect(
        await page.locator(`a[href$="?date=${localDate(f.startsAt)}"]`).getAttribute('aria-current'),
      ).toBe('date');
      // "Today" stays one click away, and says it has nothing.
      await page.locator('.date-chip').first().click();
      await page.getByText('No showtimes on this day').waitFor();
      expect(await note.count()).toBe(0);

      await page.goto(`${server.url}/movies/${f.movieId}`);
      await page.getByRole('heading', { name: 'Late Night Ferry' }).first().waitFor();
      expect(page.url()).toBe(`${server.url}/movies/${f.movieId}`);
    },
    BROWSER_TEST_MS,
  );

  it(
    'pages of your own still need an account: my bookings asks to sign in and comes back',
    async () => {
      const customer = await createUser(server.app, server.ctx);
      await newPage();
      await page.goto(`${server.url}/bookings`);
      await page.waitForURL(/\/signin\?next=%2Fbookings$/);
      await page.getByLabel('Email').fill(customer.email);
      await page.getByLabel('Password').fill('password-123');
      await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${server.url}/bookings`);
      await page
        .getByRole('heading', { name: /bookings/i })
        .first()
        .waitFor();
    },
    BROWSER_TEST_MS,
  );
});
