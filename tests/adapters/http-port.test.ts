import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { budgetHeader, withBudget } from '../../adapters/http/deadline.ts';
import { createHttpPortClient } from '../../adapters/http/port-client.ts';
import { createServiceTokenIssuer } from '../../adapters/http/service-token.ts';
import type { AppEnv } from '../../modules/kernel/http.ts';
import { RemoteCallError, UnavailableError } from '../../modules/kernel/mod.ts';
import { sessionApiSpec, sessionErrors, type SessionApi } from '../../modules/session/mod.ts';
import { userApiSpec } from '../../modules/user/mod.ts';
import { errorStatusByCode } from '../../src/error-status.ts';
import { internalEndpoints } from '../../src/internal-endpoints.ts';
import { createProblemHandler } from '../../src/problem.ts';

const secret = 'a-test-secret-that-is-long-enough-1234';
const onError = createProblemHandler({ statusByCode: errorStatusByCode, logError: () => {}, exposeDetails: true });

function fakeSessions(overrides: Partial<SessionApi> = {}): SessionApi {
  const fail = async () => {
    throw new Error('not in this test');
  };
  return {
    create: fail,
    refresh: fail,
    ownerOf: async () => null,
    get: async () => null,
    listActive: async () => [],
    revoke: fail,
    revokeAll: fail,
    listRevokedSince: async () => ['s1'],
    ...overrides,
  };
}

function client(fetch: (url: string, init: RequestInit) => Response | Promise<Response>, policy = {}) {
  return createHttpPortClient<SessionApi>({
    module: 'session',
    spec: sessionApiSpec,
    errors: sessionErrors,
    baseUrl: () => 'http://session.test',
    serviceToken: createServiceTokenIssuer({ secret, caller: 'gateway' }),
    fetch,
    policy: { halfOpenAfterMs: 60_000, ...policy },
  });
}

describe('internal routes', () => {
  const app = internalEndpoints({ ports: [{ module: 'session', spec: sessionApiSpec, impl: fakeSessions() }], secret, onError });
  const call = (token?: string) =>
    app.request('/internal/session/listRevokedSince', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ input: new Date().toISOString() }),
    });

  it('answer a call carrying a service token for their module', async () => {
    const token = await createServiceTokenIssuer({ secret, caller: 'gateway' })('session');
    const res = await call(token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ output: ['s1'] });
  });

  it('answer malformed JSON with 400 and an unknown method with 404, as problem+json', async () => {
    const token = await createServiceTokenIssuer({ secret, caller: 'gateway' })('session');
    const post = (path: string, body: string) =>
      app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body });
    const malformed = await post('/internal/session/listRevokedSince', '{bad');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('Content-Type')).toContain('application/problem+json');
    expect((await post('/internal/session/dropTables', '{}')).status).toBe(404);
  });

  it('answer a greeting (GET on the port) with 204 only to a caller whose token they accept', async () => {
    const greet = async (token?: string) =>
      (await app.request('/internal/session', { headers: token ? { Authorization: `Bearer ${token}` } : {} })).status;
    expect(await greet(await createServiceTokenIssuer({ secret, caller: 'gateway' })('session'))).toBe(204);
    expect(
      await greet(await createServiceTokenIssuer({ secret: 'another-secret-that-is-long-enough-99', caller: 'gateway' })('session')),
    ).toBe(401);
    expect(await greet()).toBe(401);
  });

  it.each([
    ['no token', async () => undefined],
    ['a token for another module', () => createServiceTokenIssuer({ secret, caller: 'gateway' })('user')],
    [
      'a token signed with another secret',
      () => createServiceTokenIssuer({ secret: 'another-secret-that-is-long-enough-99', caller: 'gateway' })('session'),
    ],
    ['a token from a service that does not call this module', () => createServiceTokenIssuer({ secret, caller: 'audit' })('session')],
    [
      'a token the gateway made for forwarded public routes',
      () => createServiceTokenIssuer({ secret, caller: 'gateway' })('session:edge', { userId: 'u', sessionId: 's' }),
    ],
  ])('refuse %s with 401', async (_, token) => {
    expect((await call(await token())).status).toBe(401);
  });
});

