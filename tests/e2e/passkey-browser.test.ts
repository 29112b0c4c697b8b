import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { startProcess, type ServerProcess } from './process.ts';
import { addVirtualAuthenticator, browserMissing, executablePath } from './web-browser.ts';

/**
 * A real browser registers a passkey with the running server and signs in with it: alone
 * (passwordless, a discoverable credential with user verification) and as the second step after
 * the password. Headless Chromium with the DevTools virtual authenticator (CTAP2, resident keys,
 * user verification), on a page served by this test from its own origin, which is the
 * deployment's PUBLIC_URL and an allowed CORS origin; the page calls the public API only.
 */
const page = (serverUrl: string) => `<!doctype html>
<meta charset="utf-8"><title>passkey test</title>
<script>
  const server = ${JSON.stringify(serverUrl)};
  const post = (path, body, headers = {}) => fetch(server + path, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  }).then((res) => res.json().then((body) => ({ status: res.status, body })));
  const assertion = async (options) =>
    (await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) })).toJSON();
  window.registerPasskey = async (token) => {
    const auth = { Authorization: 'Bearer ' + token };
    const options = (await post('/api/users/me/passkeys/options', {}, auth)).body;
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    return post('/api/users/me/passkeys', { credential: credential.toJSON(), name: 'Chromium' }, auth);
  };
  window.signInWithPasskey = async () => {
    const options = (await post('/api/auth/passkey/options')).body;
    return post('/api/auth/passkey', { credential: await assertion(options) });
  };
  window.passwordThenPasskey = async (account) => {
    const first = await post('/api/auth/login', JSON.parse(account));
    if (first.status !== 202) return first;
    const { mfaToken } = first.body;
    const options = (await post('/api/auth/mfa/webauthn/options', { mfaToken })).body;
    return post('/api/auth/mfa/verify', { mfaToken, method: 'webauthn', credential: await assertion(options) });
  };
</script>`;

const name = uniqueName('passkey_browser');
let pageServer: Server;
let pageOrigin: string;
let server: ServerProcess;
let browser: Browser | undefined;

beforeAll(async () => {
  if (browserMissing) return;
  // The page's origin first: the server is started with it as PUBLIC_URL (so the passkeys' RP id
  // is `localhost`) and as an allowed CORS origin.
  let serverUrl = '';
  pageServer = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(page(serverUrl));
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;

  const stores = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: name, REDIS_URL: testRedisUrl, REDIS_PREFIX: `${name}:` };
  server = await startProcess('node', { ...stores, PUBLIC_URL: pageOrigin, CORS_ORIGINS: pageOrigin });
  serverUrl = server.url;
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] }); // CI runs as root
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve(undefined)));
  await dropTestStores([name]);
});

type Answer = { status: number; body: Record<string, unknown> };
/** Runs one of the page's functions in the browser (serialised by playwright: it must stand alone). */
const call = ([fn, arg]: string[]) => (window as never as Record<string, (a?: string) => Promise<Answer>>)[fn!]!(arg);

describe('passkeys in a real browser', () => {
  it.skipIf(browserMissing)(
    'Chromium’s virtual authenticator registers a passkey, signs in with it alone and as the second step after the password',
    async () => {
      const api = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const account = { email: `${name}@example.com`, password: 'a sturdy passphrase 42' };
      expect((await api('/api/auth/register', account)).status).toBe(201);
      const { accessToken, user } = (await (await api('/api/auth/login', account)).json()) as { accessToken: string; user: { id: string } };

      const context = await browser!.newContext();
      try {
        const tab = await context.newPage();
        await addVirtualAuthenticator(context, tab);
        await tab.goto(`${pageOrigin}/`);

        // Only the first line of a page's error: the rest is its stack, whose page URL vitest would read as a source file.
        const inPage = (args: string[]) =>
          tab.evaluate(call, args).catch((error: Error) => {
            throw new Error(`in the page: ${error.message.split('\n')[0]}`);
          });
        const registered = await inPage(['registerPasskey', accessToken]);
        expect(registered).toEqual({
          status: 201,
          body: { passkey: { id: expect.any(String), name: 'Chromium', createdAt: expect.any(String) } },
        });
        const { passkey } = registered.body as { passkey: { id: string } };

        const summary = await fetch(`${server.url}/api/users/me/mfa`, { headers: { Authorization: `Bearer ${accessToken}` } });
        expect(((await summary.json()) as { passkeys: Array<{ id: string }> }).passkeys.map((p) => p.id)).toEqual([passkey.id]);

        const signedIn = await inPage(['signInWithPasskey']);
        expect(signedIn.status).toBe(200);
        expect(signedIn.body.user).toMatchObject({ id: user.id });
        expect(decodeJwt(signedIn.body.accessToken as string)).toMatchObject({ sub: user.id, amr: ['hwk', 'user'] });

        // With a second factor enabled, the password alone gets a step (202, an mfaToken bound to this
        // browser), which the passkey finishes, with a new challenge and the counter the authenticator moved on.
        const finished = await inPage(['passwordThenPasskey', JSON.stringify(account)]);
        expect(finished.status).toBe(200);
        expect(decodeJwt(finished.body.accessToken as string)).toMatchObject({ sub: user.id, amr: ['pwd', 'hwk'] });
      } finally {
        await context.close();
      }
    },
    60_000,
  );
});
