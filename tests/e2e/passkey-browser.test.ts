import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createPostgresDatabase } from '../../adapters/postgres/database.ts';
import { callRedis, createRedisClient } from '../../adapters/redis/client.ts';
import { createRedisTotpReplayGuard } from '../../adapters/redis/totp-replay-guard.ts';
import { createRedisWebAuthnChallengeStore } from '../../adapters/redis/webauthn-challenge-store.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { createSqlMfaRepository } from '../../adapters/sql/mfa-repository.ts';
import { createSqlUserRepository } from '../../adapters/sql/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { createMfaService, relyingPartyOf, type MfaApi } from '../../modules/mfa/mod.ts';
import { createUserService } from '../../modules/user/mod.ts';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { lifecycleDeps } from '../modules/fixtures.ts';
import { startProcess, type ServerProcess } from './process.ts';

// Debian's chromium; .ci/run installs it, so CI never skips this.
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const installed = spawnSync(executablePath, ['--version']).status === 0;

/**
 * A real browser registers a passkey with the running server, and signs in with it alone: headless
 * Chromium with the DevTools virtual authenticator (CTAP2, resident keys, user verification), on
 * a page served by this test from its own origin, which is the deployment's PUBLIC_URL.
 *
 * The server runs as a process of its own, on Postgres and Redis. The passwordless sign-in ends at
 * the mfa port's verifyAssertion, which this test reaches through an mfa service of its own over
 * the same stores (the login answer itself is the auth module's, not wired yet): the challenge the
 * page signs is issued here, and the passkey it checks is the one the server stored.
 */
const page = (serverUrl: string) => `<!doctype html>
<meta charset="utf-8"><title>passkey test</title>
<script>
  const server = ${JSON.stringify(serverUrl)};
  const json = (res) => res.json().then((body) => ({ status: res.status, body }));
  window.registerPasskey = async (token) => {
    const auth = { Authorization: 'Bearer ' + token };
    const options = await (await fetch(server + '/api/users/me/passkeys/options', { method: 'POST', headers: auth })).json();
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    return json(await fetch(server + '/api/users/me/passkeys', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ credential: credential.toJSON(), name: 'Chromium' }),
    }));
  };
  window.signInWithPasskey = async () => {
    const options = await (await fetch('/login/options', { method: 'POST' })).json();
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    return json(await fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ credential: credential.toJSON() }) }));
  };
</script>`;

const name = uniqueName('passkey_browser');
let pageServer: Server;
let pageOrigin: string;
let server: ServerProcess;
let browser: Browser | undefined;
let db: SqlDatabase;
let redis: Redis;
let mfa: MfaApi;

async function readBody(req: import('node:http').IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

beforeAll(async () => {
  if (!installed && !process.env.CI) return;
  // The page's origin first: the server is started with it as PUBLIC_URL (so the passkeys' RP id
  // is `localhost`) and as an allowed CORS origin.
  let serverUrl = '';
  pageServer = createServer(async (req, res) => {
    const answer = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    try {
      if (req.url === '/') return answer(200, page(serverUrl), 'text/html');
      if (req.url === '/login/options') return answer(200, await mfa.authenticationOptions({}));
      if (req.url === '/login')
        return answer(200, await mfa.verifyAssertion((await readBody(req)) as Parameters<MfaApi['verifyAssertion']>[0]));
      answer(404, { error: 'not found' });
    } catch (error) {
      answer(401, { error: (error as { code?: string }).code ?? String(error) });
    }
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;

  const stores = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: name, REDIS_URL: testRedisUrl, REDIS_PREFIX: `${name}:` };
  server = await startProcess('node', { ...stores, PUBLIC_URL: pageOrigin, CORS_ORIGINS: pageOrigin });
  serverUrl = server.url;

  db = await createPostgresDatabase({ url: testDatabaseUrl, schema: name, poolSize: 2 });
  redis = createRedisClient({ url: testRedisUrl });
  await callRedis(redis, (r) => r.ping());
  const prefix = `${name}:`;
  mfa = createMfaService({
    userApi: createUserService({
      users: createSqlUserRepository({ db }),
      hasher: createMemoryPasswordHasher(),
      ...lifecycleDeps(),
      commonPasswords: createCommonPasswordList(),
    }),
    factors: createSqlMfaRepository({ db }),
    replayGuard: createRedisTotpReplayGuard({ redis, prefix }),
    challenges: createRedisWebAuthnChallengeStore({ redis, prefix }),
    relyingParty: relyingPartyOf({}, pageOrigin, 'modular-auth'),
    issuer: 'modular-auth',
  });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] }); // CI runs as root
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await db?.close();
  redis?.disconnect();
  await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve(undefined)));
  await dropTestStores([name]);
});

describe('passkeys in a real browser', () => {
  it.skipIf(!installed && !process.env.CI)(
    'Chromium’s virtual authenticator registers a passkey with the server and signs in with it alone',
    async () => {
      const api = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const account = { email: `${name}@example.com`, password: 'a sturdy passphrase 42' };
      expect((await api('/api/auth/register', account)).status).toBe(201);
      const { accessToken, user } = (await (await api('/api/auth/login', account)).json()) as { accessToken: string; user: { id: string } };

      const context = await browser!.newContext();
      try {
        const tab = await context.newPage();
        const devtools = await context.newCDPSession(tab);
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
        await tab.goto(`${pageOrigin}/`);

        const registered = await tab.evaluate(
          (token) => (window as never as { registerPasskey(t: string): Promise<unknown> }).registerPasskey(token),
          accessToken,
        );
        expect(registered).toEqual({
          status: 201,
          body: { passkey: { id: expect.any(String), name: 'Chromium', createdAt: expect.any(String) } },
        });
        const { passkey } = (registered as { body: { passkey: { id: string } } }).body;

        const summary = await fetch(`${server.url}/api/users/me/mfa`, { headers: { Authorization: `Bearer ${accessToken}` } });
        expect(((await summary.json()) as { passkeys: Array<{ id: string }> }).passkeys.map((p) => p.id)).toEqual([passkey.id]);

        const signedIn = await tab.evaluate(() => (window as never as { signInWithPasskey(): Promise<unknown> }).signInWithPasskey());
        expect(signedIn).toEqual({ status: 200, body: { userId: user.id, passkeyId: passkey.id, userVerified: true } });
        // Again, with a new challenge and the counter the authenticator moved on.
        expect(await tab.evaluate(() => (window as never as { signInWithPasskey(): Promise<unknown> }).signInWithPasskey())).toMatchObject({
          status: 200,
        });
      } finally {
        await context.close();
      }
    },
    60_000,
  );
});
