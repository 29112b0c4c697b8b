import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import { cookieHeader, pagePolicy } from '../../modules/web/mod.ts';
import type { Logger } from '../../src/log.ts';
import { createSystem, type System } from '../../src/system.ts';
import { createSoftAuthenticator, type CreationOptionsLike } from '../support/soft-authenticator.ts';
import { eventually } from './harness.ts';
import { createPageClient } from './web-client.ts';

const password = 'a sturdy passphrase 42';
const lines: string[] = [];
const write = (msg: string, fields: Record<string, unknown> = {}) => void lines.push(JSON.stringify({ msg, ...fields }));
const logger: Logger = { debug: write, info: write, warn: write, error: write };

/** A monolith (memory storage) whose access tokens live `accessTtl` seconds, logging into `lines`. */
async function monolith(env: Record<string, string> = {}) {
  return createSystem(loadConfig({ DATABASE_URL: 'memory', ...env }), { clientIp: () => '203.0.113.7', logger });
}

let system: System;
let shortLived: System;
beforeAll(async () => {
  [system, shortLived] = await Promise.all([
    monolith({ PUBLIC_URL: 'http://localhost', ADMIN_EMAILS: 'admin@example.com' }),
    // Below the 30 s refresh margin: every page load must refresh first.
    monolith({ ACCESS_TOKEN_TTL_SECONDS: '20' }),
  ]);
});
afterAll(async () => {
  await system?.close();
  await shortLived?.close();
});

async function signedIn(target: System, email: string) {
  const browser = createPageClient((path, init) => target.app.request(path, init));
  await browser.get('/register');
  expect((await browser.post('/register', { email, password })).headers.get('Location')).toBe('/login?done=registered');
  await browser.get('/login');
  const login = await browser.post('/login', { email, password });
  expect(login.headers.get('Location')).toBe('/account');
  return browser;
}

/** The public API called directly, as another client of the same account would: to check what a page did. */
async function api<Body = Record<string, unknown>>(
  target: System,
  method: string,
  path: string,
  { json, token }: { json?: unknown; token?: string } = {},
) {
  const headers = new Headers();
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const response = await target.app.request(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Body };
}

/** The account's own API session: the login answer (200), or the pending second factor (202). */
const apiLogin = (target: System, email: string, secret = password) =>
  api<{ accessToken: string; mfaToken: string }>(target, 'POST', '/api/auth/login', { json: { email, password: secret } });

/** The codes a recovery-codes page lists. */
const codesOf = (html: string) => [...html.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]!);

