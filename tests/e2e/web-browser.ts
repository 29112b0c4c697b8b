import { mkdir, readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';

// Debian's chromium; .ci/run installs it, so CI never skips the browser tests.
export const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const browserMissing = spawnSync(executablePath, ['--version']).status !== 0 && !process.env.CI;

/** Where the pages' screenshots go (a test artifact, not in git). */
export const screenshotDir = 'test-results/web';

export async function screenshot(page: Page, name: string) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}/${name}.png`, fullPage: true });
}

let axeSource: Promise<string> | undefined;

/**
 * axe-core's check of the page as it is: no serious or critical violation. Its source is run
 * through DevTools (as an extension would), not added as a script: the page's policy allows none.
 */
export async function expectAccessible(page: Page) {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ html: string }> }> }> };
      }
    ).axe;
    const { violations } = await axe.run();
    return violations.map(({ id, impact, nodes }) => ({ id, impact, nodes: nodes.map((n) => n.html) }));
  });
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    page.url(),
  ).toEqual([]);
}

/**
 * What the pages wrote to the console as errors (a policy violation lands there), but for a page
 * itself answering 4xx (a form shown again with its errors, a refusal): the test checks those.
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    const documentStatus = message.text().startsWith('Failed to load resource') && message.location().url === page.url();
    if (message.type() === 'error' && !documentStatus) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

/**
 * A DevTools virtual authenticator on the tab, as a platform authenticator with resident keys and
 * user verification that answers at once (CTAP2): what a passkey needs.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page) {
  const devtools = await context.newCDPSession(page);
  await devtools.send('WebAuthn.enable');
  await devtools.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}
