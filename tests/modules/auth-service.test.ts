import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import type { MemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../../adapters/memory/signing-key-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { authApiSpec, authErrors, createAuthService } from '../../modules/auth/mod.ts';
import { UnauthenticatedError, UnavailableError, type Clock } from '../../modules/kernel/mod.ts';
import { createSessionService, InvalidRefreshTokenError, sessionApiSpec, sessionErrors } from '../../modules/session/mod.ts';
import { AccountDisabledError, createUserService, InvalidCredentialsError, userApiSpec, userErrors } from '../../modules/user/mod.ts';
import { lifecycleDeps, manualClock, observedOutbox, passwordAuth, passwordOnly, secondFactorsFor } from './fixtures.ts';
import { runners } from './runners.ts';

const tokens = { issuer: 'test-issuer', audience: 'test-audience', accessTokenTtlSeconds: 900 };
const password = 'a sturdy passphrase 42';

// The auth service and both of its collaborators run in-process, or each behind its own HTTP routes.
describe.each(runners)('auth service ($name)', ({ wrap }) => {
  /** The session module on a memory repository, reached through this runner. */
  const sessionApiOver = (outbox: MemoryOutbox, { maxAgeSeconds = 86_400, clock }: { maxAgeSeconds?: number; clock?: Clock } = {}) =>
    wrap(
      createSessionService({
        sessions: createMemorySessionRepository({ outbox }),
        refreshTtlSeconds: 3600,
        maxAgeSeconds,
        reuseGraceSeconds: 0,
        clock,
      }),
      { module: 'session', spec: sessionApiSpec, errors: sessionErrors },
    );

  function setup({ maxAgeSeconds = 86_400, clock, adminEmails }: { maxAgeSeconds?: number; clock?: Clock; adminEmails?: string[] } = {}) {
    const { outbox, written } = observedOutbox();
    const users = wrap(
      createUserService({
        users: createMemoryUserRepository({ outbox }),
        hasher: createMemoryPasswordHasher(),
        commonPasswords: createCommonPasswordList(),
        ...lifecycleDeps(),
        adminEmails,
        clock,
      }),
      { module: 'user', spec: userApiSpec, errors: userErrors },
    );
    const sessions = sessionApiOver(outbox, { maxAgeSeconds, clock });
    const keys = createMemorySigningKeyRepository();
    const auth = passwordOnly(
      wrap(createAuthService({ ...secondFactorsFor(users, clock), userApi: users, sessionApi: sessions, keys, outbox, tokens, clock }), {
        module: 'auth',
        spec: authApiSpec,
        errors: authErrors,
      }),
    );
    return { auth, users, sessions, keys, written };
  }

  it('login() issues an EdDSA at+jwt that verifies against the JWKS with the required claims', async () => {
    const { auth } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password, meta: { ip: '198.51.100.1' } });
    const { payload, protectedHeader } = await jwtVerify(res.accessToken, createLocalJWKSet(await auth.jwks()), {
      algorithms: ['EdDSA'],
      issuer: tokens.issuer,
      audience: tokens.audience,
      typ: 'at+jwt',
    });
    expect(protectedHeader.kid).toBe((await auth.jwks()).keys[0]!.kid);
    expect(payload).toMatchObject({ sub: user.id, sid: res.sessionId });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(res.expiresIn).toBeGreaterThanOrEqual(898);
    expect(res).toMatchObject({ tokenType: 'Bearer', expiresIn: expect.any(Number), user });
  });

  it('login() signs `roles` (admin from ADMIN_EMAILS, granted once) and `amr: ["pwd"]`; refresh() keeps amr and reads roles again', async () => {
    const { auth, users, written } = setup({ adminEmails: ['boss@example.com'] });
    const verifier = async (token: string) => (await jwtVerify(token, createLocalJWKSet(await auth.jwks()))).payload;
    const boss = await auth.register({ email: 'Boss@Example.com', password });
    await auth.register({ email: 'ada@example.com', password });
    const first = await auth.login({ email: 'boss@example.com', password });
    expect(await verifier(first.accessToken)).toMatchObject({ roles: ['admin'], amr: ['pwd'] });
    expect(first.user).toEqual(boss); // the public view, without roles
    await auth.login({ email: 'boss@example.com', password });
    const grants = (await written()).filter((e) => e.type === 'user.roles_changed');
    expect(grants.map((e) => e.data)).toEqual([
      { userId: boss.id, role: 'admin', granted: true, roles: ['admin'], source: 'admin_emails' },
    ]);
    expect((await users.getAccount(boss.id))?.lastLoginAt).toEqual(expect.any(String));

    const ada = await auth.login({ email: 'ada@example.com', password });
    expect(await verifier(ada.accessToken)).toMatchObject({ roles: [], amr: ['pwd'] });
    const refreshed = await auth.refresh({ refreshToken: first.refreshToken });
    expect(await verifier(refreshed.accessToken)).toMatchObject({ roles: ['admin'], amr: ['pwd'] });
  });

  it('refresh() signs the amr its session was made with (a second factor stays named)', async () => {
    const { auth, sessions } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    const issued = await sessions.create({ userId: user.id, amr: ['pwd', 'otp'] });
    const res = await auth.refresh({ refreshToken: issued.refreshToken });
    const { payload } = await jwtVerify(res.accessToken, createLocalJWKSet(await auth.jwks()));
    expect(payload.amr).toEqual(['pwd', 'otp']);
  });

  it('login() of a disabled account answers account_disabled for the right password only, each a user.login_failed', async () => {
    const { auth, users, written } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    await users.setDisabled({ userId: user.id, disabled: true });
    await expect(auth.login({ email: 'ada@example.com', password: 'wrong' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(AccountDisabledError);
    const failures = (await written()).filter((e) => e.type === 'user.login_failed');
    expect(failures.map((e) => e.data.userId)).toEqual([user.id, user.id]);
    await users.setDisabled({ userId: user.id, disabled: false });
    await auth.login({ email: 'ada@example.com', password });
  });

  it('login() of an account disabled while it ran answers account_disabled and leaves no live session', async () => {
    const { outbox, written } = observedOutbox();
    const userService = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createMemoryPasswordHasher(),
      ...lifecycleDeps(),
      commonPasswords: createCommonPasswordList(),
    });
    const sessions = sessionApiOver(outbox);
    const disabledMeanwhile = wrap(
      {
        ...userService,
        async recordLogin(userId: string) {
          await userService.setDisabled({ userId, disabled: true });
          return userService.recordLogin(userId);
        },
      },
      { module: 'user', spec: userApiSpec, errors: userErrors },
    );
    const auth = passwordAuth({
      userApi: disabledMeanwhile,
      sessionApi: sessions,
      keys: createMemorySigningKeyRepository(),
      outbox,
      tokens,
    });
    const user = await userService.register({ email: 'ada@example.com', password });
    await expect(auth.login({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(AccountDisabledError);
    expect(await sessions.listActive(user.id)).toEqual([]);
    expect((await written()).map((e) => e.type)).not.toContain('user.login');
  });

  it('refresh() of a disabled account answers 401 without spending the token', async () => {
    const { auth, users } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password });
    await users.setDisabled({ userId: user.id, disabled: true });
    await expect(auth.refresh({ refreshToken: res.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await users.setDisabled({ userId: user.id, disabled: false });
    expect((await auth.refresh({ refreshToken: res.refreshToken })).sessionId).toBe(res.sessionId);
  });

  it('refresh() near the session’s absolute end issues an access token that expires with the session, and says so', async () => {
    const clock = manualClock();
    const { auth } = setup({ maxAgeSeconds: 3600, clock });
    await auth.register({ email: 'ada@example.com', password });
    const login = await auth.login({ email: 'ada@example.com', password });
    const sessionEnd = clock.now().getTime() / 1000 + 3600;
    clock.advance(3300_000); // 300 s left of the session, less than one access-token lifetime
    const res = await auth.refresh({ refreshToken: login.refreshToken });
    const { payload } = await jwtVerify(res.accessToken, createLocalJWKSet(await auth.jwks()), { currentDate: clock.now() });
    expect(payload.exp).toBe(sessionEnd);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(res.expiresIn).toBe(300);
  });

  it.each([
    ['before the session existed', false],
    ['after the session existed, revoking it', true],
  ])(
    'login() of an account deleted while it ran (its revocation ran %s) answers 401, leaving no live session or user.login event',
    async (_, revokedMeanwhile) => {
      const { outbox, written } = observedOutbox();
      const userService = createUserService({
        users: createMemoryUserRepository({ outbox }),
        hasher: createMemoryPasswordHasher(),
        commonPasswords: createCommonPasswordList(),
        ...lifecycleDeps(),
      });
      const sessions = sessionApiOver(outbox);
      // The deletion commits after the password check passed.
      const deletedMeanwhile = wrap(
        {
          ...userService,
          async recordLogin(userId: string) {
            if (revokedMeanwhile) await sessions.revokeAll({ userId, reason: 'user_deleted' });
            return null;
          },
        },
        { module: 'user', spec: userApiSpec, errors: userErrors },
      );
      const auth = passwordAuth({
        userApi: deletedMeanwhile,
        sessionApi: sessions,
        keys: createMemorySigningKeyRepository(),
        outbox,
        tokens,
      });
      const user = await userService.register({ email: 'ada@example.com', password });

      await expect(auth.login({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(InvalidCredentialsError);
      expect(await sessions.listActive(user.id)).toEqual([]);
      expect((await written()).map((e) => e.type)).not.toContain('user.login');
    },
  );

  it('login() emits user.login on success and user.login_failed on failure', async () => {
    const { auth, written } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    await expect(auth.login({ email: 'ada@example.com', password: 'wrong' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login({ email: 'nobody@example.com', password })).rejects.toBeInstanceOf(InvalidCredentialsError);
    const res = await auth.login({ email: 'ada@example.com', password });
    const events = (await written()).filter((e) => e.source === 'auth');
    expect(events.map((e) => [e.type, e.subject ?? null])).toEqual([
      ['user.login_failed', user.id],
      ['user.login_failed', null],
      ['user.login', user.id],
    ]);
    expect(events[2]!.data.sessionId).toBe(res.sessionId);
  });

  it('refresh() of a reused token emits session.refresh_reuse_detected but answers like any invalid token', async () => {
    const { auth, written } = setup();
    await auth.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password });
    await auth.refresh({ refreshToken: res.refreshToken });
    await expect(auth.refresh({ refreshToken: res.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    const reuse = (await written()).find((e) => e.type === 'session.refresh_reuse_detected');
    expect(reuse?.data.sessionId).toBe(res.sessionId);
  });

  it('refresh() that fails for want of the user module leaves the refresh token good for a retry', async () => {
    const { outbox } = observedOutbox();
    const userService = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createMemoryPasswordHasher(),
      commonPasswords: createCommonPasswordList(),
      ...lifecycleDeps(),
    });
    let userModuleDown = false;
    const users = wrap(
      {
        ...userService,
        async getAccount(userId: string) {
          if (userModuleDown) throw new UnavailableError('The user module is unavailable.');
          return userService.getAccount(userId);
        },
      },
      { module: 'user', spec: userApiSpec, errors: userErrors },
    );
    const sessions = sessionApiOver(outbox);
    const auth = passwordAuth({ userApi: users, sessionApi: sessions, keys: createMemorySigningKeyRepository(), outbox, tokens });
    await userService.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password });

    userModuleDown = true;
    await expect(auth.refresh({ refreshToken: res.refreshToken })).rejects.toBeInstanceOf(UnavailableError);
    userModuleDown = false;
    const retried = await auth.refresh({ refreshToken: res.refreshToken }); // not reuse: the token was never spent
    expect(retried.sessionId).toBe(res.sessionId);
    expect(await sessions.get(res.sessionId)).not.toBeNull();
  });

  it('refresh() in a process that cannot load its signing key yet leaves the refresh token good for a retry', async () => {
    const { outbox } = observedOutbox();
    const userService = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createMemoryPasswordHasher(),
      commonPasswords: createCommonPasswordList(),
      ...lifecycleDeps(),
    });
    const users = wrap(userService, { module: 'user', spec: userApiSpec, errors: userErrors });
    const sessions = sessionApiOver(outbox);
    const keys = createMemorySigningKeyRepository();
    const first = passwordAuth({ userApi: users, sessionApi: sessions, keys, outbox, tokens });
    await userService.register({ email: 'ada@example.com', password });
    const res = await first.login({ email: 'ada@example.com', password });

    // A second auth process, started while the key store does not answer.
    let keysDown = true;
    const flakyKeys = {
      ...keys,
      list: async () => (keysDown ? Promise.reject(new UnavailableError('The database is unavailable.')) : keys.list()),
    };
    const second = passwordAuth({ userApi: users, sessionApi: sessions, keys: flakyKeys, outbox, tokens });
    await expect(second.refresh({ refreshToken: res.refreshToken })).rejects.toBeInstanceOf(UnavailableError);
    keysDown = false;
    expect((await second.refresh({ refreshToken: res.refreshToken })).sessionId).toBe(res.sessionId);
  });

  it('logout() whose event store is down answers unavailable with the session still live, and the retry logs out', async () => {
    const { outbox, written } = observedOutbox();
    let outboxDown = false;
    const failingOutbox = {
      ...outbox,
      append: async (events: Parameters<typeof outbox.append>[0]) => {
        if (outboxDown) throw new UnavailableError('The database is unavailable.');
        return outbox.append(events);
      },
    };
    const userService = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createMemoryPasswordHasher(),
      commonPasswords: createCommonPasswordList(),
      ...lifecycleDeps(),
    });
    const users = wrap(userService, { module: 'user', spec: userApiSpec, errors: userErrors });
    const sessions = sessionApiOver(outbox);
    const auth = passwordAuth({
      userApi: users,
      sessionApi: sessions,
      keys: createMemorySigningKeyRepository(),
      outbox: failingOutbox,
      tokens,
    });
    const user = await userService.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password });

    outboxDown = true;
    await expect(auth.logout({ userId: user.id, sessionId: res.sessionId })).rejects.toBeInstanceOf(UnavailableError);
    expect(await sessions.get(res.sessionId)).not.toBeNull();
    outboxDown = false;
    await auth.logout({ userId: user.id, sessionId: res.sessionId });
    expect(await sessions.get(res.sessionId)).toBeNull();
    expect((await written()).filter((e) => e.type === 'user.logout')).toHaveLength(1);
  });

  it('logout() ends the session once; a second logout is unauthenticated', async () => {
    const { auth, sessions } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password });
    await auth.logout({ userId: user.id, sessionId: res.sessionId });
    expect(await sessions.get(res.sessionId)).toBeNull();
    await expect(auth.logout({ userId: user.id, sessionId: res.sessionId })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('logout() sent twice at once ends the session and answers both (the first to revoke, the other finding it ended)', async () => {
    const { auth, sessions } = setup();
    const user = await auth.register({ email: 'ada@example.com', password });
    const res = await auth.login({ email: 'ada@example.com', password });
    await Promise.all([
      auth.logout({ userId: user.id, sessionId: res.sessionId }),
      auth.logout({ userId: user.id, sessionId: res.sessionId }),
    ]);
    expect(await sessions.get(res.sessionId)).toBeNull();
  });

  it('jwks() is never empty: the first call creates and stores the signing key', async () => {
    const { auth, keys } = setup();
    const { keys: published } = await auth.jwks();
    expect(published).toHaveLength(1);
    expect((await keys.list()).map((k) => k.kid)).toEqual([published[0]!.kid]);
  });

  it('creates one signing key on first use and keeps using it', async () => {
    const { auth, keys } = setup();
    await auth.register({ email: 'ada@example.com', password });
    await Promise.all([auth.login({ email: 'ada@example.com', password }), auth.login({ email: 'ada@example.com', password })]);
    expect(await keys.list()).toHaveLength(1);
    expect((await auth.jwks()).keys[0]).not.toHaveProperty('d');
  });
});
