import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { startWorkers, type Workers } from '../../src/jobs/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/users.js';
import { ensureWebBuild, HAS_CHROMIUM, launchBrowser, NO_CHROMIUM_REASON, watchErrors } from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 90_000;
const PATIENT = { timeout: 15_000, interval: 200 };

/**
 * "Forgot password?" as a customer lives it: the form, the email read from the development mailbox (/dev/mail,
 * written by the worker with no SMTP_URL), its link opened in the browser, a new password, signing in with it;
 * and the account page changing a name and a phone number.
 */
describe.skipIf(!HAS_CHROMIUM)('account pages in a real browser', () => {
  let browser: Browser;
  let server: TestApp;
  let workers: Workers;
  let url: string;
  let dataDir: string;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureWebBuild();
    dataDir = await mkdtemp(path.join(tmpdir(), 'matinee-e2e-mail-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // PUBLIC_URL is this server, so the emailed link opens it.
    server = await createTestApp({ env: { DATA_DIR: dataDir, PUBLIC_URL: url }, overrides: { sms: null } });
    await server.app.listen({ port, host: '127.0.0.1' });
    workers = await startWorkers(server.ctx, { sweepIntervalMs: 60_000 });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(errors, 'uncaught errors in the page').toEqual([]);
    await context?.close();
  });

  async function newPage(): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page = await context.newPage();
    errors = watchErrors(page);
    return page;
  }

  const login = (email: string, password: string) =>
    server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  it(
    'forgot password: email from the development mailbox, link, new password, sign in with it',
    async () => {
      const user = await createUser(server.app, server.ctx, 'customer', { name: 'Hedy Lamarr' });
      await newPage();
      await page.goto(`${url}/signin`);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.waitForURL(`${url}/forgot-password`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Email me a link' }).click();
      await expect
        .poll(() => page.getByTestId('reset-requested').textContent(), PATIENT)
        .toContain('If an account has this email');

      // The worker writes the email to the development mailbox; read it there, as a developer would.
      const row = () => page.locator('tr', { hasText: user.email });
      await expect
        .poll(async () => {
          await page.goto(`${url}/dev/mail`);
          return row().count();
        }, PATIENT)
        .toBe(1);
      await row().getByRole('link', { name: 'Reset your Matinee password' }).click();
      await page.getByText('Hello Hedy Lamarr').waitFor();
      await page.getByRole('link', { name: 'Choose a new password' }).click();
      await page.waitForURL(new RegExp(`^${url}/reset-password#token=[\\w-]{43}$`));

      await page.getByLabel('New password', { exact: true }).fill('a-new-password-9');
      await page.getByLabel('New password again').fill('a-new-password-9');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect
        .poll(() => page.getByTestId('reset-done').textContent(), PATIENT)
        .toContain('password is changed');

      // The link worked once: opening it again says so.
      const link = page.url();
      await page.getByTestId('reset-done').getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/signin`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill('a-new-password-9');
      await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/`);
      await expect(page.getByRole('link', { name: /Hedy Lamarr/ }).isVisible()).resolves.toBe(true);
      expect((await login(user.email, 'password-123')).statusCode).toBe(401);

      await page.goto(link);
      await page.getByLabel('New password', { exact: true }).fill('yet-another-pass');
      await page.getByLabel('New password again').fill('yet-another-pass');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect
        .poll(() => page.getByTestId('reset-error').textContent(), PATIENT)
        .toContain('already used');
    },
    BROWSER_TEST_MS,
  );

  it(
    'the account page changes the name and the phone number',
    async () => {
      const user = await createUser(server.app, server.ctx, 'customer', { name: 'Alan Turing' });
      await newPage();
      await page.goto(`${url}/signin`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill('password-123');
      await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/`);

      await page.getByRole('link', { name: 'Alan Turing' }).click();
      await page.waitForURL(`${url}/account`);
      await page.getByRole('heading', { name: 'Your account' }).waitFor();

      await page.getByLabel('Name').fill('Alan M. Turing');
      await page.getByLabel(/Mobile phone/).fill('555-01');
      await page.getByRole('button', { name: 'Save details' }).click();
      await expect
        .poll(() => page.getByTestId('profile-message').textContent(), PATIENT)
        .toContain('Check your mobile number');

      await page.getByLabel(/Mobile phone/).fill('(212) 555-0142');
      await page.getByRole('button', { name: 'Save details' }).click();
      await expect
        .poll(() => page.getByTestId('profile-message').textContent(), PATIENT)
        .toContain('Your details are saved');
      await expect.poll(() => page.getByLabel(/Mobile phone/).inputValue(), PATIENT).toBe('+12125550142');
      await page.getByRole('link', { name: 'Alan M. Turing' }).waitFor();

      const me = await server.app.inject({ url: '/api/v1/auth/me', headers: user.auth });
      expect(me.json()).toMatchObject({ user: { name: 'Alan M. Turing', phone: '+12125550142' } });
    },
    BROWSER_TEST_MS,
  );
});
