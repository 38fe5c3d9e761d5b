import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditorium,
  createMovie,
  createShowtimeFixture,
  createTheater,
  rowLabel,
  type ShowtimeFixture,
} from '../helpers/catalog.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  browserSuite,
  HAS_CHROMIUM,
  NO_CHROMIUM_REASON,
  signInWithToken,
  type LiveServer,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the seat map browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 120_000;
const PATIENT = { timeout: 10_000, interval: 100 };
const PRICES = { standard: 1500, premium: 2100, accessible: 1200 };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  hasTouch: true,
  isMobile: true,
  deviceScaleFactor: 2,
};

type LayoutRow = {
  label: string;
  seats: ({ number: number; tier: 'standard' | 'premium' | 'accessible' } | null)[];
};

/**
 * "The Grand" of the demo seed (src/db/seed.ts): 13 rows; blocks of 4, 14 and 4 seats with two-column aisles;
 * the first two rows centre only; premium centre seats in rows F-I; two wheelchair spaces at each end of the
 * back row. 2 x 14 + 11 x 22 = 270 seats over 26 columns.
 */
function grandLayout(): LayoutRow[] {
  const rows: LayoutRow[] = [];
  for (let y = 0; y < 13; y++) {
    const centreOnly = y < 2;
    const blocks: ('side' | 'centre' | 'aisle')[] = [
      ...Array<'side'>(4).fill('side'),
      'aisle',
      'aisle',
      ...Array<'centre'>(14).fill('centre'),
      'aisle',
      'aisle',
      ...Array<'side'>(4).fill('side'),
    ];
    const seatCount = centreOnly ? 14 : 22;
    let n = 0;
    const seats: LayoutRow['seats'] = [];
    for (const b of blocks) {
      if (b === 'aisle' || (centreOnly && b === 'side')) {
        // Trailing gaps carry nothing; leading and inner gaps place the seats after them.
        if (n < seatCount) seats.push(null);
        continue;
      }
      n++;
      const atEnd = !centreOnly && (n <= 2 || n > seatCount - 2);
      const tier =
        y === 12 && atEnd ? 'accessible' : b === 'centre' && y >= 5 && y <= 8 ? 'premium' : 'standard';
      seats.push({ number: n, tier });
    }
    rows.push({ label: rowLabel(y), seats });
  }
  return rows;
}

async function grandFixture(server: LiveServer, admin: TestUser, title: string): Promise<ShowtimeFixture> {
  const theaterId = await createTheater(server.app, admin.token, { name: `Mercer Street ${title}` });
  const auditoriumId = await createAuditorium(server.app, admin.token, theaterId, grandLayout(), 'The Grand');
  const movieId = await createMovie(server.app, admin.token, { title, runtimeMinutes: 120 });
  return createShowtimeFixture(server.app, admin.token, { theaterId, auditoriumId, movieId, prices: PRICES });
}

function seatOf(f: ShowtimeFixture, row: string, number: number) {
  const s = f.seats.find((x) => x.row === row && x.number === number);
  if (!s) throw new Error(`no seat ${row}${number}`);
  return s;
}

function seatButton(page: Page, row: string, number: number) {
  return page.getByRole('button', { name: new RegExp(`^Row ${row}, seat ${number},`) });
}

