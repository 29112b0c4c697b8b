import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { startSplit, type SplitDeployment } from './split.ts';

// The user service admits 1 password hash at a time and queues none, so a burst of logins gets
// its deliberate 503s. Auth calls it through the port client, whose breaker opens after 5
// consecutive failures and would then stay open 5 s.
let deployment: SplitDeployment;
beforeAll(async () => {
  deployment = await startSplit(
    { REMOTE_BREAKER_HALF_OPEN_MS: '5000', RATE_LIMIT_API_PER_MINUTE: '100000', RATE_LIMIT_AUTH_PER_MINUTE: '100000' },
    { serviceEnv: { user: { PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0' } } },
  );
});
afterAll(() => deployment?.close());

describe('a burst of logins past the user service’s hashing bounds, in the split', () => {
  it('gets the user service’s own 503 and Retry-After, and leaves logins working right after', async () => {
    const api = createClient(deployment);
    const account = { email: api.uniqueEmail(), password: api.password };
    expect((await api.call('POST', '/api/auth/register', { json: account })).status).toBe(201);

    const burst = await Promise.all(
      Array.from({ length: 24 }, () =>
        api.call('POST', '/api/auth/login', { json: { email: api.uniqueEmail(), password: 'a wrong passphrase' } }),
      ),
    );
    expect(burst.filter((answer) => answer.status !== 401 && answer.status !== 503).map((answer) => answer.status)).toEqual([]);
    const refused = burst.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(5); // enough to open the breaker, were they counted
    for (const answer of refused) {
      expect(answer.headers.get('Retry-After')).toBe('1');
      expect(answer.body).toMatchObject({ code: 'service_unavailable', detail: 'Too many password checks at once; try again shortly.' });
    }

    // Counted as failures, those 503s would have opened auth's breaker to the user service for 5 s.
    expect((await api.call('POST', '/api/auth/login', { json: account })).status).toBe(200);
    expect(deployment.processes.auth.output().join('\n')).not.toContain('circuit opened');
  });
});
