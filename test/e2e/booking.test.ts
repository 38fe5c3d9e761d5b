import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMovie, createShowtimeFixture, type ShowtimeFixture } from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  browserSuite,
  ensureWebBuild,
  focusedAttribute,
  HAS_CHROMIUM,
  launchBrowser,
  localDate,
  NO_CHROMIUM_REASON,
  pageNow,
  signInWithToken,
  signUpInBrowser,
  startServer,
  tokenOf,
  watchErrors,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 90_000;
/** For waits on the page: generous, because CI runs these beside the other test files. */
const PATIENT = { timeout: 10_000, interval: 100 };
const PRICES = { standard: 1200, premium: 1800, accessible: 1000 };

async function fixture(server: LiveServer, admin: TestUser, title: string): Promise<ShowtimeFixture> {
  const movieId = await createMovie(server.app, admin.token, { title, runtimeMinutes: 110, rating: 'PG-13' });
  return createShowtimeFixture(server.app, admin.token, {
    movieId,
    rows: 6,
    seatsPerRow: 8,
    premiumRows: [2, 3],
    accessibleSeats: 2,
    prices: PRICES,
    theater: { name: `Riverside Picture House ${title}`, address: '12 Riverside Dr' },
  });
}

function seat(f: ShowtimeFixture, row: string, number: number) {
  const s = f.seats.find((x) => x.row === row && x.number === number);
  if (!s) throw new Error(`no seat ${row}${number}`);
  return s;
}

/** The seat map's button for a seat (its accessible name starts "Row F, seat 12,"). */
function seatButton(page: Page, row: string, number: number) {
  return page.getByRole('button', { name: new RegExp(`^Row ${row}, seat ${number},`) });
}

async function holdAs(server: LiveServer, user: TestUser, showtimeId: string, seatIds: string[]) {
  return server.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId, seatIds },
  });
}

async function openSeatMap(page: Page, server: LiveServer, f: ShowtimeFixture): Promise<void> {
  await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
  await seatButton(page, 'A', 1).waitFor();
  await expect.poll(() => page.getByTestId('live-mode').textContent(), PATIENT).toContain('Live');
}

async function fillCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM/YY)').fill('12/39');
  await page.getByLabel('Security code').fill('123');
}