describe('HTTP port client', () => {
  it('treats a refused service token as a deployment fault (RemoteCallError), not as the user being logged out', async () => {
    const app = internalEndpoints({
      ports: [{ module: 'session', spec: sessionApiSpec, impl: fakeSessions() }],
      secret: 'the-server-has-another-secret-0123456789',
      onError,
    });
    const sessions = client((url, init) => app.request(url, init), { attempts: 1 });
    await expect(sessions.get('s1')).rejects.toMatchObject({ constructor: RemoteCallError, reason: 'bad_response' });
  });

  it('greets: accepted by a module with the same secret, refused by one with another, unreachable when nothing answers', async () => {
    const serving = (serverSecret: string) =>
      internalEndpoints({ ports: [{ module: 'session', spec: sessionApiSpec, impl: fakeSessions() }], secret: serverSecret, onError });
    const same = serving(secret);
    const other = serving('the-server-has-another-secret-0123456789');
    expect(await client((url, init) => same.request(url, init)).greet()).toBe('accepted');
    expect(await client((url, init) => other.request(url, init)).greet()).toBe('refused');
    expect(await client(() => new Response('', { status: 503 })).greet()).toBe('unreachable');
    // A process that does not serve the module (a wrong URL), or one from before greetings.
    const elsewhere = internalEndpoints({ ports: [{ module: 'user', spec: userApiSpec, impl: {} as never }], secret, onError });
    expect(await client((url, init) => elsewhere.request(url, init)).greet()).toBe('not-the-module');
    expect(
      await client(async () => {
        throw new TypeError('fetch failed');
      }).greet(),
    ).toBe('unreachable');
  });

  it('turns an unreachable module into RemoteCallError', async () => {
    const sessions = client(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(sessions.get('s1')).rejects.toBeInstanceOf(RemoteCallError);
  });

  it('retries an idempotent method, never a non-idempotent one', async () => {
    let calls = 0;
    const sessions = client(async () => {
      calls++;
      throw new TypeError('fetch failed');
    });
    await expect(sessions.get('s1')).rejects.toMatchObject({ reason: 'unreachable' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(sessions.revoke({ userId: 'u', sessionId: 's', reason: 'logout' })).rejects.toBeInstanceOf(RemoteCallError);
    expect(calls).toBe(1);
  });

  it('does not retry a module that answered 503 because a dependency of its own is down', async () => {
    let calls = 0;
    const impl = fakeSessions({
      get: async () => {
        calls++;
        throw new UnavailableError();
      },
    });
    const app = internalEndpoints({ ports: [{ module: 'session', spec: sessionApiSpec, impl }], secret, onError });
    const sessions = client((url, init) => app.request(url, init));
    // Passed on as the module's own answer, not a transport failure to retry.
    await expect(sessions.get('s1')).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(sessions.get('s1')).rejects.not.toBeInstanceOf(RemoteCallError);
    expect(calls).toBe(2);
  });

  it('gives up on a call after its timeout', async () => {
    const sessions = client(
      (_, init) => new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
      {
        timeoutMs: 50,
        attempts: 1,
      },
    );
    const started = performance.now();
    await expect(sessions.get('s1')).rejects.toMatchObject({ reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('waits no longer than the caller of the call being served, tells the module what it has left, and blames it for nothing', async () => {
    const budgets: number[] = [];
    const sessions = client(
      (_, init) => {
        budgets.push(Number(new Headers(init.headers).get(budgetHeader)));
        return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      { timeoutMs: 5000, breakerThreshold: 1 },
    );
    const started = performance.now();
    await expect(withBudget(200, () => sessions.get('s1'))).rejects.toMatchObject({ reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(budgets).toHaveLength(1); // no retry: there is no time left for one
    expect(budgets[0]).toBeGreaterThan(0);
    expect(budgets[0]).toBeLessThan(200);
    expect(sessions.breakerState()).toBe('closed');
    // Out of budget already: the module is not even called.
    await expect(withBudget(0, () => sessions.get('s1'))).rejects.toMatchObject({ reason: 'timeout' });
    expect(budgets).toHaveLength(1);
  });

  it('sends its own timeout as the budget of a call made outside any other', async () => {
    let budget = '';
    const sessions = client(
      async (_, init) => {
        budget = new Headers(init.headers).get(budgetHeader) ?? '';
        return Response.json({ output: null });
      },
      { timeoutMs: 700 },
    );
    await sessions.get('s1');
    expect(Number(budget)).toBeGreaterThan(0);
    expect(Number(budget)).toBeLessThan(700);
  });

  it('opens the breaker after consecutive failures and then fails fast without calling', async () => {
    let calls = 0;
    const sessions = client(
      async () => {
        calls++;
        return new Response('bad gateway', { status: 502 });
      },
      { attempts: 1, breakerThreshold: 3 },
    );
    for (let i = 0; i < 3; i++) await expect(sessions.get('s1')).rejects.toMatchObject({ reason: 'bad_response' });
    expect(sessions.breakerState()).toBe('open');
    await expect(sessions.get('s1')).rejects.toMatchObject({ reason: 'circuit_open' });
    expect(calls).toBe(3);
  });

  it('rebuilds typed domain errors, details included, and they do not trip the breaker', async () => {
    const { RefreshTokenReusedError } = await import('../../modules/session/mod.ts');
    const impl = fakeSessions({
      refresh: async () => {
        throw new RefreshTokenReusedError('s9', 'u9');
      },
    });
    const app = internalEndpoints({ ports: [{ module: 'session', spec: sessionApiSpec, impl }], secret, onError });
    const sessions = client((url, init) => app.request(url, init), { breakerThreshold: 1 });
    for (let i = 0; i < 2; i++) {
      await expect(sessions.refresh({ refreshToken: 'abc' })).rejects.toMatchObject({
        constructor: RefreshTokenReusedError,
        sessionId: 's9',
        userId: 'u9',
      });
    }
    expect(sessions.breakerState()).toBe('closed');
  });

  describe('a 503 problem the module chose to answer (its hashing is full)', () => {
    const detail = 'Too many password checks at once; try again shortly.';
    const overloaded = () =>
      new Response(
        JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'service_unavailable', detail }),
        {
          status: 503,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '7' },
        },
      );

    it('goes to the caller as it came, Retry-After included, without a retry and without tripping the breaker', async () => {
      let calls = 0;
      const sessions = client(
        () => {
          calls++;
          return overloaded();
        },
        { breakerThreshold: 2 },
      );
      for (let i = 0; i < 3; i++) {
        await expect(sessions.get('s1')).rejects.toMatchObject({ constructor: UnavailableError, message: detail, retryAfterSeconds: 7 });
      }
      expect(calls).toBe(3); // get is idempotent: a transport failure is tried 3 times
      expect(sessions.breakerState()).toBe('closed');

      const caller = new Hono<AppEnv>().get('/', async (c) => c.json(await sessions.get('s1'))).onError(onError);
      const answer = await caller.request('/');
      expect(answer.status).toBe(503);
      expect(answer.headers.get('Retry-After')).toBe('7');
      expect(await answer.json()).toMatchObject({ code: 'service_unavailable', detail });
    });

    it('is told apart from a 503 that is not the module’s problem+json (a proxy between us), which is retried and counted', async () => {
      let calls = 0;
      const sessions = client(
        () => {
          calls++;
          return new Response('no healthy upstream', { status: 503, headers: { 'Content-Type': 'text/plain' } });
        },
        { breakerThreshold: 3 },
      );
      await expect(sessions.get('s1')).rejects.toMatchObject({ constructor: RemoteCallError, reason: 'bad_response' });
      expect(calls).toBe(3);
      expect(sessions.breakerState()).toBe('open');
    });
  });
});
