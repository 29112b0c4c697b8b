import { describe, expect, it } from 'vitest';
import { bearer, read } from './client.ts';
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

    it('every spelling that reaches an account shares its throttle, and a spelling SQL would fold (İ for i) reaches none', async () => {
      const victim = await ctx.api.register(`victim-${crypto.randomUUID().slice(0, 8)}@gmail.test`);
      for (let i = 0; i < 11; i++) {
        const res = await ctx.api.auth.login.$post({ json: { email: victim.email, password: `wrong guess ${i}` } });
        expect(res.status).toBe(401);
      }
      const shouted = await ctx.api.auth.login.$post({ json: { email: ` ${victim.email.toUpperCase()} `, password: victim.password } });
      expect(shouted.status).toBe(429);
      // Postgres' lower() folds İ to i; were it to find the account, this spelling would have ten free guesses of its own.
      const dotted = await read(
        ctx.api.auth.login.$post({ json: { email: victim.email.replaceAll('i', 'İ'), password: victim.password } }),
      );
      expect([dotted.status, dotted.body.code]).toEqual([400, 'validation_failed']);
      const fullWidth = await read(
        ctx.api.auth.login.$post({ json: { email: victim.email.replace('v', 'ｖ'), password: victim.password } }),
      );
      expect(fullWidth.status).toBe(400);
    });

    it('guesses sent in parallel get no more password checks than guesses sent one by one', async () => {
      const victim = await ctx.api.register();
      let checked = 0;
      for (let burst = 0; burst < 14; burst++) {
        const guesses = Array.from({ length: 8 }, (_, i) =>
          ctx.api.auth.login.$post({ json: { email: victim.email, password: `guess ${burst}-${i}` } }),
        );
        const statuses = (await Promise.all(guesses)).map((res) => res.status);
        expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
        checked += statuses.filter((status) => status === 401).length;
      }
      expect(checked).toBeLessThanOrEqual(11); // 10 free failures and the 11th that starts the block
      const right = await read(ctx.api.auth.login.$post({ json: { email: victim.email, password: victim.password } }));
      expect([right.status, right.body.detail]).toEqual([429, expect.stringContaining('failed logins')]);
    });

    it('a wrong current password (password change, deletion) counts against the account as a failed login does', async () => {
      const s = await ctx.api.signedUp();
      for (let i = 0; i < 11; i++) {
        const wrong =
          i % 2 === 0
            ? ctx.api.users.me.password.$post(
                { json: { currentPassword: `wrong guess ${i}`, newPassword: 'another sturdy passphrase' } },
                bearer(s.accessToken),
              )
            : ctx.api.users.me.$delete({ json: { password: `wrong guess ${i}` } }, bearer(s.accessToken));
        expect((await wrong).status).toBe(401);
      }
      const right = await read(
        ctx.api.users.me.password.$post(
          { json: { currentPassword: s.password, newPassword: 'another sturdy passphrase' } },
          bearer(s.accessToken),
        ),
      );
      expect([right.status, right.body.detail]).toEqual([429, expect.stringContaining('failed logins')]);
      const login = await read(ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } }));
      expect([login.status, login.body.detail]).toEqual([429, expect.stringContaining('failed logins')]);
    });
  });
}
