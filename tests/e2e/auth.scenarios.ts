import { describe, expect, it } from 'vitest';
import { bearer, decodeJwt, read, type ProblemBody } from './client.ts';
import { eventually, useTarget, type StartTarget } from './harness.ts';

export function authScenarios(start: StartTarget) {
  describe('auth', () => {
    const ctx = useTarget(start);

    it('register answers 201 with the user, email trimmed, no secret fields', async () => {
      const email = ctx.api.uniqueEmail();
      // `role` is not in the contract, so only a raw call can send it.
      const res = await ctx.api.call<{ user: { createdAt: string } }>('POST', '/api/auth/register', {
        json: { email: `  ${email.toUpperCase()} `, password: ctx.api.password, displayName: 'Ada', role: 'admin' },
      });
      expect(res.status).toBe(201);
      expect(res.body.user).toEqual({
        id: expect.any(String),
        email: email.toUpperCase(),
        displayName: 'Ada',
        createdAt: expect.any(String),
        emailVerified: false,
      });
      expect(new Date(res.body.user.createdAt).toISOString()).toBe(res.body.user.createdAt);
    });

    it.each([
      ['a malformed email', { email: 'not-an-email', password: 'a sturdy passphrase 42' }, 'email'],
      ['a password of 7 characters', { email: 'x@example.com', password: 'Ab3$xyz' }, 'password'],
      ['a password of 129 characters', { email: 'x@example.com', password: 'a'.repeat(129) }, 'password'],
      ['a missing password', { email: 'x@example.com' }, 'password'],
      ['a non-string email', { email: 42, password: 'a sturdy passphrase 42' }, 'email'],
    ])('register rejects %s with 400 naming the field', async (_, json, field) => {
      const res = await ctx.api.call<ProblemBody>('POST', '/api/auth/register', { json });
      expect(res.status).toBe(400);
      expect(res.headers.get('Content-Type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(res.body.errors.map((e) => e.path)).toContain(field);
    });

    it('register accepts a 128-character password and does not truncate it', async () => {
      const email = ctx.api.uniqueEmail();
      const long = 'p'.repeat(64) + 'q'.repeat(64);
      await ctx.api.register(email, long);
      await ctx.api.login(email, long);
      const truncated = await ctx.api.auth.login.$post({ json: { email, password: long.slice(0, 72) } });
      expect(truncated.status).toBe(401);
    });

    it('register rejects a common password with 400 and a clear message', async () => {
      const res = await read(ctx.api.auth.register.$post({ json: { email: ctx.api.uniqueEmail(), password: 'password123' } }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('password_too_common');
      expect(res.body.detail).toMatch(/too common/);
    });

    it('register answers 409 for an email taken in any letter case, and changes nothing', async () => {
      const { email } = await ctx.api.register();
      const res = await read(ctx.api.auth.register.$post({ json: { email: email.toUpperCase(), password: 'another fine passphrase' } }));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('email_taken');
      await ctx.api.login(email);
    });

    it('login answers 200 with an EdDSA at+jwt access token and an opaque refresh token', async () => {
      const { email, user } = await ctx.api.register();
      const res = await read(ctx.api.auth.login.$post({ json: { email: email.toUpperCase(), password: ctx.api.password } }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: expect.any(Number), sessionId: expect.any(String), user });
      const { header, payload } = decodeJwt(res.body.accessToken);
      expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
      expect(payload).toMatchObject({
        sub: user.id,
        sid: res.body.sessionId,
        iss: expect.any(String),
        aud: expect.any(String),
        jti: expect.any(String),
      });
      expect(payload.exp - payload.iat).toBe(900);
      // Seconds left at answer time: 900, or a second less when issuing crossed a second boundary.
      expect(res.body.expiresIn).toBeGreaterThanOrEqual(898);
      expect(res.body.expiresIn).toBeLessThanOrEqual(900);
      expect(res.body.refreshToken).toMatch(/^[\w-]{43,}$/);
    });

    it('login answers one identical 401 for an unknown email and a wrong password', async () => {
      const { email } = await ctx.api.register();
      const wrong = await read(ctx.api.auth.login.$post({ json: { email, password: 'not the password' } }));
      const unknown = await read(ctx.api.auth.login.$post({ json: { email: ctx.api.uniqueEmail(), password: 'not the password' } }));
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
      expect(strip(wrong.body)).toEqual(strip(unknown.body));
    });

    it('login rejects a body without a password with 400', async () => {
      const res = await ctx.api.call('POST', '/api/auth/login', { json: { email: 'x@example.com' } });
      expect(res.status).toBe(400);
    });

    it('refresh returns a new pair and the old refresh token is single-use', async () => {
      const s = await ctx.api.signedUp();
      const res = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } }));
      expect(res.status).toBe(200);
      expect(res.body.refreshToken).not.toBe(s.refreshToken);
      expect(res.body.accessToken).not.toBe(s.accessToken);
      expect(res.body.sessionId).toBe(s.sessionId);
      const me = await ctx.api.users.me.$get({}, bearer(res.body.accessToken));
      expect(me.status).toBe(200);
    });

    it('reusing a rotated refresh token answers 401 and revokes the whole session', async () => {
      const s = await ctx.api.signedUp();
      const next = (await read(ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } }))).body;
      const reuse = await ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } });
      expect(reuse.status).toBe(401);
      const successor = await ctx.api.auth.refresh.$post({ json: { refreshToken: next.refreshToken } });
      expect(successor.status).toBe(401);
      await eventually(async () => expect((await ctx.api.users.me.$get({}, bearer(next.accessToken))).status).toBe(401), 1000);
    });

    it('refresh answers 401 for an unknown token and 400 for a missing one', async () => {
      expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: 'x'.repeat(43) } })).status).toBe(401);
      expect((await ctx.api.call('POST', '/api/auth/refresh', { json: {} })).status).toBe(400);
    });

    it('of concurrent refreshes of one token exactly one succeeds', async () => {
      const s = await ctx.api.signedUp();
      const results = await Promise.all(
        Array.from({ length: 8 }, () => ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(7);
    });

    it('logout answers 204, then the access token is rejected within 1 s and the refresh token is dead', async () => {
      const s = await ctx.api.signedUp();
      expect((await ctx.api.auth.logout.$post({}, bearer(s.accessToken))).status).toBe(204);
      await eventually(async () => expect((await ctx.api.users.me.$get({}, bearer(s.accessToken))).status).toBe(401), 1000);
      expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } })).status).toBe(401);
      expect((await ctx.api.auth.logout.$post({}, bearer(s.accessToken))).status).toBe(401);
    });

    it('logout without a bearer token answers 401', async () => {
      const res = await ctx.api.auth.logout.$post();
      expect(res.status).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer');
    });

    it('the JWKS publishes public Ed25519 keys only, cacheable for 5 minutes, and they verify issued tokens', async () => {
      const s = await ctx.api.signedUp();
      const res = await read(ctx.api.wellKnown['jwks.json'].$get());
      expect(res.status).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=300'); // a split gateway passes it on too
      expect(res.body.keys.length).toBeGreaterThan(0);
      for (const key of res.body.keys) {
        expect(key).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' });
      }
      const { jwtVerify, createLocalJWKSet } = await import('jose');
      const { payload } = await jwtVerify(s.accessToken, createLocalJWKSet(res.body), { algorithms: ['EdDSA'] });
      expect(payload.sid).toBe(s.sessionId);
    });
  });

  describe('auth with a reuse grace window', () => {
    const ctx = useTarget(start, { REFRESH_REUSE_GRACE_SECONDS: '30' });

    it('a just-rotated token presented again within the window gets the same new pair, not a revocation', async () => {
      const s = await ctx.api.signedUp();
      const first = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } }));
      const again = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } }));
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body.refreshToken).toBe(first.body.refreshToken);
      expect(again.body.accessToken).toBe(first.body.accessToken);
      const next = await ctx.api.auth.refresh.$post({ json: { refreshToken: first.body.refreshToken } });
      expect(next.status).toBe(200);
    });

    it('a token two rotations old still counts as reuse inside the window', async () => {
      const s = await ctx.api.signedUp();
      const first = (await read(ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } }))).body;
      await ctx.api.auth.refresh.$post({ json: { refreshToken: first.refreshToken } });
      expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } })).status).toBe(401);
    });
  });

  describe('auth with a short absolute session lifetime', () => {
    const maxAgeSeconds = 3;
    const ctx = useTarget(start, { SESSION_MAX_AGE_SECONDS: String(maxAgeSeconds) });

    it('past SESSION_MAX_AGE_SECONDS the session is over: refresh answers 401 however recently used, it no longer lists, its access token is refused', async () => {
      const s = await ctx.api.signedUp();
      const refreshed = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: s.refreshToken } }));
      expect(refreshed.status).toBe(200);
      const listed = await read(ctx.api.sessions.$get({}, bearer(refreshed.body.accessToken)));
      expect(listed.status).toBe(200);
      const end = Date.parse(listed.body.sessions[0]!.createdAt) + maxAgeSeconds * 1000;
      for (const answer of [s, refreshed.body]) {
        expect(decodeJwt(answer.accessToken).payload.exp * 1000).toBeLessThanOrEqual(end);
        expect(answer.expiresIn).toBeLessThanOrEqual(maxAgeSeconds);
      }

      await new Promise((resolve) => setTimeout(resolve, end - Date.now() + 200));
      const late = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: refreshed.body.refreshToken } }));
      expect(late.status).toBe(401);
      expect(late.body).toMatchObject({ code: 'invalid_refresh_token' });
      expect((await ctx.api.sessions.$get({}, bearer(refreshed.body.accessToken))).status).toBe(401);
      const again = await ctx.api.login(s.email);
      const now = await read(ctx.api.sessions.$get({}, bearer(again.accessToken)));
      expect(now.body.sessions.map((x: { id: string }) => x.id)).toEqual([again.sessionId]);
    });
  });
}
