/**
 * Screenshots of the web app's main screens for the README, taken from a running server with the demo data:
 *
 *   PORT=3100 DATA_DIR=/tmp/matinee-shots npm start          # in one terminal
 *   npx tsx scripts/screenshots.ts --base http://127.0.0.1:3100
 *
 * Writes docs/screenshots/*.png (desktop 1280x800, and the seat map on a 390x844 phone), following a customer
 * who browses signed out (theaters, showtimes with their "From" prices, the seat map with ticket types and the
 * price breakdown), is asked to create an account only when holding the seats, pays, gets the confirmation,
 * then opens "My bookings" and the account page. It books real seats on that server (through its API and its
 * web app), so point it at a development database only.
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/e2e/browser.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://localhost:3000' },
    out: { type: 'string', default: fileURLToPath(new URL('../docs/screenshots', import.meta.url)) },
    /**
     * "designer": only the operator console's seat-layout designer (09), without booking anything;
     * "console": the designer, the week schedule (10) and the sales views (11, 12), booking a few seats.
     */
    only: { type: 'string' },
  },
});
const base = values.base.replace(/\/$/, '');
const outDir = path.resolve(values.out);

interface SeatMap {
  seats: Array<{ id: string; row: string; number: number; status: string; tier: string }>;
}

async function api<T>(method: string, url: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function signUp(name: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@example.com`;
  const r = await api<{ token: string }>('POST', '/auth/signup', undefined, {
    email,
    password: 'password-123',
    name,
  });
  return r.token;
}

/** Waits until every image on the page (posters load lazily) has loaded, scrolling them into view. */
async function settleImages(page: Page): Promise<void> {
  await page.evaluate<void>(`(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 400) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 60)); }
    window.scrollTo(0, 0);
    await Promise.all([...document.images].map(img => img.complete ? null : new Promise(r => { img.onload = img.onerror = r; })));
  })()`);
  await page.waitForTimeout(300);
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const file = path.join(outDir, `${name}.png`);
  // The caret and the focus ring of the last click are noise in a picture.
  await page.evaluate<void>('document.activeElement instanceof HTMLElement && document.activeElement.blur()');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: file, fullPage, animations: 'disabled', caret: 'hide' });
  console.log(`  ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const browser = await launchBrowser(['--font-render-hinting=none']);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  console.log(`Screenshots of ${base} into ${outDir}:`);
  if (values.only === 'designer' || values.only === 'console') {
    await designerShot(page);
    if (values.only === 'console') await consoleShots(page);
    await browser.close();
    return;
  }

  // Theaters near New York, signed out: browsing needs no account.
  await page.goto(`${base}/`);
  await page.locator('.theater-card').first().waitFor();
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).waitFor();
  await shot(page, '02-theaters');

  // A theater's programme, tomorrow (a full day whatever the time now)
  await page.locator('.theater-card').first().click();
  await page.waitForURL(/\/theaters\/[0-9a-f-]+/);
  const theaterId = new URL(page.url()).pathname.split('/')[2]!;
  await page.locator('.date-chip').nth(1).click();
  await page.locator('.movie').first().waitFor();
  await page.getByTestId('showtime-from').first().waitFor();
  await page.waitForLoadState('networkidle');
  await settleImages(page);
  await shot(page, '03-theater-showtimes');

  // Pick the evening showtime with the most seats, and let other customers take some of them first.
  const showtimeHref = await page.evaluate<string>(`(() => {
    const links = [...document.querySelectorAll('a[data-testid="showtime"]')];
    return (links.find(a => /\\b(7|8):\\d\\d PM/.test(a.textContent)) ?? links[0]).getAttribute('href');
  })()`);
  const showtimeId = showtimeHref.split('/').pop()!;
  const map = await api<SeatMap>('GET', `/showtimes/${showtimeId}/seats`);
  const rows = [...new Set(map.seats.map((s) => s.row))];
  const free = (row: string) => map.seats.filter((s) => s.row === row && s.status === 'available');
  const pick = (row: string | undefined, from: number, count: number) =>
    row ? free(row).slice(from, from + count) : [];
  const others = [
    await signUp('Alan Turing'),
    await signUp('Katherine Johnson'),
    await signUp('Edsger Dijkstra'),
  ];
  const sold = [...pick(rows[3], 4, 4), ...pick(rows[4], 6, 3)];
  const paidHold = await api<{ booking: { id: string } }>('POST', '/bookings', others[0], {
    showtimeId,
    seatIds: sold.map((s) => s.id),
  });
  await api('POST', `/bookings/${paidHold.booking.id}/payment`, others[0], {
    card: { number: '4242424242424242', expMonth: 12, expYear: 2039, cvc: '123' },
  });
  await api('POST', '/bookings', others[1], { showtimeId, seatIds: pick(rows[6], 2, 3).map((s) => s.id) });
  await api('POST', '/bookings', others[2], {
    showtimeId,
    seatIds: [...pick(rows[rows.length - 2], 8, 2), ...pick(rows[1], 10, 2)].map((s) => s.id),
  });

  // The seat map, still signed out, with three seats chosen: two adults and a child, priced with the booking fee
  // and the tax before anything is held.
  await page.goto(`${base}${showtimeHref}`);
  await page.locator('.seat').first().waitFor();
  await page.getByTestId('live-mode').filter({ hasText: 'Live' }).waitFor();
  const mine = pick(rows[5], 6, 3);
  for (const s of mine)
    await page.getByRole('button', { name: new RegExp(`^Row ${s.row}, seat ${s.number},`) }).click();
  await page.getByRole('button', { name: 'One child ticket more' }).click();
  await page.getByTestId('ticket-type-child').filter({ hasText: '1' }).waitFor();
  await page.getByTestId('price-breakdown').locator('.breakdown-line', { hasText: 'Child' }).waitFor();
  await page.waitForLoadState('networkidle');
  await settleImages(page);
  await shot(page, '04-seat-map', true);

  // The same on a phone (signed out too; its own tab, so its own selection)
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const phonePage = await phone.newPage();
  await phonePage.goto(`${base}${showtimeHref}`);
  await phonePage.locator('.seat').first().waitFor();
  await phonePage.getByTestId('live-mode').filter({ hasText: 'Live' }).waitFor();
  // A large room fits the phone whole with small seats: zoom in (as a customer would) to tap them.
  const zoomIn = phonePage.getByRole('button', { name: 'Zoom in' });
  if ((await zoomIn.count()) > 0) {
    await zoomIn.tap();
    await zoomIn.tap();
  }
  for (const s of mine.slice(0, 2)) {
    const seat = phonePage.getByRole('button', { name: new RegExp(`^Row ${s.row}, seat ${s.number},`) });
    await seat.evaluate((el: { scrollIntoView(o: object): void }) =>
      el.scrollIntoView({ block: 'center', inline: 'center' }),
    );
    await seat.tap();
  }
  await phonePage
    .getByText(/^Hold 2 seats$/)
    .last()
    .waitFor();
  await phonePage.waitForLoadState('networkidle');
  await settleImages(phonePage);
  // The zoom buttons, the mini-map and the chosen seats in one picture, just below the sticky header.
  await phonePage.evaluate<void>(`(() => {
    const tools = document.querySelector('.seatmap-tools') ?? document.querySelector('.seatmap');
    const header = document.querySelector('.site-header').getBoundingClientRect().height;
    window.scrollBy(0, tools.getBoundingClientRect().top - header - 8);
  })()`);
  await shot(phonePage, '05-seat-map-phone');
  await phone.close();

  // Holding needs an account: asked to create one now, the seats staying selected.
  await page
    .getByRole('button', { name: /^Hold \d+ seats?$/ })
    .first()
    .click();
  // On a server already used for screenshots the seats may leave a single seat empty: hold them anyway.
  const orphan = page.getByTestId('orphan-warning');
  await Promise.race([page.waitForURL(/\/signin\?/), orphan.waitFor()]);
  if (await orphan.isVisible()) await orphan.getByRole('button', { name: 'Hold anyway' }).click();
  await page.waitForURL(/\/signin\?/);
  await page.getByTestId('hold-reason').waitFor();
  if ((await page.getByLabel('Name').count()) === 0)
    await page.getByRole('button', { name: 'Create account', exact: true }).first().click();
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill('grace.hopper@example.com');
  await page.getByLabel('Password').fill('password-123');
  await page.getByLabel(/Mobile phone/).fill('212-555-0199');
  await shot(page, '01-sign-in', true);
  await page.locator('form').getByRole('button', { name: 'Create account' }).click();
  // A server already used for screenshots has that account: another address, the rest the same.
  const taken = page.locator('.notice-error');
  await Promise.race([page.waitForURL(/\/bookings\/[0-9a-f-]+$/, { timeout: 15_000 }), taken.waitFor()]);
  if (await taken.isVisible()) {
    await page.getByLabel('Email').fill(`grace.hopper.${Date.now()}@example.com`);
    await page.locator('form').getByRole('button', { name: 'Create account' }).click();
  }

  // Back from signing up, the seats are held: pay for them, the same breakdown above the card form.
  await page.waitForURL(/\/bookings\/[0-9a-f-]+$/, { timeout: 15_000 });
  await page.getByTestId('countdown').waitFor();
  await page.getByTestId('price-breakdown').waitFor();
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiry (MM/YY)').fill('12/39');
  await page.getByLabel('Security code').fill('123');
  await page.waitForLoadState('networkidle');
  await settleImages(page);
  await shot(page, '06-hold-and-pay', true);
  await page.getByRole('button', { name: /^Pay / }).click();

  // Confirmation: the QR codes, the breakdown as paid, the card that paid and "Add to calendar"
  await page.getByTestId('booking-reference').waitFor();
  await page.getByTestId('paid-with').waitFor();
  await page.getByRole('button', { name: 'Add to calendar' }).waitFor();
  await page.waitForLoadState('networkidle');
  await page
    .getByTestId('ticket-qr')
    .first()
    .waitFor({ timeout: 5_000 })
    .catch(() => console.warn('  (no QR codes: GET /tickets/:id has no code on this server)'));
  await settleImages(page);
  await shot(page, '07-confirmation', true);

  // My bookings, with a second booking still waiting for payment
  const token = await page.evaluate<string>("localStorage.getItem('matinee.token')");
  const inTwoDays = await api<{ movies: Array<{ showtimes: Array<{ id: string }> }> }>(
    'GET',
    `/theaters/${theaterId}/movies?date=${new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)}`,
    token,
  );
  const next = inTwoDays.movies.flatMap((m) => m.showtimes)[0];
  if (next) {
    const seats = await api<SeatMap>('GET', `/showtimes/${next.id}/seats`, token);
    const two = seats.seats.filter((s) => s.status === 'available' && s.tier === 'premium').slice(0, 2);
    await api('POST', '/bookings', token, { showtimeId: next.id, seatIds: two.map((s) => s.id) });
  }
  await page.getByRole('link', { name: 'My bookings' }).first().click();
  await page.getByTestId('booking-row').first().waitFor();
  await page.waitForLoadState('networkidle');
  await settleImages(page);
  await shot(page, '08-my-bookings');
  await designerShot(page);
  await consoleShots(page);

  // The account page, opened from the name in the header
  await page.getByRole('banner').getByRole('link', { name: 'Grace Hopper' }).click();
  await page.waitForURL(`${base}/account`);
  await page.waitForFunction("document.querySelector('#account-name')?.value === 'Grace Hopper'");
  await page.waitForLoadState('networkidle');
  await shot(page, '09-account', true);

  await browser.close();
}

