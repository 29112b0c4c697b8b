import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { createClient, type Client, type ProblemBody } from './client.ts';
import { eventually, monolith, type Target } from './harness.ts';

// The monolith reaches Postgres and Redis through proxies that can drop every connection, so the
// tests see what a client sees when a store goes away mid-traffic and comes back.
const name = uniqueName('faults');
let pg: TcpProxy;
let redis: TcpProxy;
let target: Target;
let api: Client;

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
}

async function readiness() {
  const res = await target.request('/health/ready');
  const body = await res.json();
  const status = (check: string) => body.checks[`${check}:responseTime`][0].status;
  return { status: res.status, database: status('database'), redis: status('redis') };
}

beforeAll(async () => {
  const pgUrl = new URL(testDatabaseUrl);
  const redisUrl = new URL(testRedisUrl);
  pg = await startTcpProxy({ targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || 5432) });
  redis = await startTcpProxy({ targetHost: redisUrl.hostname, targetPort: Number(redisUrl.port || 6379) });
  pgUrl.host = `127.0.0.1:${pg.port}`;
  redisUrl.host = `127.0.0.1:${redis.port}`;
  target = await monolith({
    DATABASE_URL: pgUrl.toString(),
    DATABASE_SCHEMA: name,
    REDIS_URL: redisUrl.toString(),
    REDIS_PREFIX: `${name}:`,
  })();
  api = createClient(target);
});

afterAll(async () => {
  await target?.close();
  await Promise.all([pg?.close(), redis?.close()]);
  await dropTestStores([name]);
});

describe('when a store goes away', () => {
  it('Postgres down: requests that need it answer 503 problem+json within 1.5 s, readiness says which, and it recovers', async () => {
    const s = await api.signedUp();
    pg.pause();
    try {
      const { result: me, ms } = await timed(() => api.call<ProblemBody>('GET', '/api/users/me', { token: s.accessToken }));
      expect(me.status).toBe(503);
      expect(me.headers.get('Content-Type')).toContain('application/problem+json');
      expect(me.headers.get('Retry-After')).toBe('1');
      expect(me.body.code).toBe('service_unavailable');
      expect(ms).toBeLessThan(1500);
      const register = await api.call('POST', '/api/auth/register', { json: { email: api.uniqueEmail(), password: api.password } });
      expect(register.status).toBe(503);
      // Sessions live in Redis, users in Postgres: the refresh must fail before it spends the token.
      expect((await api.call('POST', '/api/auth/refresh', { json: { refreshToken: s.refreshToken } })).status).toBe(503);
      expect(await readiness()).toEqual({ status: 503, database: 'fail', redis: 'pass' });
    } finally {
      pg.resume();
    }
    await eventually(async () => expect((await api.call('GET', '/api/users/me', { token: s.accessToken })).status).toBe(200), 5000);
    expect(await readiness()).toEqual({ status: 200, database: 'pass', redis: 'pass' });
    // The retry a client makes after a 503 is not reuse: it gets a new pair, the session lives.
    expect((await api.call('POST', '/api/auth/refresh', { json: { refreshToken: s.refreshToken } })).status).toBe(200);
    await api.login(s.email);
  });

  it('Redis down: session calls answer 503 within 1.5 s, nothing is lost, and it recovers', async () => {
    const s = await api.signedUp();
    redis.pause();
    try {
      const { result: refresh, ms } = await timed(() =>
        api.call<ProblemBody>('POST', '/api/auth/refresh', { json: { refreshToken: s.refreshToken } }),
      );
      expect(refresh.status).toBe(503);
      expect(refresh.body.code).toBe('service_unavailable');
      expect(ms).toBeLessThan(1500);
      expect((await api.call('GET', '/api/sessions', { token: s.accessToken })).status).toBe(503);
      expect(await readiness()).toEqual({ status: 503, database: 'pass', redis: 'fail' });
      // Per-address limits fall back to counting in memory, so routes that need no Redis still answer…
      expect((await api.call('GET', '/api/users/me', { token: s.accessToken })).status).toBe(200);
      // …while per-account login throttling fails closed.
      const login = await api.call('POST', '/api/auth/login', { json: { email: s.email, password: s.password } });
      expect(login.status).toBe(503);
    } finally {
      redis.resume();
    }
    // The refresh that failed did not rotate: the same token still works once Redis is back.
    const refreshed = await eventually(async () => {
      const res = await api.call<{ accessToken: string }>('POST', '/api/auth/refresh', { json: { refreshToken: s.refreshToken } });
      expect(res.status).toBe(200);
      return res.body;
    }, 5000);
    expect((await api.call('GET', '/api/users/me', { token: refreshed.accessToken })).status).toBe(200);
    expect(await readiness()).toEqual({ status: 200, database: 'pass', redis: 'pass' });
  });

  it('a black-holed Postgres still answers 503 within 1.5 s rather than hanging', async () => {
    const s = await api.signedUp();
    pg.stall();
    try {
      const { result, ms } = await timed(() => api.call('GET', '/api/users/me', { token: s.accessToken }));
      expect(result.status).toBe(503);
      expect(ms).toBeLessThan(1500);
    } finally {
      pg.resume();
    }
    await eventually(async () => expect((await api.call('GET', '/api/users/me', { token: s.accessToken })).status).toBe(200), 5000);
  });
});
