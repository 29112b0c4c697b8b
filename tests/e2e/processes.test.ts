import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { startProcess, type RuntimeName } from './process.ts';
import { createPageClient } from './web-client.ts';

/** The JWKS as these tests read it: the ids of the published keys. */
type Jwks = { keys: Array<{ kid: string }> };

// The real entry point on its sources, as `npm run dev` and `npm run start:deno` run it, on embedded storage
// (tests/e2e/build.test.ts runs the compiled one).
describe.each<RuntimeName>(['node', 'deno'])('the %s entry point', (runtime) => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('serves register, login and /api/users/me, and keeps users and refresh tokens across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), `auth-${runtime}-`));
    dirs.push(dir);
    const env = { DATABASE_URL: `pglite://${dir}` };

    const first = await startProcess(runtime, env);
    const api = createClient(first);
    const session = await api.signedUp();
    const me = await api.call<{ email: string }>('GET', '/api/users/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(session.email);
    const kids = (await api.call<Jwks>('GET', '/.well-known/jwks.json')).body.keys.map((k) => k.kid);
    await first.stop();

    const second = await startProcess(runtime, env);
    try {
      const again = createClient(second);
      expect((await again.call('GET', '/api/users/me', { token: session.accessToken })).status).toBe(200);
      const refreshed = await again.call('POST', '/api/auth/refresh', { json: { refreshToken: session.refreshToken } });
      expect(refreshed.status).toBe(200);
      expect((await again.call<Jwks>('GET', '/.well-known/jwks.json')).body.keys.map((k) => k.kid)).toEqual(kids);
      await again.login(session.email);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('serves the web app: pages (hono/jsx), the passkey scripts, an authenticator app’s QR code, and passkey ceremonies', async () => {
    const server = await startProcess(runtime, { DATABASE_URL: 'memory' });
    try {
      const browser = createPageClient((path, init) => fetch(server.url + path, init), server.url);
      const account = { email: 'web@example.com', password: 'a sturdy passphrase 42' };
      expect((await browser.get('/register')).response.status).toBe(200);
      expect((await browser.post('/register', account)).headers.get('Location')).toBe('/login?done=registered');
      expect((await browser.post('/login', account)).headers.get('Location')).toBe('/account');
      await browser.get('/account');
      expect((await browser.post('/account/totp', { password: account.password })).headers.get('Location')).toBe('/account/two-factor');
      expect((await browser.get('/account/two-factor')).html).toContain('src="data:image/svg+xml;base64,');
      for (const script of ['/web/webauthn.js', '/web/passkeys.js']) expect((await fetch(server.url + script)).status).toBe(200);
      // The WebAuthn library loads at the first ceremony, not at start: the first credential, and options, get their answers.
      const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'A'.repeat(43) })).toString('base64url');
      const credential = {
        id: 'AA',
        rawId: 'AA',
        type: 'public-key',
        response: { clientDataJSON: clientData, authenticatorData: 'AA', signature: 'AA' },
      };
      const login = await fetch(`${server.url}/api/auth/passkey`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ credential }),
      });
      expect(login.status).toBe(401);
      expect(((await login.json()) as { code: string }).code).toBe('invalid_credential');
      const options = await fetch(`${server.url}/api/auth/passkey/options`, { method: 'POST' });
      expect(options.status).toBe(200);
      expect(((await options.json()) as { challenge: string }).challenge).toMatch(/^[\w-]{16,}$/);
    } finally {
      await server.stop();
    }
  }, 60_000);

  // A supervisor (docker stop, Kubernetes) sends SIGTERM to the process it started, whatever that
  // process is doing: the signal must reach the server and let it close its data, never turn into a kill.
  it('a SIGTERM that finds it busy still stops it cleanly: it exits 0 having closed its data', async () => {
    const dir = await mkdtemp(join(tmpdir(), `auth-${runtime}-term-`));
    dirs.push(dir);
    const server = await startProcess(runtime, { DATABASE_URL: `pglite://${dir}/db` });
    const lockFile = join(dir, 'db.lock');
    try {
      const { pid } = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number }; // the process that serves
      // Busy: its event loop does not run when the signal comes (SIGSTOP stands in for a long task).
      process.kill(pid, 'SIGSTOP');
      process.kill(server.pid, 'SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone: killed while it could not run (the exit code below says so).
      }
      expect(await server.exited).toBe(0);
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      await server.stop();
    }
  }, 120_000);

  // A rolling deploy stops a process while clients keep their connections open and busy: the
  // process must answer what it is working on, tell them to reconnect (elsewhere) and be gone in
  // seconds, rather than serve them until its drain deadline and then close its data under them.
  it('a SIGTERM under steady traffic on kept-alive connections: it answers no 5xx and exits within seconds', async () => {
    const dir = await mkdtemp(join(tmpdir(), `auth-${runtime}-drain-`));
    dirs.push(dir);
    const server = await startProcess(runtime, {
      DATABASE_URL: `pglite://${dir}/db`,
      RATE_LIMIT_API_PER_MINUTE: '1000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    });
    try {
      const statuses: Array<number | 'error'> = [];
      let running = true;
      // Logins hash a password for tens of milliseconds, so each connection is busy most of the
      // time; one account per client, since an account's password is checked once at a time.
      const client = async ({ email, password }: { email: string; password: string }) => {
        const login = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) };
        while (running) {
          try {
            const res = await server.request('/api/auth/login', login);
            statuses.push(res.status);
            await res.body?.cancel();
          } catch {
            statuses.push('error'); // refused once it stopped listening
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      const api = createClient(server);
      const accounts = await Promise.all([1, 2, 3, 4].map(() => api.register()));
      const clients = accounts.map(client);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stopping = performance.now();
      process.kill(server.pid, 'SIGTERM');
      const code = await server.exited;
      const ms = performance.now() - stopping;
      running = false;
      await Promise.all(clients);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5000);
      expect(statuses.filter((status) => status !== 'error' && status >= 500)).toEqual([]);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
