import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createUser, type TestUser } from '../helpers/users.js';

/** Debian's Chromium (CI installs the `chromium` package); Playwright's own downloads are never used. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `${CHROMIUM} is missing: install it (apt-get install -y chromium) to run the browser tests`;

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds public/ if web/ changed since the last build (a no-op when it is current). */
export function ensureWebBuild(): void {
  execFileSync(process.execPath, ['scripts/ensure-web-build.js'], { cwd: root, stdio: 'inherit' });
}

/** Headless Debian Chromium with the flags this closed network needs (no background connections). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...extraArgs,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface LiveServer extends TestApp {
  /** http://127.0.0.1:<port> */
  url: string;
}

/** The real app on its own database, listening on a free port of 127.0.0.1 (so the browser can reach it). */
export async function startServer(env: Record<string, string> = {}): Promise<LiveServer> {
  const t = await createTestApp({ env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return { ...t, url: `http://127.0.0.1:${port}` };
}

export interface BrowserSuite {
  readonly browser: Browser;
  readonly server: LiveServer;
  /** An admin of the suite's server, for setting up its catalog through the API. */
  readonly admin: TestUser;
  /**
   * A page in a fresh browser context (1280x800 unless `options` say otherwise), closed after the test; an
   * uncaught error in it fails the test that opened it.
   */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * What every browser suite sets up, in one place: the web build, Chromium and the real app on its own database
 * (with `env`), an admin, and pages whose uncaught errors fail their test. Call it first in a `describe`: its
 * hooks run before the suite's own, so the suite's `beforeAll` can use `server` and `admin`.
 */
export function browserSuite(env: Record<string, string> = {}): BrowserSuite {
  let browser: Browser | undefined;
  let server: LiveServer | undefined;
  let admin: TestUser | undefined;
  let open: { close(): Promise<void>; errors: string[] }[] = [];
  const ready = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`browserSuite: ${what} is set up in beforeAll`);
    return x;
  };
  beforeAll(async () => {
    ensureWebBuild();
    [browser, server] = await Promise.all([launchBrowser(), startServer(env)]);
    admin = await createUser(server.app, server.ctx, 'admin');
  });
  afterEach(async () => {
    const errors = open.flatMap((o) => o.errors);
    await Promise.all(open.map((o) => o.close()));
    open = [];
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get browser() {
      return ready(browser, 'the browser');
    },
    get server() {
      return ready(server, 'the server');
    },
    get admin() {
      return ready(admin, 'the admin');
    },
    async newPage(options = {}) {
      const context = await ready(browser, 'the browser').newContext({
        viewport: { width: 1280, height: 800 },
        ...options,
      });
      const page = await context.newPage();
      open.push({ close: () => context.close(), errors: watchErrors(page) });
      return page;
    },
  };
}

/** Collects uncaught page errors so a test can assert the app never threw. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

let n = 0;

/** Signs up through the web app's own form (the header's "Sign in", then "Create account") and waits for the theater list. */
export async function signUpInBrowser(page: Page, base: string, name = 'Ada Lovelace'): Promise<string> {
  await page.goto(`${base}/`);
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(/\/signin/);
  await page.getByRole('button', { name: 'Create account', exact: true }).first().click();
  const email = await fillSignUpForm(page, name);
  await page.waitForURL(`${base}/`);
  return email;
}

/** Fills the sign-up form (already in "Create account" mode) with a fresh email and sends it. */
export async function fillSignUpForm(page: Page, name = 'Ada Lovelace'): Promise<string> {
  const email = `web${++n}-${Date.now()}@example.com`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('password-123');
  await page.locator('form').getByRole('button', { name: 'Create account' }).click();
  return email;
}

/** Signs the web app in with a token obtained elsewhere (e.g. a staff account made by the service). */
export async function signInWithToken(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/signin`);
  await page.evaluate<void, string>((t) => {
    (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
      'matinee.token',
      t,
    );
  }, token);
  await page.goto(`${base}/`);
}

/** The bearer token the web app stored after signing in. */
export function tokenOf(page: Page): Promise<string> {
  return page.evaluate<string>("window.localStorage.getItem('matinee.token') ?? ''");
}

/** An attribute of the element that has the keyboard focus (expressions run in the page, which has the DOM). */
export function focusedAttribute(page: Page, name: string): Promise<string | null> {
  return page.evaluate<string | null>(
    `document.activeElement?.getAttribute(${JSON.stringify(name)}) ?? null`,
  );
}

/** Date.now() in the page (its clock may be a fake one). */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate<number>('Date.now()');
}

/** YYYY-MM-DD of an instant in a time zone (the theater page lists days in the theater's zone). */
export function localDate(iso: string, timeZone = 'America/New_York'): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}
