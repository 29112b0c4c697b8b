import { describe, expect, it } from 'vitest';
import { monolith, useTarget } from './harness.ts';

// Password hashing admits 1 running and 1 waiting: a burst of logins past that is refused at once.
const bounded = monolith({
  DATABASE_URL: 'memory',
  PASSWORD_HASH_CONCURRENCY: '1',
  PASSWORD_HASH_QUEUE: '1',
  RATE_LIMIT_API_PER_MINUTE: '100000',
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
});

describe('a burst of logins past the password hashing bounds', () => {
  const ctx = useTarget(bounded);

  it('is answered 503 with Retry-After at once, before the admitted logins finish, and never 500', async () => {
    const answered: Array<{ status: number; retryAfter: string | null; code?: string }> = [];
    const burst = Array.from({ length: 12 }, (_, i) =>
      ctx.target
        .request('/api/auth/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: `nobody-${i}-${crypto.randomUUID()}@example.com`, password: 'a wrong passphrase' }),
        })
        .then(async (res) =>
          answered.push({ status: res.status, retryAfter: res.headers.get('Retry-After'), code: (await res.json()).code }),
        ),
    );
    await Promise.all(burst);

    const statuses = answered.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 401 && status !== 503)).toEqual([]);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThanOrEqual(1);
    const refused = answered.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const answer of refused) expect(answer).toMatchObject({ retryAfter: '1', code: 'service_unavailable' });
    // Refused without waiting for a hash: each 503 came back before the last admitted login did.
    expect(statuses.lastIndexOf(503)).toBeLessThan(statuses.lastIndexOf(401));
  });

  it('serves logins normally once the burst is over', async () => {
    const account = { email: `ada-${crypto.randomUUID()}@example.com`, password: 'a sturdy passphrase 42' };
    expect((await ctx.api.call('POST', '/api/auth/register', { json: account })).status).toBe(201);
    expect((await ctx.api.call('POST', '/api/auth/login', { json: account })).status).toBe(200);
  });
});