async function openSeatMap(page: Page, server: LiveServer, f: ShowtimeFixture): Promise<void> {
  await page.goto(`${server.url}/showtimes/${f.showtimeId}`);
  await seatButton(page, 'A', 1).waitFor();
  await expect.poll(() => page.getByTestId('live-mode').textContent(), PATIENT).toContain('Live');
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where the map panel is, where every seat is, and whether anything scrolls sideways (run in the page). */
function layoutOf(page: Page) {
  return page.evaluate<{
    panel: Box;
    card: Box;
    seats: (Box & { name: string })[];
    labels: number;
    viewportOverflow: number;
    pageOverflow: number;
    screenCentre: number;
    seatsCentre: number;
  }>(`(() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
    const buttons = [...document.querySelectorAll('[role="group"][aria-label="Seat map"] button')];
    // The visible map: the nearest box around the seats that clips what overflows it.
    let vp = buttons[0].parentElement;
    while (vp && getComputedStyle(vp).overflowX === 'visible') vp = vp.parentElement;
    const card = buttons[0].closest('section');
    const seats = buttons.map((el) => ({ ...box(el), name: el.getAttribute('aria-label') }));
    const screen = box(document.querySelector('.screen'));
    const left = Math.min(...seats.map((s) => s.left));
    const right = Math.max(...seats.map((s) => s.right));
    return {
      panel: box(vp),
      card: box(card),
      seats,
      labels: document.querySelectorAll('.seatmap .row-label').length,
      viewportOverflow: vp.scrollWidth - vp.clientWidth,
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
      screenCentre: (screen.left + screen.right) / 2,
      seatsCentre: (left + right) / 2,
    };
  })()`);
}

function outside(panel: Box, seats: (Box & { name: string })[]): string[] {
  const eps = 0.5;
  return seats
    .filter(
      (s) =>
        s.left < panel.left - eps ||
        s.right > panel.right + eps ||
        s.top < panel.top - eps ||
        s.bottom > panel.bottom + eps,
    )
    .map((s) => s.name);
}

/** Pans the zoomed map (and the page) so the seat is in the middle of the screen, clear of the hold bar. */
async function centre(seat: Locator): Promise<void> {
  await seat.evaluate((el: { scrollIntoView(o: object): void }) =>
    el.scrollIntoView({ block: 'center', inline: 'center' }),
  );
}

async function seatSize(page: Page, row: string, number: number): Promise<number> {
  const b = await seatButton(page, row, number).boundingBox();
  if (!b) throw new Error(`seat ${row}${number} is not rendered`);
  return Math.min(b.width, b.height);
}

async function holdAndPay(server: LiveServer, user: TestUser, showtimeId: string, seatIds: string[]) {
  const held = await server.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: user.auth,
    payload: { showtimeId, seatIds },
  });
  expect(held.statusCode).toBe(201);
  const id = held.json<{ booking: { id: string } }>().booking.id;
  const paid = await server.app.inject({
    method: 'POST',
    url: `/api/v1/bookings/${id}/payment`,
    headers: user.auth,
    payload: { card: { number: '4242424242424242', expMonth: 12, expYear: 2039, cvc: '123' } },
  });
  expect(paid.statusCode).toBe(200);
  return id;
}

async function bookingStatus(server: LiveServer, user: TestUser, id: string): Promise<string> {
  const res = await server.app.inject({ url: `/api/v1/bookings/${id}`, headers: user.auth });
  return res.json<{ booking: { status: string } }>().booking.status;
}

