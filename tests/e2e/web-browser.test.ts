import { createServer, type Server } from 'node:http';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { startProcess, type ServerProcess } from './process.ts';
import { addVirtualAuthenticator, browserMissing, consoleErrors, executablePath, expectAccessible, screenshot } from './web-browser.ts';

const password = 'a sturdy passphrase 42';
let smtp: TestSmtpServer;
let server: ServerProcess;
let origin: string;
let browser: Browser;
let evil: Server;
let evilOrigin: string;

beforeAll(async () => {
  if (browserMissing) return;
  const port = await freePort();
  origin = `http://localhost:${port}`;
  smtp = await startTestSmtpServer();
  [server, browser] = await Promise.all([
    startProcess('node', {
      DATABASE_URL: 'memory',
      PORT: String(port),
      PUBLIC_URL: origin,
      MAIL_URL: smtp.url,
      ADMIN_EMAILS: 'admin@example.com',
    }),
    chromium.launch({ executablePath, args: ['--no-sandbox'] }), // CI runs as root
  ]);
  // Another origin on the same site (ports do not make a site): the browser sends the SameSite=Lax
  // cookie along with its form post, so only the server's own checks can stop it.
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<form method="post" action="${origin}/account/profile"><input name="displayName" value="Mallory"><input name="csrf" value="guess"></form>
      <script>document.forms[0].submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilOrigin = `http://localhost:${(evil.address() as { port: number }).port}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
  await new Promise((resolve) => (evil ? evil.close(resolve) : resolve(undefined)));
});

/** A new browser profile (its own cookies) with a tab that fails the test on any console error. */
async function newTab(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: origin });
  const page = await context.newPage();
  return { context, page, errors: consoleErrors(page) };
}

async function signIn(page: Page, email: string, secret = password) {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(secret);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const register = (email: string) =>
  fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  }).then((res) => expect(res.status).toBe(201));

const linkTo = async (path: string, to: string) => {
  const mail = await smtp.waitFor((m) => m.envelope.to.includes(to) && m.links.some((l) => l.includes(path)));
  return mail.links.find((l) => l.includes(path))!;
};

describe.skipIf(browserMissing)('the web app in a real browser (monolith)', () => {
  it('register, verify from the mail, sign in, see and end another session, reset the password from the mail, sign in with it', async () => {
    const email = 'ada@example.com';
    const first = await newTab();
    const second = await newTab();
    try {
      const { page } = first;
      await page.goto('/register');
      await expectAccessible(page);
      await screenshot(page, 'register');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Display name').fill('Ada');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/login?done=registered`);
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Your account is created');
      await expectAccessible(page);
      await screenshot(page, 'login');

      await page.goto(await linkTo('/verify-email', email));
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Your email address is verified.');

      await signIn(page, email);
      await expect.poll(() => page.url()).toBe(`${origin}/account`);
      await expect.poll(() => page.locator('tr[data-session]').count()).toBe(1);
      expect(await page.locator('tr[data-session]').textContent()).toContain('This device');
      expect(await page.textContent('main')).toContain(`${email} (verified)`);

      await signIn(second.page, email);
      await expect.poll(() => second.page.url()).toBe(`${origin}/account`);
      await page.reload();
      await expect.poll(() => page.locator('tr[data-session]').count()).toBe(2);
      await expectAccessible(page);
      await screenshot(page, 'account');
      await page.locator('tr[data-session]:not(:has(strong)) button').click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('That session is signed out.');
      await expect.poll(() => page.locator('tr[data-session]').count()).toBe(1);
      await expect
        .poll(async () => {
          await second.page.goto('/account');
          return second.page.url();
        })
        .toBe(`${origin}/login?done=session-ended`);

      await second.page.getByRole('link', { name: 'Forgot your password?' }).click();
      await expectAccessible(second.page);
      await second.page.getByLabel('Email').fill(email);
      await second.page.getByRole('button', { name: 'Send reset link' }).click();
      await expect.poll(() => second.page.getByRole('status').textContent()).toContain('a link to reset its password is on its way');
      await second.page.goto(await linkTo('/reset-password', email));
      await expectAccessible(second.page);
      await screenshot(second.page, 'reset-password');
      await second.page.getByLabel('New password', { exact: true }).fill('a brand new passphrase 7');
      await second.page.getByRole('button', { name: 'Set new password' }).click();
      await expect.poll(() => second.page.url()).toBe(`${origin}/login?done=password-reset`);
      await signIn(second.page, email, 'a brand new passphrase 7');
      await expect.poll(() => second.page.url()).toBe(`${origin}/account`);

      // The reset signed out every session of the account, the first browser's too.
      await page.goto('/account');
      expect(page.url()).toBe(`${origin}/login?done=session-ended`);
      expect([...first.errors, ...second.errors]).toEqual([]);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  }, 60_000);

  it('sets up an authenticator app from the QR code page, shows the recovery codes, and asks for a code at the next sign-in', async () => {
    const email = 'grace@example.com';
    await register(email);
    const { context, page, errors } = await newTab();
    try {
      await signIn(page, email);
      await page.locator('#totp-password').fill(password);
      await page.getByRole('button', { name: 'Set up authenticator app' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/account/two-factor`);
      expect(await page.getByRole('img', { name: 'QR code for your authenticator app' }).getAttribute('src')).toMatch(
        /^data:image\/svg\+xml;base64,/,
      );
      await expectAccessible(page);
      await screenshot(page, 'two-factor');
      const secret = (await page.locator('.secret').textContent())!;
      await page.getByLabel('Code').fill('000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.locator('#code-error').textContent()).toContain('not right');
      expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
      const totp = new TOTP({ secret: Secret.fromBase32(secret) });
      await page.getByLabel('Code').fill(totp.generate());
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.getByRole('list', { name: 'Recovery codes' }).locator('li').count()).toBe(10);
      await expectAccessible(page);
      await page.goto('/account');
      expect(await page.textContent('main')).toContain('Authenticator app: on');

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signIn(page, email);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Second factor');
      await expectAccessible(page);
      await screenshot(page, 'second-factor');
      await page.getByLabel('Code').fill('000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.locator('#code-error').textContent()).toContain('not right');
      // The enrolment spent this step's code (a replay is refused): the next step's is within the allowed skew.
      await page.getByLabel('Code').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/account`);
      expect(await page.locator('tr[data-session]').count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);

  it('adds a passkey through the browser’s WebAuthn (DevTools virtual authenticator), lists it, and signs in with it alone or as the second factor after the password', async () => {
    const email = 'katherine@example.com';
    await register(email);
    const { context, page, errors } = await newTab();
    try {
      await addVirtualAuthenticator(context, page);
      await signIn(page, email);
      await page.getByLabel('Passkey name').fill('Laptop');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/account?done=passkey-added`);
      expect(await page.locator('li[data-passkey-id]').textContent()).toContain('Laptop');

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/login?done=signed-out`);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/account`);
      expect(await page.textContent('main')).toContain(email);

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signIn(page, email);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Second factor');
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/account`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);

  it('an admin disables an account: its browser is signed out and its sign-in refused until enabled again; others may not see /admin', async () => {
    await register('admin@example.com');
    await register('mallory@example.com');
    const admin = await newTab();
    const user = await newTab();
    try {
      await signIn(user.page, 'mallory@example.com');
      await expect.poll(() => user.page.url()).toBe(`${origin}/account`);
      const refused = await user.page.goto('/admin');
      expect(refused?.status()).toBe(403);

      await signIn(admin.page, 'admin@example.com');
      await admin.page.getByRole('link', { name: 'Admin' }).click();
      await admin.page.getByLabel('Search by email or name').fill('mallory');
      await admin.page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => admin.page.locator('tr[data-user]').count()).toBe(1);
      await expectAccessible(admin.page);
      await screenshot(admin.page, 'admin');
      await admin.page.getByRole('button', { name: 'Disable mallory@example.com' }).click();
      await expect.poll(() => admin.page.getByRole('status').textContent()).toContain('disabled');
      expect(await admin.page.locator('tr[data-user]').textContent()).toContain('Disabled');

      await expect
        .poll(async () => {
          await user.page.goto('/account');
          return user.page.url();
        })
        .toBe(`${origin}/login?done=session-ended`);
      await signIn(user.page, 'mallory@example.com');
      await expect.poll(() => user.page.getByRole('alert').first().textContent()).toMatch(/disabled/i);
      expect(user.page.url()).toBe(`${origin}/login`);

      await admin.page.getByRole('button', { name: 'Enable mallory@example.com' }).click();
      await expect.poll(() => admin.page.getByRole('status').textContent()).toBe('The account is enabled.');
      await signIn(user.page, 'mallory@example.com');
      await expect.poll(() => user.page.url()).toBe(`${origin}/account`);
      expect([...admin.errors, ...user.errors]).toEqual([]);
    } finally {
      await admin.context.close();
      await user.context.close();
    }
  }, 30_000);

  it('a form posted from another origin is refused with a page that says why, and changes nothing', async () => {
    await register('barbara@example.com');
    const { context, page } = await newTab();
    try {
      await signIn(page, 'barbara@example.com');
      const posted = page.waitForResponse((res) => res.url() === `${origin}/account/profile`);
      await page.goto(evilOrigin);
      expect((await posted).status()).toBe(403);
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('This form came from another site');
      await expectAccessible(page);
      await page.goto('/account');
      expect(await page.getByLabel('Display name').inputValue()).not.toBe('Mallory');
    } finally {
      await context.close();
    }
  }, 30_000);

  it('every page passes axe at phone width too, with no console error', async () => {
    const { context, page, errors } = await newTab();
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of [
        '/login',
        '/register',
        '/forgot-password',
        '/reset-password?token=x',
        '/verify-email?token=x',
        '/confirm-email?token=x',
      ]) {
        await page.goto(path);
        await expectAccessible(page);
      }
      await page.goto('/login');
      await screenshot(page, 'login-phone');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
