import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { startWorkers, type Workers } from '../../src/jobs/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { CARD, createShowtime, type ShowtimeFixture } from '../helpers/fixtures.js';
import { startSmtpServer, waitFor, type TestSmtpServer } from '../helpers/notify.js';
import { createUser, type TestUser } from '../helpers/users.js';
import {
  ensureWebBuild,
  HAS_CHROMIUM,
  launchBrowser,
  NO_CHROMIUM_REASON,
  signInWithToken,
  watchErrors,
} from './browser.js';

if (!HAS_CHROMIUM) console.warn(`[e2e] skipping the browser tests: ${NO_CHROMIUM_REASON}`);

const BROWSER_TEST_MS = 120_000;
const PATIENT = { timeout: 15_000, interval: 200 };

/**
 * People in the console as an operator lives it: an admin invites a staff member for one theater from the People
 * page; the invitee opens the link from the email (received by a real SMTP server), creates the account and can
 * check in only at that theater; the admin sees the invitation and the new access in the Audit log page.
 */
describe.skipIf(!HAS_CHROMIUM)('people and the audit log in a real browser', () => {
  let browser: Browser;
  let server: TestApp;
  let smtp: TestSmtpServer;
  let workers: Workers;
  let url: string;
  let admin: TestUser;
  let customer: TestUser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[][] = [];

  beforeAll(async () => {
    ensureWebBuild();
    smtp = await startSmtpServer();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await createTestApp({
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Matinee <people@matinee.test>', PUBLIC_URL: url },
      overrides: { sms: null },
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    workers = await startWorkers(server.ctx, { sweepIntervalMs: 60_000 });
    browser = await launchBrowser();
    admin = await createUser(server.app, server.ctx, 'admin', { name: 'Ada Admin' });
    customer = await createUser(server.app, server.ctx);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await server?.close();
    await smtp?.close();
  });

  afterEach(async () => {
    expect(pageErrors.splice(0).flat(), 'uncaught errors in the pages').toEqual([]);
    for (const c of contexts.splice(0)) await c.close();
  });

  async function newPage(width = 1366): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    pageErrors.push(watchErrors(page));
    return page;
  }

  async function theaterOf(st: ShowtimeFixture) {
    const row = await server.ctx.db
      .selectFrom('auditoriums as a')
      .innerJoin('theaters as t', 't.id', 'a.theater_id')
      .select(['t.id', 't.name'])
      .where('a.id', '=', st.auditoriumId)
      .executeTakeFirstOrThrow();
    return row;
  }

  /** A paid ticket of the showtime; returns its QR code's text (what a scanner reads). */
  async function ticketCode(show: ShowtimeFixture, seat: number): Promise<string> {
    const hold = await server.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: customer.auth,
      payload: { showtimeId: show.showtimeId, seatIds: [show.seatIds[seat]] },
    });
    const booking = hold.json<{ booking: { id: string; tickets: { id: string }[] } }>().booking;
    const pay = await server.app.inject({
      method: 'POST',
      url: `/api/v1/bookings/${booking.id}/payment`,
      headers: customer.auth,
      payload: { card: CARD.good },
    });
    expect(pay.statusCode, pay.body).toBe(200);
    const ticket = await server.app.inject({
      url: `/api/v1/tickets/${booking.tickets[0]!.id}`,
      headers: customer.auth,
    });
    return ticket.json<{ ticket: { code: string } }>().ticket.code;
  }

  it(
    'an admin invites door staff for one theater; they accept from the emailed link and check in only there',
    async () => {
      const showA = await createShowtime(server.ctx.db, { rows: 1, seatsPerRow: 6, startsInMinutes: 30 });
      const showB = await createShowtime(server.ctx.db, { rows: 1, seatsPerRow: 6, startsInMinutes: 30 });
      const [theaterA, theaterB] = [await theaterOf(showA), await theaterOf(showB)];

      // ---- the admin invites ----
      const adminPage = await newPage();
      await signInWithToken(adminPage, url, admin.token);
      await adminPage.goto(`${url}/admin`);
      await adminPage
        .getByRole('navigation', { name: 'Operator console' })
        .getByRole('link', { name: 'People' })
        .click();
      await adminPage.getByRole('heading', { level: 1, name: 'People' }).waitFor(PATIENT);
      const email = `door-${Date.now()}@example.com`;
      // Staff without a theater: said next to the field, nothing sent.
      await adminPage.getByLabel('Email').fill(email);
      await adminPage.getByRole('button', { name: 'Send invitation' }).click();
      await adminPage.getByText('Choose at least one theater.').waitFor(PATIENT);
      await adminPage.getByRole('checkbox', { name: new RegExp(`${theaterA.name} \\(`) }).check();
      await adminPage.getByRole('button', { name: 'Send invitation' }).click();
      await adminPage.getByTestId('invite-sent').waitFor(PATIENT);
      const invitations = adminPage.getByTestId('invitations');
      await expect.poll(() => invitations.textContent(), PATIENT).toContain(email);
      expect(await invitations.getByRole('row', { name: new RegExp(email) }).textContent()).toContain(
        'pending',
      );

      // ---- the invitee opens the mailed link ----
      const link = await waitFor('the invitation email', () => {
        const mail = smtp.received.find((m) => m.to.includes(email));
        return mail && /http:\/\/\S+\/invitation#token=[\w-]+/.exec(mail.parsed.text ?? '')?.[0];
      });
      expect(link.startsWith(`${url}/invitation#token=`)).toBe(true);
      const staffPage = await newPage(390);
      await staffPage.goto(link);
      await staffPage.getByTestId('invitation-offer').waitFor(PATIENT);
      expect(await staffPage.getByTestId('invitation-offer').textContent()).toContain(theaterA.name);
      await staffPage.getByLabel('Your name').fill('Dora Door');
      await staffPage.getByLabel('Choose a password').fill('door-pass-123');
      await staffPage.getByLabel('Password again').fill('door-pass-123');
      await staffPage.getByRole('button', { name: 'Create account and accept' }).click();
      await staffPage.waitForURL(`${url}/checkin`, PATIENT);

      // ---- at the door: theater A yes, theater B no ----
      const codeField = staffPage.getByLabel('Ticket code or booking reference');
      await codeField.fill(await ticketCode(showB, 0));
      await staffPage.getByRole('button', { name: 'Check in', exact: true }).click();
      const verdict = staffPage.getByTestId('checkin-verdict');
      await expect.poll(() => verdict.textContent(), PATIENT).toContain('Another theater');
      await codeField.fill(await ticketCode(showA, 0));
      await staffPage.getByRole('button', { name: 'Check in', exact: true }).click();
      await expect.poll(() => verdict.textContent(), PATIENT).toContain('Admitted');

      // The invitation link works once.
      const again = await newPage();
      await again.goto(link);
      await again.getByTestId('invitation-error').waitFor(PATIENT);
      expect(await again.getByTestId('invitation-error').textContent()).toContain('already accepted');

      // ---- the admin sees it all ----
      await adminPage.reload();
      const people = adminPage.getByTestId('people');
      await expect.poll(() => people.textContent(), PATIENT).toContain('Dora Door');
      expect(await people.getByRole('row', { name: /Dora Door/ }).textContent()).toContain(theaterA.name);
      expect(await invitations.getByRole('row', { name: new RegExp(email) }).textContent()).toContain(
        'accepted',
      );

      // Moved to theater B from the console.
      await adminPage.getByRole('button', { name: 'Change access of Dora Door' }).click();
      const editor = adminPage.getByRole('form', { name: 'Access of Dora Door' });
      await editor.getByRole('checkbox', { name: new RegExp(`${theaterA.name} \\(`) }).uncheck();
      await editor.getByRole('checkbox', { name: new RegExp(`${theaterB.name} \\(`) }).check();
      await editor.getByRole('button', { name: 'Save access' }).click();
      await expect
        .poll(() => adminPage.getByTestId('people-announcement').textContent(), PATIENT)
        .toContain('Dora Door');
      await expect
        .poll(() => people.getByRole('row', { name: /Dora Door/ }).textContent(), PATIENT)
        .toContain(theaterB.name);

      // On a phone the page does not scroll sideways: wide tables scroll inside their card.
      await adminPage.setViewportSize({ width: 390, height: 844 });
      expect(await adminPage.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        390,
      );
      await adminPage.setViewportSize({ width: 1366, height: 900 });

      await adminPage
        .getByRole('navigation', { name: 'Operator console' })
        .getByRole('link', { name: 'Audit log' })
        .click();
      await adminPage.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor(PATIENT);
      const entries = adminPage.getByTestId('audit-entries');
      await entries.waitFor(PATIENT);
      const actions = await entries
        .locator('[data-action]')
        .evaluateAll((els) =>
          els.map((el) => (el as unknown as { dataset: { action: string } }).dataset.action),
        );
      expect(actions.slice(0, 3)).toEqual([
        'user.change_access',
        'user.accept_invitation',
        'invitation.create',
      ]);
      const invited = entries.locator('[data-action="invitation.create"]');
      expect(await invited.textContent()).toContain(admin.email);
      expect(await invited.textContent()).toContain(email);
      const change = entries.locator('[data-action="user.change_access"]');
      expect(await change.locator('.audit-changed').count()).toBe(1); // only the theaters changed

      // Filtered by action: only the acceptance (the role given by the invitation).
      await adminPage.getByLabel('Action').fill('user.accept_invitation');
      await adminPage.getByRole('button', { name: 'Show' }).click();
      await expect.poll(() => entries.locator('[data-action]').count(), PATIENT).toBe(1);
      expect(await entries.textContent()).toContain('staff');
      expect(await entries.textContent()).toContain(email);
    },
    BROWSER_TEST_MS,
  );
});
