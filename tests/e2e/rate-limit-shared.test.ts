import { afterAll, describe, expect, it } from 'vitest';
import { dropTestStores, testRedisUrl, uniqueName } from '../support/services.ts';
import { createClient } from './client.ts';
import { monolith, type Target } from './harness.ts';

// Two gateway instances on one Redis share their counts: a client cannot double its allowance by
// spreading requests over instances.
const name = uniqueName('shared_limits');
const targets: Target[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
  await dropTestStores([name]);
});

describe('rate limits across instances', () => {
  it('count requests to either instance against one limit', async () => {
    const start = monolith({ DATABASE_URL: 'memory', REDIS_URL: testRedisUrl, REDIS_PREFIX: `${name}:`, RATE_LIMIT_AUTH_PER_MINUTE: '4' });
    const [a, b] = [await start(), await start()];
    targets.push(a!, b!);
    const refresh = (target: Target) => createClient(target).call('POST', '/api/auth/refresh', { json: { refreshToken: 'x'.repeat(43) } });
    expect((await refresh(a!)).status).toBe(401);
    expect((await refresh(b!)).status).toBe(401);
    expect((await refresh(a!)).status).toBe(401);
    expect((await refresh(b!)).status).toBe(401);
    expect((await refresh(a!)).status).toBe(429);
    expect((await refresh(b!)).status).toBe(429);
  });
});