/** The demo admin's token and first theater (the console pages below are theirs). */
async function adminTheater(): Promise<{ token: string; theaterId: string }> {
  const { token } = await api<{ token: string }>('POST', '/auth/login', undefined, {
    email: 'admin@matinee.local',
    password: 'matinee-admin',
  });
  const { theaters } = await api<{ theaters: { id: string }[] }>('GET', '/admin/theaters?limit=1', token);
  return { token, theaterId: theaters[0]!.id };
}

/**
 * The console's week schedule of the demo theater, and the sales views of tomorrow's first showtime after two
 * customers bought seats on it and a third holds some (the staff seat map shows who has what).
 */
async function consoleShots(page: Page): Promise<void> {
  const { theaterId } = await adminTheater();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/admin/schedule?theater=${theaterId}`);
  await page.getByRole('group', { name: 'Theater and week' }).waitFor();
  await page.waitForLoadState('networkidle');
  // Tomorrow's lanes (the demo programme starts today), with the movies to drag above them.
  const days = page.locator('.schedule-day-title');
  const label = new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'short', day: 'numeric' }).format(
    new Date(Date.now() + 86_400_000),
  );
  const tomorrowTitle = days.filter({ hasText: label });
  if ((await tomorrowTitle.count()) === 0) await page.getByRole('button', { name: 'Next week' }).click();
  await tomorrowTitle.first().waitFor();
  // Tomorrow's heading at the top of the window, under the sticky header (a string: it runs in the page).
  await page.evaluate<void>(`(() => {
    const h = [...document.querySelectorAll('.schedule-day-title')].find((x) => x.textContent.includes(${JSON.stringify(label)}));
    h.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -140);
  })()`);
  await shot(page, '10-schedule');

  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const day = await api<{ movies: Array<{ showtimes: Array<{ id: string }> }> }>(
    'GET',
    `/theaters/${theaterId}/movies?date=${tomorrow}`,
  );
  const showtimeId = day.movies.flatMap((m) => m.showtimes)[0]?.id;
  if (!showtimeId) throw new Error(`no showtime tomorrow at theater ${theaterId}`);
  const map = await api<SeatMap>('GET', `/showtimes/${showtimeId}/seats`);
  const free = map.seats.filter((x) => x.status === 'available' && x.tier === 'standard');
  const middle = free.slice(Math.floor(free.length / 2) - 4);
  for (const [i, name] of ['Ada Byron', 'Alan Turing', 'Hedy Lamarr'].entries()) {
    const customer = await signUp(name);
    const seatIds = middle.slice(i * 3, i * 3 + (i === 2 ? 2 : 3)).map((x) => x.id);
    const { booking } = await api<{ booking: { id: string } }>('POST', '/bookings', customer, {
      showtimeId,
      seatIds,
    });
    if (i < 2) {
      await api('POST', `/bookings/${booking.id}/payment`, customer, {
        card: { number: '4242424242424242', expMonth: 12, expYear: 2039, cvc: '123' },
      });
    }
  }
  await page.goto(`${base}/admin/sales/showtimes/${showtimeId}`);
  await page.getByTestId('sales-counts').waitFor();
  await page.waitForLoadState('networkidle');
  // A sold seat picked, so the side panel says who bought it.
  await page
    .getByRole('button', { name: /ada\.byron/i })
    .first()
    .click();
  await shot(page, '11-sales-showtime', true);

  await page.goto(`${base}/admin/sales/reports`);
  await page.getByTestId('report-table').waitFor();
  // This week's showtimes, where the sales above are.
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('report-from').fill(inDays(0));
  await page.getByTestId('report-to').fill(inDays(6));
  // (polled from here: the page's CSP forbids the string functions waitForFunction would run in it)
  for (let i = 0; i < 100; i++) {
    const text = await page.getByTestId('report-table').textContent();
    if (/\b[1-9]\d* of \d/.test(text ?? '')) break;
    await page.waitForTimeout(100);
  }
  await page.waitForLoadState('networkidle');
  await shot(page, '12-sales-reports', true);
}

/** The operator console's seat-layout designer, signed in as the demo admin, with a staggered and a curved row. */
async function designerShot(page: Page): Promise<void> {
  const { token } = await api<{ token: string }>('POST', '/auth/login', undefined, {
    email: 'admin@matinee.local',
    password: 'matinee-admin',
  });
  const { theaters } = await api<{ theaters: { id: string }[] }>('GET', '/admin/theaters?limit=1', token);
  const theaterId = theaters[0]!.id;
  const { auditoriums } = await api<{ auditoriums: { id: string; seatCount: number }[] }>(
    'GET',
    `/admin/theaters/${theaterId}/auditoriums`,
    token,
  );
  const smallest = [...auditoriums].sort((a, b) => a.seatCount - b.seatCount)[0]!;
  await page.goto(`${base}/signin`);
  await page.evaluate<void, string>((t) => {
    (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
      'matinee.token',
      t,
    );
  }, token);
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.goto(`${base}/admin/theaters/${theaterId}/auditoriums/${smallest.id}`);
  await page.getByTestId('designer').waitFor();
  // Unsaved edits, to show what the designer draws: a staggered row, a curved one, a blocked seat.
  await page.getByRole('checkbox', { name: 'Staggered row B' }).check();
  await page.getByLabel('Curve of row C').selectOption('2');
  await page.getByLabel('Curve of row D').selectOption('5');
  await page.getByRole('radio', { name: /Blocked: broken/ }).check();
  await page.getByRole('button', { name: /^Row C, position 4:/ }).click();
  await page.getByRole('radio', { name: /Standard seat/ }).check();
  // From the tools to the preview: the room being drawn and what customers will see.
  await page.evaluate<void>('document.activeElement instanceof HTMLElement && document.activeElement.blur()');
  await page.mouse.move(0, 0);
  const area = await page.evaluate<{ top: number; bottom: number; left: number; right: number }>(`(() => {
    const a = document.getElementById('draw-title').closest('section').getBoundingClientRect();
    const b = document.getElementById('preview-title').closest('section').getBoundingClientRect();
    return { top: a.top + window.scrollY, bottom: b.bottom + window.scrollY, left: a.left, right: a.right };
  })()`);
  const file = path.join(outDir, '09-layout-designer.png');
  await page.screenshot({
    path: file,
    fullPage: true,
    clip: {
      x: area.left - 16,
      y: area.top - 16,
      width: area.right - area.left + 32,
      height: area.bottom - area.top + 32,
    },
    animations: 'disabled',
    caret: 'hide',
  });
  console.log(`  ${path.relative(process.cwd(), file)}`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
