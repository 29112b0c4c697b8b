import { beforeAll, expect, it } from 'vitest';
import { bearer, decodeJwt, read, type ProblemBody } from './client.ts';
import { eventually, scenarioAdminEnv, scenarioAdmins, useTarget, type StartTarget } from './harness.ts';

/** API.md "Admin": the admin routes, roles and amr in access tokens, disabled accounts. */
export function adminScenarios(start: StartTarget) {
  const adminEmail = scenarioAdmins.admin;
  const ctx = useTarget(start, scenarioAdminEnv);
  let admin: { accessToken: string; refreshToken: string; user: { id: string } };
  beforeAll(async () => {
    await ctx.api.register(adminEmail);
    admin = await ctx.api.login(adminEmail);
  });
  const as = () => bearer(admin.accessToken);
  const byId = () => ctx.api.admin.users[':id'];
  const param = (id: string) => ({ param: { id } });
  const refusedWithin1s = (token: string) =>
    eventually(async () => expect((await ctx.api.users.me.$get({}, bearer(token))).status).toBe(401), 1000);

  it('access tokens carry roles (admin from ADMIN_EMAILS) and amr ["pwd"]; a refresh keeps both', async () => {
    expect(decodeJwt(admin.accessToken).payload).toMatchObject({ roles: ['admin'], amr: ['pwd'] });
    const someone = await ctx.api.signedUp();
    expect(decodeJwt(someone.accessToken).payload).toMatchObject({ roles: [], amr: ['pwd'] });
    const refreshed = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: admin.refreshToken } }));
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.accessToken).payload).toMatchObject({ roles: ['admin'], amr: ['pwd'] });
    admin = refreshed.body;
  });

  it('every admin route answers 403 forbidden to a token without the admin role, and 401 without a token', async () => {
    const someone = await ctx.api.signedUp();
    const id = someone.user.id;
    const calls = [
      ['GET', '/api/admin/users'],
      ['GET', `/api/admin/users/${id}`],
      ['POST', `/api/admin/users/${id}/disable`],
      ['POST', `/api/admin/users/${id}/enable`],
      ['DELETE', `/api/admin/users/${id}/sessions`],
      ['POST', `/api/admin/users/${id}/unlock`],
      ['DELETE', `/api/admin/users/${id}/mfa`],
      ['GET', '/api/admin/audit'],
    ];
    for (const [method, path] of calls) {
      const forbidden = await ctx.api.call<ProblemBody>(method!, path!, { token: someone.accessToken });
      expect([path, forbidden.status, forbidden.body.code]).toEqual([path, 403, 'forbidden']);
      expect(forbidden.headers.get('Content-Type')).toMatch(/problem\+json/);
      expect((await ctx.api.call(method!, path!)).status).toBe(401);
    }
    expect((await ctx.api.users.me.$get({}, bearer(someone.accessToken))).status).toBe(200); // nothing happened to it
  });

  it('GET /api/admin/users finds accounts by email or display name, newest first, a page at a time with a stable cursor', async () => {
    const tag = `find${crypto.randomUUID().slice(0, 8)}`;
    const made = [];
    for (const name of ['Ada', 'Grace', 'Alan'])
      made.push((await ctx.api.register(`${name.toLowerCase()}.${tag}@example.com`, undefined, `${name} ${tag}`)).user);
    const first = await read(ctx.api.admin.users.$get({ query: { query: tag.toUpperCase(), limit: '2' } }, as()));
    expect(first.status).toBe(200);
    expect(first.body.users.map((u: { id: string }) => u.id)).toEqual([made[2]!.id, made[1]!.id]);
    expect(first.body.users[0]).toEqual({ ...made[2], disabled: false, roles: [], lastLoginAt: null });
    // An account created between two pages moves no account across the cursor.
    await ctx.api.register(`late.${tag}@example.com`);
    const second = await read(ctx.api.admin.users.$get({ query: { query: tag, limit: '2', cursor: first.body.nextCursor! } }, as()));
    expect(second.body).toEqual({ users: [expect.objectContaining({ id: made[0]!.id })], nextCursor: null });
    const byName = await read(ctx.api.admin.users.$get({ query: { query: `grace ${tag}` } }, as()));
    expect(byName.body.users.map((u: { id: string }) => u.id)).toEqual([made[1]!.id]);
    for (const query of [{ limit: '0' }, { limit: '201' }, { limit: 'ten' }, { cursor: 'made-up' }]) {
      const bad = await read(ctx.api.admin.users.$get({ query }, as()));
      expect([JSON.stringify(query), bad.status, bad.body.code]).toEqual([JSON.stringify(query), 400, 'validation_failed']);
    }
  });

  it('GET /api/admin/users/{id} answers the account with lastLoginAt and its active sessions; 404 for an unknown id', async () => {
    const { user: registered } = await ctx.api.register();
    const before = await read(byId().$get(param(registered.id), as()));
    expect(before.body).toEqual({
      user: { ...registered, disabled: false, roles: [], lastLoginAt: null },
      sessions: [],
      mfa: { totp: false, passkeys: [], recoveryCodesLeft: 0 },
    });
    const session = await ctx.api.login(registered.email);
    const after = await read(byId().$get(param(registered.id), as()));
    expect(after.status).toBe(200);
    expect(Date.parse(after.body.user.lastLoginAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(after.body.sessions).toEqual([
      {
        id: session.sessionId,
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: expect.any(String),
        userAgent: 'scenario-test/1.0',
        ip: ctx.target.clientIp,
        amr: ['pwd'],
      },
    ]);
    for (const id of [crypto.randomUUID(), 'not-a-uuid']) {
      const missing = await read(byId().$get(param(id), as()));
      expect([missing.status, missing.body.code]).toEqual([404, 'user_not_found']);
    }
  });

  it('disable revokes every session (their tokens refused within 1 s), refuses login with 403 account_disabled and refresh with 401; enable lets it in again', async () => {
    const victim = await ctx.api.signedUp();
    const other = await ctx.api.login(victim.email);
    expect((await byId().disable.$post(param(victim.user.id), as())).status).toBe(204);
    await refusedWithin1s(victim.accessToken);
    await refusedWithin1s(other.accessToken);
    const login = await read(ctx.api.auth.login.$post({ json: { email: victim.email, password: victim.password } }));
    expect([login.status, login.body.code]).toEqual([403, 'account_disabled']);
    const wrong = await read(ctx.api.auth.login.$post({ json: { email: victim.email, password: 'not the password' } }));
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']); // the state only for the right password
    expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: other.refreshToken } })).status).toBe(401);
    const shown = await read(byId().$get(param(victim.user.id), as()));
    expect([shown.body.user.disabled, shown.body.sessions]).toEqual([true, []]);

    expect((await byId().enable.$post(param(victim.user.id), as())).status).toBe(204);
    const back = await ctx.api.login(victim.email);
    expect((await ctx.api.users.me.$get({}, bearer(back.accessToken))).status).toBe(200);
  });

  it('an admin cannot disable their own account: 409 cannot_disable_self, and their session goes on', async () => {
    const self = await read(byId().disable.$post(param(admin.user.id), as()));
    expect([self.status, self.body.code]).toEqual([409, 'cannot_disable_self']);
    expect((await ctx.api.users.me.$get({}, as())).status).toBe(200);
  });

  it('DELETE /api/admin/users/{id}/sessions revokes every session of the account (tokens refused within 1 s); it may log in again', async () => {
    const victim = await ctx.api.signedUp();
    const other = await ctx.api.login(victim.email);
    expect((await byId().sessions.$delete(param(victim.user.id), as())).status).toBe(204);
    await refusedWithin1s(victim.accessToken);
    await refusedWithin1s(other.accessToken);
    expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: other.refreshToken } })).status).toBe(401);
    await ctx.api.login(victim.email);
  });

  it('unlock clears the failed-login throttle of an account', async () => {
    const victim = await ctx.api.register();
    for (let i = 0; i < 11; i++) {
      expect((await ctx.api.auth.login.$post({ json: { email: victim.email, password: `wrong guess ${i}` } })).status).toBe(401);
    }
    expect((await ctx.api.auth.login.$post({ json: { email: victim.email, password: victim.password } })).status).toBe(429);
    expect((await byId().unlock.$post(param(victim.user.id), as())).status).toBe(204);
    await ctx.api.login(victim.email);
  });

  it('each action answers 404 for an unknown account', async () => {
    const id = crypto.randomUUID();
    const answers = await Promise.all([
      byId().disable.$post(param(id), as()),
      byId().enable.$post(param(id), as()),
      byId().sessions.$delete(param(id), as()),
      byId().unlock.$post(param(id), as()),
    ]);
    expect(answers.map((res) => res.status)).toEqual([404, 404, 404, 404]);
  });

  it('GET /api/admin/audit shows admin actions with their actor across accounts, newest first; the target sees them in its own activity', async () => {
    const victim = await ctx.api.signedUp();
    await byId().unlock.$post(param(victim.user.id), as());
    await byId().sessions.$delete(param(victim.user.id), as());
    const adminId = decodeJwt(admin.accessToken).payload.sub;
    const events = await eventually(async () => {
      const res = await read(ctx.api.admin.audit.$get({ query: { userId: victim.user.id } }, as()));
      expect(res.status).toBe(200);
      expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining(['admin.sessions_revoked', 'admin.user_unlocked', 'session.revoked', 'user.login', 'user.registered']),
      );
      return res.body.events;
    }, 2000);
    const times = events.map((e: { time: string }) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(events.find((e: { type: string }) => e.type === 'admin.user_unlocked')).toMatchObject({
      userId: victim.user.id,
      actorId: adminId,
      ip: ctx.target.clientIp,
    });
    expect(events.filter((e: { userId: string }) => e.userId !== victim.user.id)).toEqual([]);

    const byType = await read(ctx.api.admin.audit.$get({ query: { type: 'admin.user_unlocked', limit: '1' } }, as()));
    expect(byType.body.events).toEqual([expect.objectContaining({ type: 'admin.user_unlocked', userId: victim.user.id })]);
    const everyone = await read(ctx.api.admin.audit.$get({ query: {} }, as()));
    expect(everyone.body.events.length).toBeGreaterThan(0);
    expect(new Set(everyone.body.events.map((e: { userId: string }) => e.userId)).size).toBeGreaterThan(1);
    for (const query of ['type=user.renamed', 'limit=0']) {
      expect((await ctx.api.call('GET', `/api/admin/audit?${query}`, { token: admin.accessToken })).status).toBe(400);
    }

    const back = await ctx.api.login(victim.email);
    const own = await read(ctx.api.audit.me.$get({ query: {} }, bearer(back.accessToken)));
    const unlocked = own.body.events.find((e: { type: string }) => e.type === 'admin.user_unlocked');
    expect(unlocked).toEqual({ id: expect.any(String), type: 'admin.user_unlocked', time: expect.any(String) }); // not the admin's address
  });
}