describe.skipIf(!HAS_CHROMIUM)('web app in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let page: Page;

  beforeAll(() => {
    ({ server, admin } = suite);
  });

  async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
    page = await suite.newPage({ viewport });
    return page;
  }

  it(
    'books from sign-up to QR code: theaters, showtimes, seat map, hold, pay, confirmation, my bookings',
    async () => {
      const f = await fixture(server, admin, 'Harbor Lights');
      await newPage();
      await signUpInBrowser(page, server.url);

      // Theaters near the default city, nearest first, with distances.
      const theater = page.getByRole('link', { name: /Riverside Picture House Harbor Lights/ });
      await theater.waitFor();
      await expect.poll(() => theater.textContent(), PATIENT).toMatch(/0\.0 (mi|km)/);
      await theater.click();

      // The theater page: a 7-day picker, then the showtime's day.
      await page.getByRole('navigation', { name: 'Choose a date' }).waitFor();
      expect(await page.locator('.date-chip').count()).toBe(7);
      await page.locator(`a[href$="?date=${localDate(f.startsAt)}"]`).click();
      await page.getByRole('heading', { name: 'Harbor Lights', exact: true }).waitFor();
      await page.getByTestId('showtime').first().click();

      // The seat map: named seats, tiers with prices, live.
      await page.waitForURL(new RegExp(`/showtimes/${f.showtimeId}$`));
      await expect.poll(() => page.getByTestId('live-mode').textContent(), PATIENT).toContain('Live');
      expect(
        await page.getByRole('button', { name: 'Row C, seat 4, premium, $18.00, available' }).count(),
      ).toBe(1);
      expect(
        await page
          .getByRole('button', { name: 'Row A, seat 1, wheelchair accessible, $10.00, available' })
          .count(),
      ).toBe(1);
      await seatButton(page, 'C', 4).click();
      // The second seat by keyboard: arrow right from C4 to C5, then Space.
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => focusedAttribute(page, 'aria-label'), PATIENT).toMatch(/^Row C, seat 5,/);
      await page.keyboard.press('Space');
      expect(await seatButton(page, 'C', 5).getAttribute('aria-pressed')).toBe('true');
      await expect.poll(() => page.getByTestId('total').textContent(), PATIENT).toContain('$36.00');
      await page.getByRole('button', { name: 'Hold 2 seats' }).click();

      // Checkout: the countdown, then a good card.
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      await page.getByTestId('countdown').waitFor();
      expect(await page.getByRole('timer').textContent()).toMatch(/^[67]:\d\d$/);
      await fillCard(page, '4242424242424242');
      await page.getByRole('button', { name: 'Pay $36.00' }).click();

      // Confirmation with the reference and a QR code per ticket.
      const reference = page.getByTestId('booking-reference');
      await reference.waitFor();
      const bookingId = page.url().split('/').pop()!;
      const booking = await server.app.inject({
        url: `/api/v1/bookings/${bookingId}`,
        headers: { authorization: `Bearer ${await tokenOf(page)}` },
      });
      const body = booking.json<{
        booking: { reference: string; status: string; tickets: { id: string }[] };
      }>();
      expect(body.booking.status).toBe('confirmed');
      expect(await reference.textContent()).toBe(body.booking.reference);
      expect(await page.getByTestId('ticket').count()).toBe(2);
      const ticket = await server.app.inject({
        url: `/api/v1/tickets/${body.booking.tickets[0]!.id}`,
        headers: { authorization: `Bearer ${await tokenOf(page)}` },
      });
      if (ticket.json<{ ticket: { code?: string } }>().ticket.code) {
        await expect.poll(() => page.getByTestId('ticket-qr').count(), PATIENT).toBe(2);
        const src = await page.getByTestId('ticket-qr').first().getAttribute('src');
        expect(src).toMatch(/^data:image\/png;base64,/);
        expect(await page.getByRole('img', { name: 'QR code for Row C, seat 4' }).count()).toBe(1);
      } else {
        // The API gives no ticket code yet: the page says so and shows the ticket id instead.
        await expect.poll(() => page.getByText('No QR code for this ticket yet.').count(), PATIENT).toBe(2);
        console.warn('[e2e] GET /tickets/:id has no `code` yet: the QR codes were not drawn');
      }

      // The receipt names the card that paid, and "Add to calendar" downloads the showtime's .ics.
      expect(await page.getByTestId('paid-with').textContent()).toBe('Paid with Visa ending in 4242');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Add to calendar' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`matinee-${body.booking.reference}.ics`);
      const ics = await readFile(await download.path(), 'utf8');
      expect(ics).toContain('BEGIN:VCALENDAR');
      expect(ics).toMatch(/DTSTART;TZID=[\w/]+:\d{8}T\d{6}/);
      expect(ics).toContain('Harbor Lights (Matinee)');

      // My bookings lists it as confirmed, with the card.
      await page.getByRole('link', { name: 'My bookings' }).first().click();
      const row = page.getByTestId('booking-row').first();
      await row.waitFor();
      expect(await row.getByTestId('booking-status').textContent()).toContain('Confirmed');
      expect(await row.textContent()).toContain(body.booking.reference);
      expect(await row.textContent()).toContain('Paid with Visa ending in 4242');
    },
    BROWSER_TEST_MS,
  );

  it(
    'keeps a companion seat for a wheelchair user: refused alone with a sentence, held with its wheelchair space',
    async () => {
      const f = await fixture(server, admin, 'Companion Matinee');
      // A3, beside the wheelchair space A2, becomes its companion seat.
      await server.ctx.db
        .updateTable('seats')
        .set({ tier: 'companion' })
        .where('id', '=', seat(f, 'A', 3).id)
        .execute();
      // As an admin edit does: the showtime's stamp moves, so cached seat maps reload the layout.
      await server.ctx.db
        .updateTable('showtimes')
        .set({ updated_at: new Date() })
        .where('id', '=', f.showtimeId)
        .execute();
      server.ctx.seatFeed.touch(f.showtimeId);
      await newPage();
      await signUpInBrowser(page, server.url);
      await openSeatMap(page, server, f);
      const companion = page.getByRole('button', {
        name: "Row A, seat 3, companion seat, for a wheelchair user's companion, $12.00, available",
      });
      await expect.poll(() => companion.count(), PATIENT).toBe(1);
      expect(await page.getByTestId('legend').textContent()).toContain(
        'Companion seat (with a wheelchair space)',
      );

      await companion.click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      const message = page.getByTestId('seat-message');
      await expect
        .poll(() => message.textContent(), PATIENT)
        .toContain('Companion seats go with a wheelchair space');
      expect(await message.textContent()).not.toMatch(/COMPANION_SEAT_RESERVED|seatIds/);

      await seatButton(page, 'A', 2).click();
      await page.getByRole('button', { name: 'Hold 2 seats' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      await page.getByTestId('countdown').waitFor();
      const bookingId = page.url().split('/').pop()!;
      const held = await server.app.inject({
        url: `/api/v1/bookings/${bookingId}`,
        headers: { authorization: `Bearer ${await tokenOf(page)}` },
      });
      const tiers = held
        .json<{ booking: { tickets: { row: string; number: number; tier: string }[] } }>()
        .booking.tickets.map((x) => `${x.row}${x.number} ${x.tier}`)
        .sort();
      expect(tiers).toEqual(['A2 accessible', 'A3 companion']);
    },
    BROWSER_TEST_MS,
  );

  it(
    'turns a seat someone else takes unavailable without a reload, and drops it from the selection',
    async () => {
      const f = await fixture(server, admin, 'Saltwater Sonata');
      const other = await createUser(server.app, server.ctx);
      await newPage();
      await signUpInBrowser(page, server.url);
      await openSeatMap(page, server, f);
      await seatButton(page, 'D', 3).click();
      await seatButton(page, 'D', 4).click();
      expect(await seatButton(page, 'D', 3).getAttribute('data-status')).toBe('selected');

      const started = Date.now();
      const res = await holdAs(server, other, f.showtimeId, [seat(f, 'D', 3).id, seat(f, 'E', 1).id]);
      expect(res.statusCode).toBe(201);
      await expect
        .poll(() => seatButton(page, 'E', 1).getAttribute('data-status'), { timeout: 2_000, interval: 50 })
        .toBe('held');
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await seatButton(page, 'D', 3).getAttribute('data-status')).toBe('held');
      expect(await seatButton(page, 'D', 3).getAttribute('aria-disabled')).toBe('true');
      expect(await seatButton(page, 'D', 3).getAttribute('aria-label')).toContain('unavailable');
      expect(await seatButton(page, 'D', 4).getAttribute('data-status')).toBe('selected');
      expect(await page.getByTestId('seat-message').textContent()).toContain('D3');
      await expect.poll(() => page.getByTestId('total').textContent(), PATIENT).toContain('$18.00');

      // A taken seat cannot be chosen.
      await seatButton(page, 'D', 3).click({ force: true });
      expect(await seatButton(page, 'D', 3).getAttribute('aria-pressed')).toBe('false');

      // Released again (the other client cancels): available again, live.
      const bookingId = res.json<{ booking: { id: string } }>().booking.id;
      const cancel = await server.app.inject({
        method: 'DELETE',
        url: `/api/v1/bookings/${bookingId}`,
        headers: other.auth,
      });
      expect(cancel.statusCode).toBe(200);
      await expect
        .poll(() => seatButton(page, 'D', 3).getAttribute('data-status'), PATIENT)
        .toBe('available');
    },
    BROWSER_TEST_MS,
  );

  it(
    'refetches the seat map when a stream event does not follow its version, instead of patching it',
    async () => {
      const f = await fixture(server, admin, 'Gap in the Reel');
      const other = await createUser(server.app, server.ctx);
      expect((await holdAs(server, other, f.showtimeId, [seat(f, 'E', 1).id])).statusCode).toBe(201);
      await newPage();
      const mapLoads: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'GET' && /\/seats$/.test(new URL(r.url()).pathname)) mapLoads.push(r.url());
      });
      // One stream answered by the test: a snapshot (at version 0, every seat free), then an event that
      // claims to follow version 999 and sells D3. The client must not apply it: it refetches the real map.
      let served = false;
      await page.route(
        (url) => url.pathname.endsWith('/seats/stream'),
        async (route) => {
          if (served) return route.abort();
          served = true;
          const snapshot = {
            showtimeId: f.showtimeId,
            version: 0,
            seats: f.seats.map((x) => ({ id: x.id, status: 'available' })),
          };
          const gap = {
            showtimeId: f.showtimeId,
            prevVersion: 999,
            version: 1000,
            seats: [{ id: seat(f, 'D', 3).id, status: 'sold' }],
          };
          await route.fulfill({
            status: 200,
            headers: { 'content-type': 'text/event-stream' },
            body: `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\nevent: seats\ndata: ${JSON.stringify(gap)}\n\n`,
          });
        },
      );
      // Every status a seat button ever shows, so a wrong map that is put right by a later poll still fails.
      await page.addInitScript(`
        window.seenStatuses = [];
        new MutationObserver((records) => {
          for (const r of records) {
            window.seenStatuses.push(r.target.getAttribute('aria-label') + '=' + r.target.getAttribute('data-status'));
          }
        }).observe(document, { attributes: true, attributeFilter: ['data-status'], subtree: true });
      `);
      await signUpInBrowser(page, server.url);
      await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
      await seatButton(page, 'A', 1).waitFor();
      await expect.poll(() => served, PATIENT).toBe(true);
      await expect.poll(() => mapLoads.length, PATIENT).toBeGreaterThanOrEqual(2);
      await expect.poll(() => seatButton(page, 'E', 1).getAttribute('data-status'), PATIENT).toBe('held');
      expect(await seatButton(page, 'D', 3).getAttribute('data-status')).toBe('available');
      const seen = await page.evaluate<string[]>('window.seenStatuses');
      // The fake snapshot was applied (the stream did deliver), the gapped event never was.
      expect(seen.some((x) => x.startsWith('Row E, seat 1,') && x.endsWith('=available'))).toBe(true);
      expect(seen.filter((x) => x.startsWith('Row D, seat 3,') && x.endsWith('=sold'))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'says which seats were taken when a hold loses the race, and falls back to polling without the stream',
    async () => {
      const f = await fixture(server, admin, 'Lantern Festival');
      const other = await createUser(server.app, server.ctx);
      await newPage();
      // No live stream for this page: it must poll the seat map instead.
      await page.route('**/seats/stream**', (route) => route.abort());
      await signUpInBrowser(page, server.url);
      await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
      await seatButton(page, 'B', 2).waitFor();
      await expect
        .poll(() => page.getByTestId('live-mode').textContent(), { timeout: 10_000 })
        .toContain('Updating every 5 s');

      await seatButton(page, 'B', 2).click();
      await seatButton(page, 'B', 3).click();
      expect((await holdAs(server, other, f.showtimeId, [seat(f, 'B', 3).id])).statusCode).toBe(201);
      await page.getByRole('button', { name: 'Hold 2 seats' }).click();
      // B2 and B3 leave B1 alone: the page warns first (best available's rule); this customer holds anyway.
      await page.getByTestId('orphan-warning').getByRole('button', { name: 'Hold anyway' }).click();
      const message = page.getByTestId('seat-message');
      await message.waitFor();
      expect(await message.textContent()).toContain('B3');
      expect(await message.textContent()).toContain('Choose other seats');
      expect(await seatButton(page, 'B', 3).getAttribute('data-status')).toBe('held');
      expect(await seatButton(page, 'B', 2).getAttribute('data-status')).toBe('selected');
      expect(page.url()).toContain(`/showtimes/${f.showtimeId}`);

      // Polling picks up changes made elsewhere within one period.
      expect((await holdAs(server, other, f.showtimeId, [seat(f, 'F', 8).id])).statusCode).toBe(201);
      await expect
        .poll(() => seatButton(page, 'F', 8).getAttribute('data-status'), { timeout: 8_000 })
        .toBe('held');

      // Choosing again works: the hold goes through with the remaining seat (B1 is still left alone).
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.getByTestId('orphan-warning').getByRole('button', { name: 'Hold anyway' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
    },
    BROWSER_TEST_MS,
  );

  it(
    'pays with another card after a decline',
    async () => {
      const f = await fixture(server, admin, 'Orbit of Small Things');
      await newPage({ width: 390, height: 844 });
      await signUpInBrowser(page, server.url);
      await openSeatMap(page, server, f);
      await seatButton(page, 'F', 6).click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      const bookingId = page.url().split('/').pop()!;

      await page.getByText('Test cards (development)').waitFor();
      await fillCard(page, '4000000000000002');
      await page.getByRole('button', { name: 'Pay $12.00' }).click();
      const message = page.getByTestId('payment-message');
      await message.waitFor();
      expect(await message.textContent()).toContain('Payment declined');
      expect(await message.textContent()).toContain('Try another card');
      expect(await page.getByLabel('Card number').inputValue()).toBe('');
      await expect.poll(() => focusedAttribute(page, 'autocomplete'), PATIENT).toBe('cc-number');

      // Insufficient funds names the reason.
      await page.getByLabel('Card number').fill('4000000000009995');
      await page.getByRole('button', { name: 'Pay $12.00' }).click();
      await expect.poll(() => message.textContent(), PATIENT).toContain('insufficient funds');

      // A test-card hint fills the good card.
      await page.getByRole('button', { name: '4242 4242 4242 4242' }).click();
      await page.getByRole('button', { name: 'Pay $12.00' }).click();
      await page.getByTestId('booking-reference').waitFor();

      const charges = await sql<{ status: string }>`
        SELECT c.status FROM sim_gateway.charges c
          JOIN payments p ON p.gateway_key = c.idempotency_key
         WHERE p.booking_id = ${bookingId}`.execute(server.ctx.db);
      expect(charges.rows.map((r) => r.status).sort()).toEqual(['declined', 'declined', 'succeeded']);
    },
    BROWSER_TEST_MS,
  );

  it(
    'checks a ticket in at the door: admitted once, then refused (staff page)',
    async () => {
      const movieId = await createMovie(server.app, admin.token, { title: 'Queens of the Night Shift' });
      const f = await createShowtimeFixture(server.app, admin.token, {
        movieId,
        startsAt: new Date(Math.ceil((Date.now() + 45 * 60_000) / 60_000) * 60_000),
        prices: PRICES,
      });
      const customer = await createUser(server.app, server.ctx);
      const held = await holdAs(server, customer, f.showtimeId, [seat(f, 'B', 2).id]);
      const booking = held.json<{ booking: { id: string; tickets: { id: string }[] } }>().booking;
      const paid = await server.app.inject({
        method: 'POST',
        url: `/api/v1/bookings/${booking.id}/payment`,
        headers: customer.auth,
        payload: { card: { number: '4242424242424242', expMonth: 12, expYear: 2039, cvc: '123' } },
      });
      expect(paid.statusCode).toBe(200);
      const ticket = await server.app.inject({
        url: `/api/v1/tickets/${booking.tickets[0]!.id}`,
        headers: customer.auth,
      });
      const code = ticket.json<{ ticket: { code?: string } }>().ticket.code ?? booking.tickets[0]!.id;
      const probe = await server.app.inject({
        method: 'POST',
        url: '/api/v1/checkin',
        headers: admin.auth,
        payload: { code: 'not-a-ticket' },
      });
      const apiExists = !(
        probe.statusCode === 404 && probe.json<{ error: { code: string } }>().error.code === 'ROUTE_NOT_FOUND'
      );

      const staff = await createUser(server.app, server.ctx, 'staff');
      await newPage({ width: 390, height: 844 });
      await signInWithToken(page, server.url, staff.token);
      await page.getByRole('link', { name: 'Check-in' }).click();
      await page.getByLabel('Ticket code').fill(code);
      await page.getByRole('button', { name: 'Check in' }).click();
      const verdict = page.getByTestId('checkin-verdict');
      await verdict.waitFor();
      if (!apiExists) {
        // The check-in API (issue 4) is not on this server: the page says so plainly.
        expect(await verdict.textContent()).toContain('not available on this server yet');
        console.warn("[e2e] POST /checkin is missing: only the page's fallback was checked");
        return;
      }
      expect(await verdict.textContent()).toContain('Admitted');
      expect(await verdict.textContent()).toContain('Row B, seat 2');

      await page.getByLabel('Ticket code').fill(code);
      await page.getByRole('button', { name: 'Check in' }).click();
      await expect.poll(() => verdict.textContent(), PATIENT).toContain('Already admitted');
      expect(await verdict.textContent()).toContain('Refused');

      await page.getByLabel('Ticket code').fill('hello');
      await page.getByRole('button', { name: 'Check in' }).click();
      await expect.poll(() => verdict.textContent(), PATIENT).toMatch(/Not a ticket|Unknown ticket/);
    },
    BROWSER_TEST_MS,
  );

  it(
    'cancels a pending hold from My bookings',
    async () => {
      const f = await fixture(server, admin, 'The Paper Kingdom');
      await newPage();
      await signUpInBrowser(page, server.url);
      await openSeatMap(page, server, f);
      await seatButton(page, 'A', 5).click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      await page.getByRole('link', { name: 'My bookings' }).first().click();
      const row = page.getByTestId('booking-row').first();
      await row.waitFor();
      expect(await row.getByTestId('booking-status').textContent()).toContain('Awaiting payment');
      // One tap only asks; the hold is cancelled when confirmed, and the row says what happened.
      await row.getByRole('button', { name: 'Cancel hold' }).click();
      const confirm = row.getByRole('group', { name: /Confirm cancelling the hold/ });
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('A5');
      expect(await row.getByTestId('booking-status').textContent()).toContain('Awaiting payment');
      await confirm.getByRole('button', { name: 'Yes, cancel hold' }).click();
      await expect
        .poll(() => row.getByTestId('booking-status').textContent(), PATIENT)
        .toContain('Cancelled');
      expect(await row.getByTestId('booking-row-message').textContent()).toContain(
        'A5 went back on sale. You have not been charged.',
      );
    },
    BROWSER_TEST_MS,
  );

  it(
    'renders the API docs under their content security policy',
    async () => {
      await newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${server.url}/docs`);
      await expect
        .poll(() => page.locator('.swagger-ui .info .title').textContent(), PATIENT)
        .toContain('Matinee API');
      await page.locator('.opblock').first().waitFor();
      expect(violations).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});

describe.skipIf(!HAS_CHROMIUM)('an expired hold in a real browser (HOLD_TTL_SECONDS=3)', () => {
  let browser: Browser;
  let server: LiveServer;
  let admin: TestUser;
  let context: BrowserContext;

  beforeAll(async () => {
    ensureWebBuild();
    [browser, server] = await Promise.all([launchBrowser(), startServer({ HOLD_TTL_SECONDS: '3' })]);
    admin = await createUser(server.app, server.ctx, 'admin');
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it(
    'counts down, tells the customer the seats were released, and lets them start again; paying late charges nothing',
    async () => {
      const f = await fixture(server, admin, 'Echoes of Tomorrow');
      context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const errors = watchErrors(page);
      // A controllable clock: later the page's time is frozen to pay after the server's hold ran out.
      await page.clock.install();
      await signUpInBrowser(page, server.url);
      await openSeatMap(page, server, f);

      // 1. The countdown runs out in the page. (E2 leaves E1 alone: the page warns first; hold anyway.)
      await seatButton(page, 'E', 2).click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.getByTestId('orphan-warning').getByRole('button', { name: 'Hold anyway' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      await page.getByTestId('countdown').waitFor();
      const expired = page.getByTestId('hold-expired');
      await expired.waitFor({ timeout: 8_000 });
      expect(await expired.textContent()).toContain('not been charged');
      // The page still says what was being booked, and draws its icons (no emoji that a font may lack).
      const summary = page.getByRole('region', { name: 'Booking summary' });
      await expect.poll(() => summary.textContent(), PATIENT).toContain('Echoes of Tomorrow');
      expect(await summary.textContent()).toContain('Row E, seat 2');
      expect(await expired.locator('.notice-icon svg').count()).toBe(1);
      expect(await expired.locator('.notice-icon').textContent()).toBe('');
      await page.getByRole('link', { name: 'Start again' }).click();
      await page.waitForURL(new RegExp(`/showtimes/${f.showtimeId}$`));
      await expect
        .poll(() => seatButton(page, 'E', 2).getAttribute('data-status'), PATIENT)
        .toBe('available');

      // 2. The server refuses a payment after expiry (410 HOLD_EXPIRED) even if the page's clock lags.
      await seatButton(page, 'E', 3).click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      const bookingId = page.url().split('/').pop()!;
      await page.getByTestId('countdown').waitFor();
      await page.clock.pauseAt((await pageNow(page)) + 200);
      await new Promise((r) => setTimeout(r, 3_500));
      await fillCard(page, '4242424242424242');
      await page.getByRole('button', { name: 'Pay $12.00' }).click();
      await page.getByTestId('hold-expired').waitFor();
      await page.clock.resume();

      const charges = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM sim_gateway.charges c
          JOIN payments p ON p.gateway_key = c.idempotency_key
         WHERE p.booking_id = ${bookingId}`.execute(server.ctx.db);
      expect(charges.rows[0]!.n).toBe(0);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