describe.skipIf(!HAS_CHROMIUM)('the seat map in a real browser', () => {
  const suite = browserSuite();
  let server: LiveServer;
  let admin: TestUser;
  let grand: ShowtimeFixture;

  beforeAll(async () => {
    ({ server, admin } = suite);
    grand = await grandFixture(server, admin, 'Northern Lights');
  });

  async function newPage(options: BrowserContextOptions, user?: TestUser): Promise<Page> {
    const page = await suite.newPage(options);
    await signInWithToken(page, server.url, (user ?? (await createUser(server.app, server.ctx))).token);
    return page;
  }

  it('has the largest demo auditorium in the fixture: 270 seats, aisles, wheelchair spaces', () => {
    expect(grand.seats).toHaveLength(270);
    expect(grand.seats.filter((s) => s.tier === 'accessible')).toHaveLength(4);
    expect(new Set(grand.seats.map((s) => s.x)).size).toBe(22); // 26 columns, 4 of them aisles
  });

  for (const width of [320, 390, 1366, 1920]) {
    it(
      `shows every seat of a 270-seat auditorium inside the map panel at ${width} px, with nothing to scroll`,
      async () => {
        const page = await newPage({ viewport: { width, height: 900 } });
        await openSeatMap(page, server, grand);
        const layout = await layoutOf(page);
        expect(layout.seats).toHaveLength(270);
        expect(outside(layout.panel, layout.seats)).toEqual([]);
        expect(outside(layout.card, layout.seats)).toEqual([]);
        expect(layout.viewportOverflow).toBeLessThanOrEqual(0);
        expect(layout.pageOverflow).toBeLessThanOrEqual(0);
        // Row labels on both sides of every row; the screen centred on the whole room.
        expect(layout.labels).toBe(26);
        expect(Math.abs(layout.screenCentre - layout.seatsCentre)).toBeLessThan(2);
        // Wide screens get comfortable seats without any zooming.
        if (width >= 1366) expect(await seatSize(page, 'M', 1)).toBeGreaterThanOrEqual(24);
        // The legend lists the tiers this room has.
        const legend = await page.getByRole('group', { name: 'Seat legend' }).textContent();
        expect(legend).toContain('Premium');
        expect(legend).toContain('Wheelchair accessible');
      },
      BROWSER_TEST_MS,
    );
  }

  it(
    'zooms on a touch phone (button, double-tap, pinch) to seats of at least 24 px, and one tap selects a seat',
    async () => {
      const page = await newPage(PHONE);
      await openSeatMap(page, server, grand);
      const fitted = await seatSize(page, 'G', 11);
      expect(fitted).toBeLessThan(24); // the whole room fits a phone only with small seats: zoom is needed

      // The zoom button.
      await page.getByRole('button', { name: 'Zoom in' }).tap();
      await expect.poll(() => seatSize(page, 'G', 11), PATIENT).toBeGreaterThan(fitted * 1.3);
      await page.getByTestId('minimap').waitFor();

      // Back to the whole room, then a double-tap on a seat zooms in without selecting it.
      await page.getByRole('button', { name: 'Show the whole auditorium' }).tap();
      await expect.poll(() => seatSize(page, 'G', 11), PATIENT).toBeLessThan(24);
      expect(await page.getByTestId('minimap').count()).toBe(0);
      // Raw touch coordinates must lie in the viewport: above the map sit the ticket count and seat type now.
      await seatButton(page, 'G', 11).scrollIntoViewIfNeeded();
      const box = (await seatButton(page, 'G', 11).boundingBox())!;
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      // The two taps as the browser delivers them, 80 ms apart, timed in the page: CDP taps sent one after the
      // other can land further apart than a double-tap's 320 ms on a loaded machine.
      await page.evaluate(`new Promise((done) => {
        const el = document.elementFromPoint(${x}, ${y});
        const touch = () => new Touch({ identifier: 1, target: el, clientX: ${x}, clientY: ${y} });
        const fire = (type, touches) => el.dispatchEvent(new TouchEvent(type, {
          bubbles: true, cancelable: true, touches, targetTouches: touches, changedTouches: [touch()] }));
        const tap = () => { fire('touchstart', [touch()]); fire('touchend', []); };
        tap();
        setTimeout(() => { tap(); done(); }, 80);
      })`);
      await expect.poll(() => seatSize(page, 'G', 11), PATIENT).toBeGreaterThanOrEqual(24);
      expect(await seatButton(page, 'G', 11).getAttribute('aria-pressed')).toBe('false');
      await page.getByTestId('minimap').waitFor();
      // Zoomed in, the map pans instead of fitting, and seat numbers show.
      const vp = page.getByTestId('seatmap-viewport');
      expect(
        await vp.evaluate(
          (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth > el.clientWidth,
        ),
      ).toBe(true);
      expect(await seatButton(page, 'G', 11).locator('.seat-number').isVisible()).toBe(true);

      // One tap on a seat selects it.
      const seat = seatButton(page, 'G', 12);
      await centre(seat);
      // Zoomed, the map pans inside its panel: the page itself never scrolls sideways.
      expect(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      ).toBeLessThanOrEqual(0);
      await seat.tap();
      expect(await seat.getAttribute('aria-pressed')).toBe('true');
      expect(await seat.getAttribute('data-status')).toBe('selected');
      await expect.poll(() => page.getByTestId('total').textContent(), PATIENT).toContain('$21.00');

      // A pinch (two fingers moving apart) zooms too.
      await page.getByRole('button', { name: 'Show the whole auditorium' }).tap();
      await expect.poll(() => seatSize(page, 'G', 11), PATIENT).toBeLessThan(24);
      // Fingers on the part of the map that is on screen (the page may be scrolled; raw touches outside the
      // window reach nothing).
      await vp.scrollIntoViewIfNeeded();
      const r = (await vp.boundingBox())!;
      const windowHeight = page.viewportSize()!.height;
      const cx = r.x + r.width / 2;
      const cy = (Math.max(r.y, 0) + Math.min(r.y + r.height, windowHeight)) / 2;
      const cdp = await page.context().newCDPSession(page);
      const points = (d: number) => [
        { x: cx - d, y: cy },
        { x: cx + d, y: cy },
      ];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(20) });
      for (let d = 30; d <= 120; d += 10) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(d) });
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await expect.poll(() => seatSize(page, 'G', 11), PATIENT).toBeGreaterThanOrEqual(24);
      // Still selected after all that zooming.
      expect(await seat.getAttribute('aria-pressed')).toBe('true');
    },
    BROWSER_TEST_MS,
  );

  it(
    "shows the customer's own paid seats as theirs, and someone else's as sold",
    async () => {
      const customer = await createUser(server.app, server.ctx);
      const other = await createUser(server.app, server.ctx);
      await holdAndPay(server, customer, grand.showtimeId, [
        seatOf(grand, 'K', 10).id,
        seatOf(grand, 'K', 11).id,
      ]);
      await holdAndPay(server, other, grand.showtimeId, [seatOf(grand, 'K', 12).id]);

      const page = await newPage({ viewport: { width: 1366, height: 900 } }, customer);
      await openSeatMap(page, server, grand);
      await expect.poll(() => seatButton(page, 'K', 10).getAttribute('data-status'), PATIENT).toBe('yours');
      expect(await seatButton(page, 'K', 11).getAttribute('data-status')).toBe('yours');
      expect(await seatButton(page, 'K', 10).getAttribute('aria-label')).toContain('yours, booked by you');
      expect(await seatButton(page, 'K', 10).getAttribute('aria-disabled')).toBe('true');
      expect(await seatButton(page, 'K', 12).getAttribute('data-status')).toBe('sold');
      expect(await seatButton(page, 'K', 12).getAttribute('aria-label')).toContain('unavailable, sold');
      expect(await page.getByRole('group', { name: 'Seat legend' }).textContent()).toContain('Yours');
      expect(await page.getByTestId('own-booking').textContent()).toContain('K10, K11');

      // The seat map itself is the same for everyone (shared cache, one ETag): nothing per user in it.
      const a = await server.app.inject({
        url: `/api/v1/showtimes/${grand.showtimeId}/seats`,
        headers: customer.auth,
      });
      const b = await server.app.inject({
        url: `/api/v1/showtimes/${grand.showtimeId}/seats`,
        headers: other.auth,
      });
      expect(a.headers.etag).toBe(b.headers.etag);
    },
    BROWSER_TEST_MS,
  );

  it(
    'lists only the tiers an auditorium has in the legend, and names a focused seat',
    async () => {
      const movieId = await createMovie(server.app, admin.token, { title: 'Plain Room' });
      const f = await createShowtimeFixture(server.app, admin.token, { movieId, rows: 4, seatsPerRow: 6 });
      const page = await newPage({ viewport: { width: 1280, height: 800 } });
      await openSeatMap(page, server, f);
      const legend = await page.getByRole('group', { name: 'Seat legend' }).textContent();
      expect(legend).toContain('Standard');
      expect(legend).not.toContain('Premium');
      expect(legend).not.toContain('Wheelchair');
      expect(legend).not.toContain('Yours');

      // The seat's name shows beside it on keyboard focus (and hover); the arrow keys still move.
      await seatButton(page, 'B', 3).click();
      await page.keyboard.press('ArrowRight');
      await expect
        .poll(() => page.evaluate("document.activeElement?.getAttribute('aria-label')"), PATIENT)
        .toMatch(/^Row B, seat 4,/);
      expect(
        await page.evaluate(
          "getComputedStyle(document.activeElement, '::after').getPropertyValue('content')",
        ),
      ).toBe('"B4"');
    },
    BROWSER_TEST_MS,
  );

  it(
    'asks before cancelling a hold, and says what happened afterwards',
    async () => {
      const customer = await createUser(server.app, server.ctx);
      const page = await newPage({ viewport: { width: 1280, height: 800 } }, customer);
      await openSeatMap(page, server, grand);
      await seatButton(page, 'C', 7).click();
      await page.getByRole('button', { name: 'Hold 1 seat' }).click();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      const bookingId = page.url().split('/').pop()!;

      // One tap only asks.
      await page.getByRole('button', { name: 'Cancel and release these seats' }).click();
      const confirm = page.getByRole('group', { name: /Cancel this hold\?/ });
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('Seat C7');
      expect(
        await page
          .getByTestId('cancel-confirm')
          .evaluate(
            (el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement,
          ),
      ).toBe(true);
      expect(await bookingStatus(server, customer, bookingId)).toBe('pending');

      // "Keep my seats" keeps them.
      await page.getByRole('button', { name: 'Keep my seats' }).click();
      await page.getByRole('button', { name: 'Cancel and release these seats' }).waitFor();
      expect(await bookingStatus(server, customer, bookingId)).toBe('pending');

      // Confirmed: cancelled, and the page says so (focused, so a screen reader reads it).
      await page.getByRole('button', { name: 'Cancel and release these seats' }).click();
      await page.getByRole('button', { name: 'Yes, cancel the hold' }).click();
      const message = page.getByTestId('booking-closed');
      await message.waitFor();
      expect(await message.textContent()).toContain('Hold cancelled');
      expect(await message.textContent()).toContain('Seat C7 went back on sale');
      expect(await message.getAttribute('role')).toBe('status');
      expect(
        await message.evaluate(
          (el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement,
        ),
      ).toBe(true);
      expect(await bookingStatus(server, customer, bookingId)).toBe('cancelled');
    },
    BROWSER_TEST_MS,
  );

  it(
    'keeps the hold countdown in view on a phone while the customer scrolls to the card form',
    async () => {
      const page = await newPage(PHONE);
      await openSeatMap(page, server, grand);
      await page.getByRole('button', { name: 'Zoom in' }).tap();
      const seat = seatButton(page, 'D', 8);
      await centre(seat);
      await seat.tap();
      await page.getByRole('button', { name: 'Hold 1 seat' }).last().tap();
      await page.waitForURL(/\/bookings\/[0-9a-f-]+$/);
      await page.getByTestId('countdown').waitFor();
      await page.getByLabel('Card number').scrollIntoViewIfNeeded();
      await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
      const state = await page.evaluate<{
        scrollY: number;
        top: number;
        bottom: number;
        height: number;
        hit: boolean;
      }>(`(() => {
        const el = document.querySelector('[data-testid="countdown"]');
        const r = el.getBoundingClientRect();
        const hit = el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
        return { scrollY: window.scrollY, top: r.top, bottom: r.bottom, height: window.innerHeight, hit };
      })()`);
      expect(state.scrollY).toBeGreaterThan(200); // the page really scrolled
      expect(state.top).toBeGreaterThanOrEqual(0);
      expect(state.bottom).toBeLessThanOrEqual(state.height);
      expect(state.hit).toBe(true); // not hidden under the sticky header
      expect(await page.getByRole('timer').textContent()).toMatch(/^\d+:\d\d$/);
    },
    BROWSER_TEST_MS,
  );
});
