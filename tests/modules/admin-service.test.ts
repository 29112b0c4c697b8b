import { describe, expect, it } from 'vitest';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { adminApiSpec, adminErrors, createAdminService } from '../../modules/admin/mod.ts';
import { createPasswordThrottle, passwordThrottlePolicy } from '../../modules/auth/mod.ts';
import { RateLimitedError } from '../../modules/kernel/mod.ts';
import { InvalidCodeError, mfaApiSpec, mfaErrors, totpCodeAt } from '../../modules/mfa/mod.ts';
import { createSessionService, sessionApiSpec, sessionErrors } from '../../modules/session/mod.ts';
import { AccountDisabledError, createUserService, UserNotFoundError, userApiSpec, userErrors } from '../../modules/user/mod.ts';
import { lifecycleDeps, memoryMfaService, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

const password = 'a sturdy passphrase 42';

// The admin service and its collaborators run in-process, or each behind its own HTTP routes.
describe.each(runners)('admin service ($name)', ({ wrap }) => {
  function setup({ policy = passwordThrottlePolicy } = {}) {
    const { outbox, written } = observedOutbox();
    const throttle = createPasswordThrottle({ store: createMemoryPasswordAttemptStore({ policy }) });
    const users = wrap(
      createUserService({
        users: createMemoryUserRepository({ outbox }),
        hasher: createMemoryPasswordHasher(),
        ...lifecycleDeps(),
        commonPasswords: createCommonPasswordList(),
        throttle,
      }),
      { module: 'user', spec: userApiSpec, errors: userErrors },
    );
    const sessions = wrap(
      createSessionService({
        sessions: createMemorySessionRepository({ outbox }),
        refreshTtlSeconds: 3600,
        maxAgeSeconds: 86_400,
        reuseGraceSeconds: 0,
      }),
      { module: 'session', spec: sessionApiSpec, errors: sessionErrors },
    );
    const mfa = wrap(memoryMfaService({ userApi: users, outbox, throttle }), { module: 'mfa', spec: mfaApiSpec, errors: mfaErrors });
    const admin = wrap(createAdminService({ users, sessions, mfa, outbox }), { module: 'admin', spec: adminApiSpec, errors: adminErrors });
    return { admin, users, sessions, mfa, written };
  }
  const actorId = crypto.randomUUID();
  const meta = { ip: '203.0.113.9', userAgent: 'admin-console' };

  it('getUser() answers the account with its active sessions and second factors, and null for an unknown one', async () => {
    const { admin, users, sessions } = setup();
    const user = await users.register({ email: 'ada@example.com', password, displayName: 'Ada' });
    const { userId: _, ...session } = (await sessions.create({ userId: user.id, amr: ['pwd', 'otp'], meta: { userAgent: 'phone' } }))
      .session;
    expect(await admin.getUser(user.id)).toEqual({
      user: { ...user, roles: [], disabled: false, lastLoginAt: null },
      sessions: [session],
      mfa: { totp: false, passkeys: [], recoveryCodesLeft: 0 },
    });
    expect(await admin.getUser(crypto.randomUUID())).toBeNull();
  });

  it('disableUser() disables the account, revokes every session of it and records admin.user_disabled with its actor', async () => {
    const { admin, users, sessions, written } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    for (let i = 0; i < 2; i++) await sessions.create({ userId: user.id });
    await admin.disableUser({ actorId, userId: user.id, meta });
    expect(await sessions.listActive(user.id)).toEqual([]);
    await expect(users.verifyCredentials({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(AccountDisabledError);
    const events = await written();
    expect(events.filter((e) => e.type === 'session.revoked').map((e) => e.data.reason)).toEqual(['user_disabled', 'user_disabled']);
    expect(events.find((e) => e.type === 'admin.user_disabled')).toMatchObject({
      subject: user.id,
      data: { userId: user.id, actorId, ...meta },
    });

    await admin.enableUser({ actorId, userId: user.id });
    expect(await users.verifyCredentials({ email: 'ada@example.com', password })).toMatchObject({ ok: true });
    expect((await written()).map((e) => e.type)).toContain('admin.user_enabled');
  });

  it("disableUser() refuses the admin's own account (cannot_disable_self) and changes nothing", async () => {
    const { admin, users, sessions, written } = setup();
    const self = await users.register({ email: 'root@example.com', password });
    await sessions.create({ userId: self.id });
    await expect(admin.disableUser({ actorId: self.id, userId: self.id, meta })).rejects.toMatchObject({ code: 'cannot_disable_self' });
    expect(await sessions.listActive(self.id)).toHaveLength(1);
    expect(await users.verifyCredentials({ email: 'root@example.com', password })).toMatchObject({ ok: true });
    expect((await written()).map((e) => e.type)).not.toContain('admin.user_disabled');
  });

  it('revokeSessions() ends every session and records how many; unlockUser() clears the throttle; both record their actor', async () => {
    const { admin, users, sessions, written } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    for (let i = 0; i < 3; i++) await sessions.create({ userId: user.id });
    expect(await admin.revokeSessions({ actorId, userId: user.id })).toEqual({ revoked: 3 });
    expect(await sessions.listActive(user.id)).toEqual([]);

    for (let i = 0; i < 11; i++) await users.verifyCredentials({ email: 'ada@example.com', password: `wrong ${i}` });
    await expect(users.verifyCredentials({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(RateLimitedError);
    await admin.unlockUser({ actorId, userId: user.id });
    expect(await users.verifyCredentials({ email: 'ada@example.com', password })).toMatchObject({ ok: true });

    const recorded = (await written()).filter((e) => e.type.startsWith('admin.'));
    expect(recorded.map((e) => [e.type, e.data.actorId])).toEqual([
      ['admin.sessions_revoked', actorId],
      ['admin.user_unlocked', actorId],
    ]);
    expect(recorded[0]!.data.revoked).toBe(3);
  });

  it('resetMfa() removes every second factor and the failed codes, and records admin.mfa_reset with its actor', async () => {
    // Three failures lock an account out for an hour: both the password record and the codes' own.
    const { admin, users, mfa, written } = setup({ policy: { ...passwordThrottlePolicy, freeFailures: 1, lockoutFailures: 3 } });
    const user = await users.register({ email: 'ada@example.com', password });
    // Each enrolment confirms with a code of a newer step (±1 step is accepted): a step is used once.
    const enrol = async (stepsAhead: number) => {
      const { secret } = await mfa.startTotp({ userId: user.id, password });
      const code = totpCodeAt(secret, new Date(Date.now() + stepsAhead * 30_000));
      await mfa.confirmTotp({ userId: user.id, sessionId: crypto.randomUUID(), code });
    };
    await enrol(0);
    for (let i = 0; i < 3; i++) {
      await expect(mfa.verifyTotp({ userId: user.id, code: 'nope' })).rejects.toBeInstanceOf(i === 0 ? InvalidCodeError : Error);
    }
    expect((await admin.getUser(user.id))?.mfa).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });

    await admin.unlockUser({ actorId, userId: user.id }); // the password's record only: codes stay locked out
    await expect(mfa.verifyTotp({ userId: user.id, code: '000000' })).rejects.toBeInstanceOf(RateLimitedError);
    await admin.resetMfa({ actorId, userId: user.id, meta });
    expect((await admin.getUser(user.id))?.mfa).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    expect(await mfa.methodsOf(user.id)).toEqual([]);
    expect((await written()).find((e) => e.type === 'admin.mfa_reset')).toMatchObject({
      subject: user.id,
      data: { userId: user.id, actorId, ...meta },
    });
    await enrol(1); // its owner enrols again, the old failures forgotten
  });

  it('every action on an unknown account throws UserNotFoundError and records nothing', async () => {
    const { admin, written } = setup();
    const target = { actorId, userId: crypto.randomUUID() };
    for (const act of [admin.disableUser, admin.enableUser, admin.revokeSessions, admin.unlockUser, admin.resetMfa]) {
      await expect(act(target)).rejects.toBeInstanceOf(UserNotFoundError);
    }
    expect((await written()).filter((e) => e.type.startsWith('admin.'))).toEqual([]);
  });

  it('searchUsers() passes on the user module’s search', async () => {
    const { admin, users } = setup();
    const user = await users.register({ email: 'grace@example.com', password, displayName: 'Grace Hopper' });
    expect(await admin.searchUsers({ query: 'HOPPER' })).toEqual({
      users: [{ ...user, roles: [], disabled: false, lastLoginAt: null }],
      nextCursor: null,
    });
  });
});
