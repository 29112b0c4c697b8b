import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from './client.ts';
import { eventually } from './harness.ts';
import { startProcess } from './process.ts';
import { dropTestStores, uniqueName } from '../support/services.ts';
import { startSplit, type SplitDeployment } from './split.ts';

let deployment: SplitDeployment;
let api: Client;

beforeAll(async () => {
  // A breaker that stays open long enough for the readiness check below to see it open.
  deployment = await startSplit({ REMOTE_BREAKER_HALF_OPEN_MS: '5000' });
  api = createClient(deployment);
});
afterAll(() => deployment?.close());

async function readiness() {
  const res = await deployment.request('/health/ready');
  return { status: res.status, session: (await res.json()).checks['remote:session:responseTime'][0] };
}

describe('split deployment edge', () => {
  it('never forwards a client to internal routes, and services refuse calls that skip the gateway', async () => {
    const viaGateway = await deployment.request('/internal/user/getById', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: 'x' }),
    });
    expect(viaGateway.status).toBe(404);
    const direct = await fetch(`${deployment.processes.user.url}/internal/user/getById`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: 'x' }),
    });
    expect(direct.status).toBe(401);
    const publicRouteDirect = await fetch(`${deployment.processes.user.url}/api/users/me`);
    expect(publicRouteDirect.status).toBe(401);
  });

  it('a process whose SERVICE_TOKEN_SECRET differs is not ready, and readiness says why', async () => {
    expect((await fetch(`${deployment.processes.auth.url}/health/ready`)).status).toBe(200);
    // Stores of its own, so its relays and consumers take nothing from the deployment's auth process.
    const own = uniqueName('misconfigured');
    const env = {
      ...deployment.envOf('auth'),
      DATABASE_SCHEMA: own,
      REDIS_PREFIX: `${own}:`,
      SERVICE_TOKEN_SECRET: 'not-the-deployment-secret-0123456789',
    };
    const misconfigured = await startProcess('node', env);
    try {
      const res = await misconfigured.request('/health/ready');
      expect(res.status).toBe(503);
      const checks = (await res.json()).checks;
      for (const module of ['user', 'session']) {
        expect(checks[`remote:${module}:responseTime`][0]).toMatchObject({
          status: 'fail',
          output: expect.stringContaining('SERVICE_TOKEN_SECRET'),
        });
      }
    } finally {
      await misconfigured.stop();
      await dropTestStores([own]);
    }
  });
});

describe('split deployment when the session service dies', () => {
  it('answers 503 fast, shows an open breaker in readiness, and recovers fully after a restart', async () => {
    const s = await api.signedUp();
    await deployment.processes.session.stop();

    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const res = await api.call('GET', '/api/sessions', { token: s.accessToken });
      expect(res.status).toBe(503);
      expect(res.headers.get('Content-Type')).toContain('application/problem+json');
      expect(performance.now() - started).toBeLessThan(2500);
    }
    const refresh = await api.call('POST', '/api/auth/refresh', { json: { refreshToken: s.refreshToken } });
    expect(refresh.status).toBe(503);
    expect(await readiness()).toMatchObject({ status: 503, session: { status: 'fail', output: 'circuit open' } });
    // Modules that do not need sessions keep working.
    expect((await api.call('GET', '/api/users/me', { token: s.accessToken })).status).toBe(200);

    await deployment.restart('session');
    const refreshed = await eventually(
      async () => {
        const res = await api.call<{ accessToken: string }>('POST', '/api/auth/refresh', { json: { refreshToken: s.refreshToken } });
        expect(res.status).toBe(200);
        return res.body;
      },
      15_000,
      250,
    );
    await eventually(
      async () => expect((await api.call('GET', '/api/sessions', { token: refreshed.accessToken })).status).toBe(200),
      15_000,
      250,
    );
    await eventually(async () => expect((await readiness()).status).toBe(200), 15_000, 250);
  }, 60_000);
});
