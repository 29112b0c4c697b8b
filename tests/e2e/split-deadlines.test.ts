import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup } from '../support/children.ts';
import { createClient, type Client, type JsonResponse } from './client.ts';
import { startSplit, type SplitDeployment } from './split.ts';

// A gateway that waits 500 ms for a service (REMOTE_TIMEOUT_MS 250, twice that for proxied
// routes) in front of an auth service that waits 1 s for each module it calls.
let deployment: SplitDeployment;
let api: Client;

beforeAll(async () => {
  deployment = await startSplit({}, { serviceEnv: { gateway: { REMOTE_TIMEOUT_MS: '250' } } });
  api = createClient(deployment);
});
afterAll(() => deployment?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('split deployment: a call never outlives its caller', () => {
  it('a refresh the gateway answered 503 has not rotated the token: its retry gets a new pair', async () => {
    const { refreshToken } = await api.signedUp();
    const { user } = deployment.processes;
    // The user module stalls for 700 ms: longer than the gateway waits, shorter than auth would.
    killGroup(user.pid, 'SIGSTOP');
    let refused: JsonResponse | undefined;
    try {
      const started = performance.now();
      refused = await api.call('POST', '/api/auth/refresh', { json: { refreshToken } });
      expect(performance.now() - started).toBeLessThan(700);
      await sleep(Math.max(0, 700 - (performance.now() - started)));
    } finally {
      killGroup(user.pid, 'SIGCONT');
    }
    expect(refused.status).toBe(503);
    await sleep(1000); // what auth would still do, it has done by now

    const retried = await api.call('POST', '/api/auth/refresh', { json: { refreshToken } });
    expect(retried.status).toBe(200);
  }, 30_000);
});
