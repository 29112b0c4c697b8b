import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSplit, type SplitDeployment } from './split.ts';
import { browserMissing, consoleErrors, executablePath, expectAccessible } from './web-browser.ts';

// One split for the file: it costs some ten seconds and a process per module.
let split: SplitDeployment;
let browser: Browser;
let origin: string;
beforeAll(async () => {
  if (browserMissing) return;
  [split, browser] = await Promise.all([
    startSplit(),
    chromium.launch({ executablePath, args: ['--no-sandbox'] }), // CI runs as root
  ]);
  // Forms are accepted from the origin the gateway is reached at (PUBLIC_URL is for mail links).
  origin = `http://localhost:${split.processes.gateway.port}`;
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await split?.close();
});

describe.skipIf(browserMissing)('the web app in a real browser (split: the gateway hosts it, every module in its own process)', () => {
  it('registers, signs in, lists the session with this browser’s device, and signs out', async () => {
    const context = await browser.newContext({ baseURL: origin });
    const page = await context.newPage();
    const errors = consoleErrors(page);
    try {
      await page.goto('/register');
      await page.getByLabel('Email').fill('split@example.com');
      await page.getByLabel('Password').fill('a sturdy passphrase 42');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/login?done=registered`);
      await page.getByLabel('Email').fill('split@example.com');
      await page.getByLabel('Password').fill('a sturdy passphrase 42');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/account`);
      const session = page.locator('tr[data-session]');
      expect(await session.count()).toBe(1);
      // The browser's own user agent and address, carried through the gateway to the session module.
      const userAgent = await page.evaluate(() => navigator.userAgent);
      expect(await session.textContent()).toContain(userAgent);
      expect(await session.textContent()).toContain('127.0.0.1');
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expect.poll(() => page.url()).toBe(`${origin}/login?done=signed-out`);
      await page.goto('/account');
      expect(page.url()).toBe(`${origin}/login`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
