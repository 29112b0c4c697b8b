import { describe, expect, it } from 'vitest';
import { bearer, read } from './client.ts';
import { eventually, useTarget, type StartTarget } from './harness.ts';

export function accountScenarios(start: StartTarget) {
  const ctx = useTarget(start);

  const rejectedWithin1s = (token: string) =>
    eventually(async () => expect((await ctx.api.users.me.$get({}, bearer(token))).status).toBe(401), 1000);

  describe('users', () => {
    it('GET /api/users/me answers the caller', async () => {
      const s = await ctx.api.signedUp();
      const res = await read(ctx.api.users.me.$get({}, bearer(s.accessToken)));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(s.user);
    });

    it.each([
      ['no token', undefined],
      ['a malformed token', 'not.a.jwt'],
      [
        'a token with alg none',
        `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from('{"sub":"x","sid":"y"}').toString('base64url')}.`,
      ],
    ])('GET /api/users/me answers 401 for %s', async (_, token) => {
      const res = await read(ctx.api.users.me.$get({}, token === undefined ? {} : bearer(token)));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('a token signed by another key is rejected', async () => {
      const { SignJWT, generateKeyPair } = await import('jose');
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const s = await ctx.api.signedUp();
      const forged = await new SignJWT({ sid: s.sessionId })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'forged' })
        .setSubject(s.user.id)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti('x')
        .setIssuer('modular-auth')
        .setAudience('modular-auth-api')
        .sign(privateKey);
      expect((await ctx.api.users.me.$get({}, bearer(forged))).status).toBe(401);
    });

    it('PATCH /api/users/me updates the display name', async () => {
      const s = await ctx.api.signedUp();
      const res = await read(ctx.api.users.me.$patch({ json: { displayName: '  Grace  ' } }, bearer(s.accessToken)));
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual({ ...s.user, displayName: 'Grace' });
      expect((await read(ctx.api.users.me.$get({}, bearer(s.accessToken)))).body.displayName).toBe('Grace');
    });

    it('PATCH /api/users/me answers 400 for an empty name and 401 without a token', async () => {
      const s = await ctx.api.signedUp();
      expect((await ctx.api.users.me.$patch({ json: { displayName: '   ' } }, bearer(s.accessToken))).status).toBe(400);
      expect((await ctx.api.users.me.$patch({ json: { displayName: 'x' } })).status).toBe(401);
    });

    it('changing the password revokes every other session and keeps the current one', async () => {
      const s = await ctx.api.signedUp();
      const other = await ctx.api.login(s.email);
      const res = await ctx.api.users.me.password.$post(
        { json: { currentPassword: s.password, newPassword: 'a brand new passphrase' } },
        bearer(s.accessToken),
      );
      expect(res.status).toBe(204);
      await rejectedWithin1s(other.accessToken);
      expect((await ctx.api.users.me.$get({}, bearer(s.accessToken))).status).toBe(200);
      expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: other.refreshToken } })).status).toBe(401);
      expect((await ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } })).status).toBe(401);
      await ctx.api.login(s.email, 'a brand new passphrase');
    });

    it('changing the password answers 401 for a wrong current password and 400 for a short new one', async () => {
      const s = await ctx.api.signedUp();
      const wrong = await ctx.api.users.me.password.$post(
        { json: { currentPassword: 'nope nope nope', newPassword: 'a brand new passphrase' } },
        bearer(s.accessToken),
      );
      expect(wrong.status).toBe(401);
      const short = await ctx.api.users.me.password.$post(
        { json: { currentPassword: s.password, newPassword: 'short' } },
        bearer(s.accessToken),
      );
      expect(short.status).toBe(400);
      await ctx.api.login(s.email);
    });

    it('deleting the account removes it, its sessions and tokens, and frees the email', async () => {
      const s = await ctx.api.signedUp();
      const other = await ctx.api.login(s.email);
      expect((await ctx.api.users.me.$delete({ json: { password: 'wrong password!' } }, bearer(s.accessToken))).status).toBe(401);
      expect((await ctx.api.users.me.$delete({ json: { password: s.password } }, bearer(s.accessToken))).status).toBe(204);
      expect((await ctx.api.users.me.$get({}, bearer(s.accessToken))).status).toBe(401);
      await rejectedWithin1s(other.accessToken);
      expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: other.refreshToken } })).status).toBe(401);
      expect((await ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } })).status).toBe(401);
      await ctx.api.register(s.email);
    });
  });

  describe('sessions', () => {
    it('GET /api/sessions lists the caller’s active sessions and marks the current one', async () => {
      const s = await ctx.api.signedUp();
      const second = await ctx.api.login(s.email, s.password, { 'User-Agent': 'second-device/2.0' });
      const res = await read(ctx.api.sessions.$get({}, bearer(s.accessToken)));
      expect(res.status).toBe(200);
      expect(res.body.sessions).toHaveLength(2);
      const current = res.body.sessions.find((x: { current: boolean }) => x.current);
      expect(current).toEqual({
        id: s.sessionId,
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        userAgent: 'scenario-test/1.0',
        ip: ctx.target.clientIp,
        current: true,
      });
      expect(res.body.sessions.find((x: { id: string }) => x.id === second.sessionId)).toMatchObject({
        current: false,
        userAgent: 'second-device/2.0',
      });
    });

    it('DELETE /api/sessions/{id} revokes that session only', async () => {
      const s = await ctx.api.signedUp();
      const other = await ctx.api.login(s.email);
      expect((await ctx.api.sessions[':id'].$delete({ param: { id: other.sessionId } }, bearer(s.accessToken))).status).toBe(204);
      await rejectedWithin1s(other.accessToken);
      const list = await read(ctx.api.sessions.$get({}, bearer(s.accessToken)));
      expect(list.body.sessions.map((x: { id: string }) => x.id)).toEqual([s.sessionId]);
    });

    it('DELETE /api/sessions/{id} answers 404 for an unknown, revoked or foreign session', async () => {
      const s = await ctx.api.signedUp();
      const stranger = await ctx.api.signedUp();
      expect((await ctx.api.sessions[':id'].$delete({ param: { id: crypto.randomUUID() } }, bearer(s.accessToken))).status).toBe(404);
      expect((await ctx.api.sessions[':id'].$delete({ param: { id: stranger.sessionId } }, bearer(s.accessToken))).status).toBe(404);
      expect((await ctx.api.users.me.$get({}, bearer(stranger.accessToken))).status).toBe(200);
    });

    it('DELETE /api/sessions?others=true revokes every session but the current one', async () => {
      const s = await ctx.api.signedUp();
      const others = [await ctx.api.login(s.email), await ctx.api.login(s.email)];
      expect((await ctx.api.sessions.$delete({ query: { others: 'true' } }, bearer(s.accessToken))).status).toBe(204);
      for (const o of others) await rejectedWithin1s(o.accessToken);
      const list = await read(ctx.api.sessions.$get({}, bearer(s.accessToken)));
      expect(list.body.sessions.map((x: { id: string }) => x.id)).toEqual([s.sessionId]);
    });

    it('the session routes answer 401 without a token', async () => {
      expect((await ctx.api.sessions.$get()).status).toBe(401);
      expect((await ctx.api.sessions.$delete({ query: { others: 'true' } })).status).toBe(401);
    });
  });

  describe('security activity', () => {
    it('GET /api/audit/me shows the security events newest first within 2 s', async () => {
      const s = await ctx.api.signedUp();
      await ctx.api.auth.login.$post({ json: { email: s.email, password: 'wrong password!' } });
      const second = await ctx.api.login(s.email);
      await ctx.api.auth.refresh.$post({ json: { refreshToken: second.refreshToken } });
      await ctx.api.auth.refresh.$post({ json: { refreshToken: second.refreshToken } });
      await ctx.api.users.me.password.$post(
        { json: { currentPassword: s.password, newPassword: 'a brand new passphrase' } },
        bearer(s.accessToken),
      );
      const expected = [
        'user.registered',
        'user.login',
        'user.login_failed',
        'session.refresh_reuse_detected',
        'session.revoked',
        'user.password_changed',
      ];
      const events = await eventually(async () => {
        const res = await read(ctx.api.audit.me.$get({ query: {} }, bearer(s.accessToken)));
        expect(res.status).toBe(200);
        const types = res.body.events.map((e: { type: string }) => e.type);
        for (const type of expected) expect(types).toContain(type);
        return res.body.events;
      }, 2000);
      const times = events.map((e: { time: string }) => Date.parse(e.time));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(events.find((e: { type: string }) => e.type === 'user.login')).toMatchObject({
        ip: ctx.target.clientIp,
        userAgent: 'scenario-test/1.0',
        sessionId: expect.any(String),
      });
    });

    it('GET /api/audit/me honours limit, rejects a bad one, and shows only the caller’s events', async () => {
      const s = await ctx.api.signedUp();
      await ctx.api.signedUp();
      await ctx.api.auth.logout.$post({}, bearer(s.accessToken));
      const fresh = await ctx.api.login(s.email);
      const res = await eventually(async () => {
        const r = await read(ctx.api.audit.me.$get({ query: { limit: '2' } }, bearer(fresh.accessToken)));
        expect(r.body.events).toHaveLength(2);
        return r;
      });
      expect(
        res.body.events.every((e: { sessionId?: string }) => !e.sessionId || [s.sessionId, fresh.sessionId].includes(e.sessionId)),
      ).toBe(true);
      expect((await ctx.api.audit.me.$get({ query: { limit: '0' } }, bearer(fresh.accessToken))).status).toBe(400);
      expect((await ctx.api.audit.me.$get({ query: { limit: 'abc' } }, bearer(fresh.accessToken))).status).toBe(400);
      // Only digits: Number() would take these as 16, 100 and 5.
      for (const limit of ['0x10', '1e2', ' 5'])
        expect((await ctx.api.audit.me.$get({ query: { limit } }, bearer(fresh.accessToken))).status).toBe(400);
      expect((await ctx.api.audit.me.$get({ query: {} })).status).toBe(401);
    });
  });
}