describe('the web app over HTTP (monolith, in-process)', () => {
  it('the session cookie is HttpOnly, SameSite=Lax, Path=/ and holds no token; signing out removes it', async () => {
    const browser = createPageClient((path, init) => system.app.request(path, init));
    await browser.get('/register');
    await browser.post('/register', { email: 'cookie@example.com', password });
    await browser.get('/login');
    const login = await browser.post('/login', { email: 'cookie@example.com', password });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(cookie).toMatch(/^session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const account = await browser.get('/account');
    expect(account.response.status).toBe(200);
    expect(account.html).not.toContain(browser.cookies.get('session'));
    const out = await browser.post('/logout', {});
    expect(out.headers.get('Location')).toBe('/login?done=signed-out');
    expect(out.headers.getSetCookie()).toContain('session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect((await browser.get('/account')).response.headers.get('Location')).toBe('/login');
  });

  it('over https the cookies are __Host- prefixed and Secure', () => {
    expect(cookieHeader({ name: 'session', value: 'v', secure: true })).toBe('__Host-session=v; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(cookieHeader({ name: 'session', value: '', secure: true, maxAgeSeconds: 0 })).toBe(
      '__Host-session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0',
    );
  });

  it('a deployment on https sets __Host-session, Secure, and reads it back', async () => {
    const https = await monolith({ PUBLIC_URL: 'https://auth.example.com' });
    try {
      const browser = createPageClient(
        (path, init) => https.app.request(`https://auth.example.com${path}`, init),
        'https://auth.example.com',
      );
      const first = await browser.get('/login');
      expect(first.response.headers.getSetCookie()[0]).toMatch(/^__Host-csrf=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
      await browser.post('/register', { email: 'tls@example.com', password });
      const login = await browser.post('/login', { email: 'tls@example.com', password });
      expect(login.headers.getSetCookie().find((c) => c.startsWith('__Host-session='))).toMatch(/; Secure$/);
      expect((await browser.get('/account')).response.status).toBe(200);
    } finally {
      await https.close();
    }
  });

  it('refuses a form from another origin, one with no Origin or Referer, and one without the right token (403 page)', async () => {
    const browser = await signedIn(system, 'csrf@example.com');
    await browser.get('/account');
    const change = { displayName: 'Mallory' };
    const refused = [
      await browser.post('/account/profile', change, { Origin: 'https://evil.example' }),
      await browser.post('/account/profile', change, { Referer: 'https://evil.example/page' }),
      await browser.post('/account/profile', change, {}),
      await browser.post('/account/profile', { ...change, csrf: '' }),
      await browser.post('/account/profile', { ...change, csrf: 'x'.repeat(43) }),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('This form came from another site, or it has expired.');
    }
    // The same form, from this origin (by Origin, or Referer alone) with the token, goes through.
    expect((await browser.post('/account/profile', change, { Referer: 'http://localhost/account' })).status).toBe(303);
  });

  it('a mailed link’s token leaves the URL at once, by a no-referrer redirect, for an HttpOnly cookie', async () => {
    const link = await system.app.request('/reset-password?token=abc');
    expect(link.status).toBe(303);
    expect(link.headers.get('Location')).toBe('/reset-password');
    expect(link.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(link.headers.getSetCookie()).toContain('reset-password-token=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400');
  });

  it('pages carry a strict policy, no-store and a same-origin referrer; the API keeps its own stricter policy', async () => {
    const page = await system.app.request('/reset-password');
    expect(page.headers.get('Content-Security-Policy')).toBe(pagePolicy);
    expect(pagePolicy).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    expect(page.headers.get('Cache-Control')).toBe('no-store');
    expect(page.headers.get('Referrer-Policy')).toBe('same-origin');
    const api = await system.app.request('/api/users/me');
    expect(api.headers.get('Content-Security-Policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('no log line carries the token of a link page, nor what its form posts', async () => {
    const token = 'T0k3n-that-must-not-be-logged-0123456789abcdef';
    const browser = createPageClient((path, init) => system.app.request(path, init));
    for (const path of ['/reset-password', '/verify-email']) {
      await browser.get(`${path}?token=${token}`);
      const { html } = await browser.get(path);
      expect(html).not.toContain(token);
      const answer = await browser.post(path, { newPassword: 'another sturdy passphrase' });
      // The API had the token (from the cookie), and refused it: the whole way ran.
      expect(await answer.text()).toMatch(/This link is invalid/);
    }
    expect(lines.some((line) => line.includes('"route":"/reset-password"'))).toBe(true);
    expect(lines.filter((line) => line.includes(token))).toEqual([]);
  });

  it('parallel page loads that all need a refresh share one: the session survives (refresh tokens are single use)', async () => {
    const browser = await signedIn(shortLived, 'parallel@example.com');
    const loads = await Promise.all(Array.from({ length: 6 }, () => browser.get('/account')));
    expect(loads.map(({ response }) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await browser.get('/account')).response.status).toBe(200);
  });

  it('a session signed out from another device sends the browser to sign in again', async () => {
    const first = await signedIn(system, 'two-devices@example.com');
    const second = createPageClient((path, init) => system.app.request(path, init));
    await second.get('/login');
    await second.post('/login', { email: 'two-devices@example.com', password });
    const { html } = await first.get('/account');
    const other = /action="\/account\/sessions\/([^/"]+)\/sign-out"/.exec(html)![1]!;
    expect((await first.post(`/account/sessions/${other}/sign-out`, {})).headers.get('Location')).toBe('/account?done=session-revoked');
    await eventually(async () => expect((await second.get('/account')).response.headers.get('Location')).toBe('/login?done=session-ended'));
    expect(second.cookies.has('session')).toBe(false);

    // Two more devices, then "Sign out all other sessions": only this one is left.
    for (const device of [second, createPageClient((path, init) => system.app.request(path, init))]) {
      await device.get('/login');
      await device.post('/login', { email: 'two-devices@example.com', password });
    }
    expect((await first.get('/account')).html.match(/data-session=/g)).toHaveLength(3);
    expect((await first.post('/account/sessions/sign-out-others', {})).headers.get('Location')).toBe('/account?done=others-revoked');
    expect((await first.get('/account')).html.match(/data-session=/g)).toHaveLength(1);
    await eventually(async () => expect((await second.get('/account')).response.headers.get('Location')).toBe('/login?done=session-ended'));
  });

  it('on the embedded database a sign-in survives a restart (the browser session is stored there, its tokens sealed)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'web-restart-'));
    const env = { DATABASE_URL: `pglite://${dir}/db`, SIGNING_KEY_ENCRYPTION_KEY: btoa('k'.repeat(32)) };
    try {
      const first = await monolith(env);
      let browser: Awaited<ReturnType<typeof signedIn>>;
      try {
        browser = await signedIn(first, 'restart@example.com');
      } finally {
        await first.close();
      }
      const second = await monolith(env);
      try {
        const again = createPageClient((path, init) => second.app.request(path, init));
        for (const [name, value] of browser.cookies) again.cookies.set(name, value);
        const { response, html } = await again.get('/account');
        expect(response.status).toBe(200);
        expect(html).toContain('restart@example.com');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the account page changes the display name and the password, and the email through the mailed link', async () => {
    const browser = await signedIn(system, 'changes@example.com');
    await browser.get('/account');
    expect((await browser.post('/account/profile', { displayName: 'Grace' })).headers.get('Location')).toBe('/account?done=profile');
    expect((await browser.get('/account?done=profile')).html).toMatch(/role="status"[^>]*>Your profile is saved\.<.*value="Grace"/s);

    const wrong = await browser.post('/account/password', { currentPassword: 'not the password', newPassword: 'a new sturdy passphrase' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/aria-describedby="currentPassword-error".*That password is not right\./s);
    const changed = await browser.post('/account/password', { currentPassword: password, newPassword: 'a new sturdy passphrase' });
    expect(changed.headers.get('Location')).toBe('/account?done=password');

    const requested = await browser.post('/account/email', { newEmail: 'changed@example.com', password: 'a new sturdy passphrase' });
    expect(requested.headers.get('Location')).toBe('/account?done=email-change');
    // Without MAIL_URL the mail's links are logged (the development mailer).
    const link = await eventually(async () => {
      const line = lines.find((l) => l.includes('changed@example.com') && l.includes('/confirm-email?token='));
      expect(line).toBeDefined();
      return new URL((JSON.parse(line!) as { links: string[] }).links.find((l) => l.includes('/confirm-email'))!);
    });
    expect((await browser.get(`${link.pathname}${link.search}`)).response.headers.get('Location')).toBe('/confirm-email');
    await browser.get('/confirm-email');
    const confirmed = await browser.post('/confirm-email', {});
    expect(await confirmed.text()).toContain('Your account now uses the new email address.');
    expect((await browser.get('/account')).html).toContain('changed@example.com');
  });

  it('a form with errors comes back with each error next to its field, announced', async () => {
    const browser = createPageClient((path, init) => system.app.request(path, init));
    await browser.get('/register');
    const response = await browser.post('/register', { email: 'not-an-email', password: 'short' });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toMatch(/<input id="email"[^>]*aria-invalid="true" aria-describedby="email-error"/);
    expect(html).toMatch(/<span id="email-error" class="error">/);
    expect(html).toMatch(/value="not-an-email"/);
  });

  it('an admin unlocks a throttled account and signs it out everywhere from /admin', async () => {
    const admin = await signedIn(system, 'admin@example.com');
    const victim = await signedIn(system, 'locked-out@example.com');
    const token = (await apiLogin(system, 'locked-out@example.com')).body.accessToken;
    for (let i = 0; i < 11; i++) expect((await apiLogin(system, 'locked-out@example.com', `wrong guess ${i}`)).status).toBe(401);
    expect((await apiLogin(system, 'locked-out@example.com')).status).toBe(429);

    const { html } = await admin.get('/admin?query=locked-out');
    const id = /action="\/admin\/users\/([^/"]+)\/unlock"/.exec(html)![1]!;
    const unlocked = await admin.post(`/admin/users/${id}/unlock`, { query: 'locked-out' });
    expect(unlocked.headers.get('Location')).toBe('/admin?query=locked-out&done=unlocked');
    expect((await admin.get('/admin?query=locked-out&done=unlocked')).html).toMatch(/role="status"[^>]*>The account is unlocked\.</);
    expect((await apiLogin(system, 'locked-out@example.com')).status).toBe(200);

    const signedOut = await admin.post(`/admin/users/${id}/sign-out`, { query: 'locked-out' });
    expect(signedOut.headers.get('Location')).toBe('/admin?query=locked-out&done=admin-signed-out');
    expect((await admin.get('/admin?query=locked-out&done=admin-signed-out')).html).toMatch(
      /role="status"[^>]*>The account is signed out everywhere\.</,
    );
    await eventually(async () => expect((await api(system, 'GET', '/api/users/me', { token })).status).toBe(401));
    await eventually(async () => expect((await victim.get('/account')).response.headers.get('Location')).toBe('/login?done=session-ended'));
    // The admin's own session is untouched.
    expect((await admin.get('/admin')).response.status).toBe(200);
  });

  it('the authenticator app: set up, new recovery codes, a sign-in with one, "Start over" of the second step, turned off with the password', async () => {
    const email = 'recovery@example.com';
    const browser = await signedIn(system, email);
    await browser.get('/account');
    expect((await browser.post('/account/totp', { password })).headers.get('Location')).toBe('/account/two-factor');
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec((await browser.get('/account/two-factor')).html)![1]!;
    const enrolled = await browser.post('/account/two-factor', { code: new TOTP({ secret: Secret.fromBase32(secret) }).generate() });
    const first = codesOf(await enrolled.text());
    expect(first).toHaveLength(10);

    await browser.get('/account');
    const wrong = await browser.post('/account/recovery-codes', { password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/aria-describedby="codes-password-error".*That password is not right\./s);
    const renewed = await browser.post('/account/recovery-codes', { password });
    expect(renewed.status).toBe(200);
    const codes = codesOf(await renewed.text());
    expect(codes).toHaveLength(10);
    expect(codes.filter((code) => first.includes(code))).toEqual([]);

    // Signed out, then in with the password: the second step; "Start over" leaves it for the first.
    expect((await browser.post('/logout', {})).headers.get('Location')).toBe('/login?done=signed-out');
    await browser.get('/login');
    expect((await browser.post('/login', { email, password })).headers.get('Location')).toBe('/login');
    expect((await browser.get('/login')).html).toContain('<h1>Second factor</h1>');
    expect((await browser.post('/logout', {})).headers.get('Location')).toBe('/login?done=signed-out');
    expect(browser.cookies.has('session')).toBe(false);
    const again = (await browser.get('/login?done=signed-out')).html;
    expect(again).toContain('<h1>Sign in</h1>');
    expect(again).toMatch(/role="status"[^>]*>You are signed out\.</);

    // A recovery code of the old set is refused, one of the new set signs in once.
    await browser.post('/login', { email, password });
    await browser.get('/login');
    const old = await browser.post('/login/verify', { code: first[0]! });
    expect(old.status).toBe(401);
    expect(await old.text()).toMatch(/aria-describedby="code-error".*That code is not right\./s);
    expect((await browser.post('/login/verify', { code: codes[0]! })).headers.get('Location')).toBe('/account');
    expect((await browser.get('/account')).html).toContain('Recovery codes left: 9.');

    const pending = await apiLogin(system, email);
    expect(pending.status).toBe(202);
    const reused = await api(system, 'POST', '/api/auth/mfa/verify', {
      json: { mfaToken: pending.body.mfaToken, method: 'recovery_code', code: codes[0] },
    });
    expect(reused.status).toBe(401);
    const viaApi = await api<{ accessToken: string }>(system, 'POST', '/api/auth/mfa/verify', {
      json: { mfaToken: pending.body.mfaToken, method: 'recovery_code', code: codes[1] },
    });
    expect(viaApi.status).toBe(200);
    const token = viaApi.body.accessToken;
    expect((await api(system, 'GET', '/api/users/me/mfa', { token })).body).toMatchObject({ totp: true, recoveryCodesLeft: 8 });

    await browser.get('/account');
    const refused = await browser.post('/account/totp/disable', { password: 'not the password' });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/aria-describedby="totp-off-password-error".*That password is not right\./s);
    expect((await api(system, 'GET', '/api/users/me/mfa', { token })).body).toMatchObject({ totp: true });
    const off = await browser.post('/account/totp/disable', { password });
    expect(off.headers.get('Location')).toBe('/account?done=totp-disabled');
    const after = (await browser.get('/account?done=totp-disabled')).html;
    expect(after).toMatch(/role="status"[^>]*>The authenticator app is turned off\.</);
    expect(after).toContain('Authenticator app: off.');
    expect((await api(system, 'GET', '/api/users/me/mfa', { token })).body).toMatchObject({ totp: false });
    expect((await apiLogin(system, email)).status).toBe(200);
  });

  it('removes a passkey from /account: the list, and the API, no longer have it', async () => {
    const email = 'passkey-removal@example.com';
    const browser = await signedIn(system, email);
    await browser.get('/account');
    const options = await browser.postJson('/account/passkeys/options', {});
    expect(options.status).toBe(200);
    const key = createSoftAuthenticator({ origin: 'http://localhost' });
    const added = await browser.postJson('/account/passkeys', {
      credential: key.register(options.body as unknown as CreationOptionsLike),
      name: 'Laptop',
    });
    expect(added).toEqual({ status: 200, body: { location: '/account?done=passkey-added' } });
    const listed = (await browser.get('/account')).html;
    const id = /<li data-passkey-id="([^"]+)">Laptop/.exec(listed)![1]!;

    const removed = await browser.post(`/account/passkeys/${id}/remove`, {});
    expect(removed.headers.get('Location')).toBe('/account?done=passkey-removed');
    const after = (await browser.get('/account?done=passkey-removed')).html;
    expect(after).toMatch(/role="status"[^>]*>The passkey is removed\.</);
    expect(after).toContain('No passkeys yet.');
    const login = await apiLogin(system, email);
    expect(login.status).toBe(200);
    expect((await api(system, 'GET', '/api/users/me/mfa', { token: login.body.accessToken })).body).toMatchObject({ passkeys: [] });
    // Removing it again: the page says the API's 404, in the passkeys section.
    const again = await browser.post(`/account/passkeys/${id}/remove`, {});
    expect(again.status).toBe(404);
  });

  it('deletes the account from /account with the password: the browser is signed out with a confirmation, and the account is gone', async () => {
    const email = 'leaving@example.com';
    const browser = await signedIn(system, email);
    const token = (await apiLogin(system, email)).body.accessToken;
    expect((await browser.get('/account')).html).toMatch(/<h2 id="delete-heading">Delete account<\/h2>/);
    const wrong = await browser.post('/account/delete', { password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/aria-describedby="delete-password-error".*That password is not right\./s);
    expect((await api(system, 'GET', '/api/users/me', { token })).status).toBe(200);

    const deleted = await browser.post('/account/delete', { password });
    expect(deleted.headers.get('Location')).toBe('/login?done=account-deleted');
    expect(deleted.headers.getSetCookie()).toContain('session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect((await browser.get('/login?done=account-deleted')).html).toMatch(/role="status"[^>]*>Your account is deleted\.</);
    expect((await browser.get('/account')).response.headers.get('Location')).toBe('/login');
    await eventually(async () => expect((await api(system, 'GET', '/api/users/me', { token })).status).toBe(401));
    expect((await apiLogin(system, email)).status).toBe(401);
  });
});
