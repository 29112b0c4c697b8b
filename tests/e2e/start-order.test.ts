import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceUrlEnv, type CallableModule, type ModuleName } from '../../config/mod.ts';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { createClient } from './client.ts';
import { eventually } from './harness.ts';
import { startProcess, type ServerProcess } from './process.ts';

/** A loopback port nothing listens on now, so a service can be told a peer's URL before that peer starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function readiness(target: ServerProcess) {
  const res = await target.request('/health/ready');
  const body = (await res.json()) as { checks: Record<string, Array<{ status: string; output?: string }>> };
  const failing = Object.fromEntries(
    Object.entries(body.checks)
      .filter(([, [result]]) => result!.status === 'fail')
      .map(([name, [result]]) => [name.replace(/:responseTime$/, ''), result!.output]),
  );
  return { status: res.status, failing };
}

// Kubernetes and compose start every process at once, in no order: none may exit for a peer
// that is not up yet, and none may serve what it cannot serve correctly yet.
describe('the split placement started in any order', () => {
  const name = uniqueName('order');
  const running: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await dropTestStores([name]);
  });

  it('a gateway started before its peers stays up, not ready and naming what it waits for, then serves once they start', async () => {
    const services: CallableModule[] = ['auth', 'user', 'session', 'audit', 'admin', 'mfa'];
    const ports = Object.fromEntries(await Promise.all(services.map(async (s) => [s, await freePort()]))) as Record<CallableModule, number>;
    const envOf = (service: ModuleName, port = service === 'gateway' ? 0 : ports[service as CallableModule]) => ({
      DATABASE_URL: testDatabaseUrl,
      DATABASE_SCHEMA: name,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `${name}:`,
      EVENT_BUS: 'redis',
      SERVICE_TOKEN_SECRET: 'order-test-secret-0123456789-abcdefghij',
      SERVICES: service,
      REMOTE_TIMEOUT_MS: '10000', // a shared, busy machine may take seconds to hash a password
      PORT: String(port),
      ...serviceUrlEnv([service], (module) => `http://127.0.0.1:${ports[module]}`),
    });
    const start = async (service: ModuleName) => {
      const started = await startProcess('node', envOf(service), { until: 'listening' });
      running.push(started);
      return started;
    };

    // The gateway first, alone.
    const gateway = await start('gateway');
    await eventually(
      async () => expect((await readiness(gateway)).failing['startup:revocations']).toMatch(/revoked sessions not loaded yet/),
      20_000,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // several failed priming attempts
    expect((await gateway.request('/health/live')).status).toBe(200);
    const waiting = await readiness(gateway);
    expect(waiting.status).toBe(503);
    expect(waiting.failing).toMatchObject({
      'startup:revocations': expect.stringMatching(/session module/),
      'remote:session': expect.any(String),
    });

    // Then its peers, in reverse order of need (one by one: each start is CPU-bound, and the machine may be shared).
    for (const service of ['admin', 'auth', 'mfa', 'audit', 'session', 'user'] as const) await start(service);
    // The gateway probes its peers' liveness; a peer is live before its database is open (it answers
    // 503 meanwhile), so the peers' own readiness comes first.
    for (const peer of running) await eventually(async () => expect((await readiness(peer)).status).toBe(200), 30_000, 200);
    await eventually(async () => expect(await readiness(gateway)).toEqual({ status: 200, failing: {} }), 30_000, 200);
    const api = createClient(gateway);
    const session = await api.signedUp();
    const me = await api.call<{ email: string }>('GET', '/api/users/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(session.email);

    // A gateway that starts while the session service is down must not take a token of a session
    // revoked before it started: it answers 503 until it has loaded the revocations.
    expect((await api.call('POST', '/api/auth/logout', { token: session.accessToken })).status).toBe(204);
    const sessionService = running.find((p) => p.port === ports.session)!;
    await sessionService.stop();
    running.splice(running.indexOf(sessionService), 1);
    const late = await start('gateway');
    const lateApi = createClient(late);
    const early = await lateApi.call('GET', '/api/users/me', { token: session.accessToken });
    expect(early.status).toBe(503);
    expect(early.headers.get('Content-Type')).toMatch(/problem\+json/);
    expect((await readiness(late)).failing['startup:revocations']).toBeDefined();

    await start('session');
    await eventually(async () => expect((await readiness(late)).status).toBe(200), 30_000, 200);
    expect((await lateApi.call('GET', '/api/users/me', { token: session.accessToken })).status).toBe(401);
    const again = await lateApi.login(session.email);
    expect((await lateApi.call('GET', '/api/users/me', { token: again.accessToken })).status).toBe(200);
  }, 420_000);
});
