import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
/** A 1x1 grey PNG: every tile the map asks for. */
const TILE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mN8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=',
  'base64',
);

/**
 * The theater form's map: with MAP_TILE_URL set and its tiles loading, clicking the map or dragging the pin sets
 * latitude and longitude; when the tile server cannot be reached, the form says why and the fields remain.
 */
describe.skipIf(!HAS_CHROMIUM)('theater location map, in a real browser', () => {
  let browser: Browser;
  let server: LiveServer;
  let tiles: http.Server;
  let tileRequests = 0;
  let admin: TestUser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureWebBuild();
    tiles = http.createServer((req, res) => {
      tileRequests++;
      if (!/^\/tiles\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '')) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(TILE);
    });
    tiles.listen(0, '127.0.0.1');
    await once(tiles, 'listening');
    const { port } = tiles.address() as AddressInfo;
    [browser, server] = await Promise.all([
      launchBrowser(),
      startServer({
        MAP_TILE_URL: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png`,
        MAP_TILE_ATTRIBUTION: 'Test tiles',
      }),
    ]);
    admin = await createUser(server.app, server.ctx, 'admin');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tiles.listening) await new Promise<void>((resolve) => tiles.close(() => resolve()));
  });

  afterEach(async () => {
    expect(errors, 'uncaught errors in the page').toEqual([]);
    await context?.close();
  });

  async function newPage(width = 1366) {
    context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US' });
    page = await context.newPage();
    errors = watchErrors(page);
    await signInWithToken(page, server.url, admin.token);
  }

  const fieldValue = (label: string) => page.getByLabel(label, { exact: true }).inputValue();

  it('sets the location by clicking the map and dragging the pin', async () => {
    await newPage();
    await page.goto(`${server.url}/admin/theaters/new`);
    await page.getByText('Click the map or drag the pin').waitFor(PATIENT);
    expect(tileRequests).toBeGreaterThan(0);
    expect(await page.getByText('Test tiles').count()).toBe(1);

    const map = page.getByTestId('map');
    const box = (await map.boundingBox())!;
    await map.click({ position: { x: box.width / 2 + 40, y: box.height / 2 - 30 } });
    await expect.poll(() => fieldValue('Latitude'), PATIENT).not.toBe('');
    const lat = Number(await fieldValue('Latitude'));
    const lng = Number(await fieldValue('Longitude'));
    expect(lat).toBeGreaterThan(-90);
    expect(lat).toBeLessThan(90);
    expect(Math.abs(lng)).toBeLessThanOrEqual(180);

    // Typed coordinates move the pin; dragging it moves them.
    await page.getByLabel('Latitude', { exact: true }).fill('40.7128');
    await page.getByLabel('Longitude', { exact: true }).fill('-74.006');
    const pin = page.locator('.map-pin');
    await pin.waitFor(PATIENT);
    const at = (await pin.boundingBox())!;
    await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
    await page.mouse.down();
    await page.mouse.move(at.x + at.width / 2 + 60, at.y + at.height / 2 + 40, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => Number(await fieldValue('Latitude')), PATIENT).toBeLessThan(40.7128);
    expect(Number(await fieldValue('Longitude'))).toBeGreaterThan(-74.006);
  });

  it('falls back to the latitude and longitude fields, saying why, when no tile loads', async () => {
    await new Promise<void>((resolve) => tiles.close(() => resolve()));
    tiles.closeAllConnections();
    await newPage(390);
    await page.goto(`${server.url}/admin/theaters/new`);
    const note = page.getByTestId('map-fallback');
    await note.waitFor(PATIENT);
    expect(await note.textContent()).toMatch(/tile server|map tiles/);
    expect(await page.getByTestId('map').count()).toBe(0);
    await page.getByLabel('Latitude', { exact: true }).fill('51.5074');
    expect(await fieldValue('Latitude')).toBe('51.5074');
  });
});
