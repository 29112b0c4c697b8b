import { describe, expect, it } from 'vitest';
import { read } from './client.ts';
import { useTarget, type StartTarget } from './harness.ts';

export function limitScenarios(start: StartTarget) {
  describe('rate limits', () => {
    const ctx = useTarget(start, { RATE_LIMIT_AUTH_PER_MINUTE: '4' });

    it('announce their policy on /api answers and answer 429 with Retry-After past the per-address limit', async () => {
      const first = await ctx.api.auth.refresh.$post({ json: { refreshToken: 'x'.repeat(43) } });
      expect(first.status).toBe(401);
      expect(first.headers.get('RateLimit-Policy')).toBe('"api";q=600;w=60, "auth";q=4;w=60');
      expect(first.headers.get('RateLimit')).toMatch(/^"api";r=\d+;t=\d+, "auth";r=3;t=\d+$/);
      for (let i = 0; i < 3; i++) await ctx.api.auth.refresh.$post({ json: { refreshToken: 'x'.repeat(43) } });
      const limited = await read(ctx.api.auth.login.$post({ json: { email: 'a@example.com', password: 'whatever pw' } }));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('Content-Type')).toContain('application/problem+json');
      expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(limited.body.code).toBe('rate_limited');
      // Health is not rate limited.
      expect((await ctx.target.request('/health/live')).status).toBe(200);
    });
  });

  describe('brute-force throttling', () => {
    const ctx = useTarget(start);

    it('after 10 failed logins the account answers 429 even to the right password; other accounts are unaffected', async () => {
      const victim = await ctx.api.register();
      const bystander = await ctx.api.register();
      for (let i = 0; i < 11; i++) {
        const res = await ctx.api.auth.login.$post({ json: { email: victim.email, password: `wrong guess ${i}` } });
        expect(res.status).toBe(401);
      }
      const right = await ctx.api.auth.login.$post({ json: { email: victim.email, password: victim.password } });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('Retry-After'))).toBeGreaterThan(0);
      await ctx.api.login(bystander.email);
    });
  });
}
