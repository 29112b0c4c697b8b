import { describe, expect, it } from 'vitest';
import { createArgon2PasswordHasher } from '../../adapters/argon2/password-hasher.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createPasswordThrottle, passwordThrottlePolicy } from '../../modules/auth/mod.ts';
import { RateLimitedError, UnavailableError, ValidationError, type Clock } from '../../modules/kernel/mod.ts';
import {
  AccountDisabledError,
  createUserService,
  EmailTakenError,
  InvalidCredentialsError,
  PasswordTooCommonError,
  UserNotFoundError,
  userApiSpec,
  userErrors,
  type PasswordHasher,
} from '../../modules/user/mod.ts';
import { lifecycleDeps, manualClock, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

const password = 'a sturdy passphrase 42';

describe.each(runners)('user service ($name)', ({ wrap }) => {
  function setup(hasher: PasswordHasher = createMemoryPasswordHasher(), adminEmails: string[] = [], clock?: Clock) {
    const { outbox, written } = observedOutbox();
    const repo = createMemoryUserRepository({ outbox });
    const throttle = createPasswordThrottle({ store: createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy }) });
    const service = createUserService({
      users: repo,
      hasher,
      commonPasswords: createCommonPasswordList(),
      throttle,
      adminEmails,
      clock,
      ...lifecycleDeps(outbox),
    });
    return { users: wrap(service, { module: 'user', spec: userApiSpec, errors: userErrors }), repo, written };
  }

  it('recordLogin() sets lastLoginAt and grants admin once to an ADMIN_EMAILS account, with a user.roles_changed event', async () => {
    const { users, written } = setup(undefined, ['boss@example.com']);
    const boss = await users.register({ email: 'BOSS@example.com', password });
    const other = await users.register({ email: 'other@example.com', password });
    const account = await users.recordLogin(boss.id);
    expect(account).toEqual({ ...boss, roles: ['admin'], disabled: false, lastLoginAt: expect.any(String) });
    expect((await users.recordLogin(boss.id))?.roles).toEqual(['admin']);
    expect((await users.recordLogin(other.id))?.roles).toEqual([]);
    expect((await written()).filter((e) => e.type === 'user.roles_changed')).toHaveLength(1);
    expect(await users.recordLogin(crypto.randomUUID())).toBeNull();
  });

  it('setDisabled() disables and enables; a disabled account’s right password is account_disabled', async () => {
    const { users } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    expect(await users.setDisabled({ userId: user.id, disabled: true })).toMatchObject({ id: user.id, disabled: true });
    await expect(users.verifyCredentials({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(AccountDisabledError);
    expect(await users.verifyCredentials({ email: 'ada@example.com', password: 'wrong' })).toEqual({ ok: false, userId: user.id });
    expect((await users.getAccount(user.id))?.disabled).toBe(true);
    await users.setDisabled({ userId: user.id, disabled: false });
    expect(await users.verifyCredentials({ email: 'ada@example.com', password })).toMatchObject({ ok: true });
    await expect(users.setDisabled({ userId: crypto.randomUUID(), disabled: true })).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('unlock() clears a throttled account, so the right password passes again', async () => {
    const { users } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    for (let i = 0; i < 11; i++) await users.verifyCredentials({ email: 'ada@example.com', password: `wrong ${i}` });
    await expect(users.verifyCredentials({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(RateLimitedError);
    await users.unlock(user.id);
    expect(await users.verifyCredentials({ email: 'ada@example.com', password })).toMatchObject({ ok: true });
    await expect(users.unlock(crypto.randomUUID())).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('searchAccounts() pages newest first with a cursor, matches email or display name, and refuses a made-up cursor', async () => {
    const clock = manualClock();
    const { users } = setup(undefined, [], clock);
    const made = [];
    for (const [i, name] of ['Ada', 'Grace', 'Alan'].entries()) {
      clock.advance(1000);
      made.push(await users.register({ email: `${name.toLowerCase()}${i}@example.com`, password, displayName: `${name} L.` }));
    }
    const first = await users.searchAccounts({ limit: 2 });
    expect(first.users.map((u) => u.email)).toEqual([made[2]!.email, made[1]!.email]);
    expect(first.users[0]).toEqual({ ...made[2], roles: [], disabled: false, lastLoginAt: null });
    const second = await users.searchAccounts({ limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ users: [expect.objectContaining({ id: made[0]!.id })], nextCursor: null });
    expect((await users.searchAccounts({ query: ' GRACE ' })).users.map((u) => u.id)).toEqual([made[1]!.id]);
    expect((await users.searchAccounts({ query: 'a l.' })).users.map((u) => u.id)).toEqual([made[0]!.id]);
    await expect(users.searchAccounts({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    await expect(users.searchAccounts({ cursor: btoa('["yesterday","x"]') })).rejects.toBeInstanceOf(ValidationError);
    await expect(users.searchAccounts({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("register() stores the hasher's hash, never the password, and emits user.registered", async () => {
    const hashes: string[] = [];
    const real = createMemoryPasswordHasher();
    const { users, repo, written } = setup({
      hash: async (p) => {
        const h = await real.hash(p);
        hashes.push(h);
        return h;
      },
      verify: real.verify,
    });
    const user = await users.register({ email: ' Ada@Example.com ', password });
    expect(user.email).toBe('Ada@Example.com');
    expect(hashes).toContain((await repo.findById(user.id))?.passwordHash);
    const events = await written();
    expect(events.map((e) => [e.type, e.subject])).toEqual([['user.registered', user.id]]);
    expect(JSON.stringify(events)).not.toContain(password);
  });

  it('register() refuses a taken email in any case, a common password and a bad email', async () => {
    const { users } = setup();
    await users.register({ email: 'ada@example.com', password });
    await expect(users.register({ email: 'ADA@example.com', password })).rejects.toBeInstanceOf(EmailTakenError);
    await expect(users.register({ email: 'bob@example.com', password: 'Password1234' })).rejects.toBeInstanceOf(PasswordTooCommonError);
    await expect(users.register({ email: 'nope', password })).rejects.toBeInstanceOf(ValidationError);
  });

  it('verifyCredentials() matches email case-insensitively and says only ok or not', async () => {
    const { users } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    expect(await users.verifyCredentials({ email: 'ADA@example.com ', password })).toEqual({ ok: true, user });
    expect(await users.verifyCredentials({ email: 'ada@example.com', password: 'wrong' })).toEqual({ ok: false, userId: user.id });
    expect(await users.verifyCredentials({ email: 'who@example.com', password })).toEqual({ ok: false, userId: null });
  });

  it('verifyCredentials() runs as many password verifications for an unknown email as for a known one', async () => {
    const real = createMemoryPasswordHasher();
    let verifications = 0;
    const { users } = setup({
      hash: real.hash,
      verify: async (h, p) => {
        verifications++;
        return real.verify(h, p);
      },
    });
    await users.register({ email: 'ada@example.com', password });
    await users.verifyCredentials({ email: 'ada@example.com', password: 'wrong password' });
    const forKnown = verifications;
    await users.verifyCredentials({ email: 'who@example.com', password });
    expect(forKnown).toBeGreaterThan(0);
    expect(verifications - forKnown).toBe(forKnown);
  });

  it('changePassword() needs the current password and emits user.password_changed with the kept session', async () => {
    const { users, written } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    await expect(
      users.changePassword({ userId: user.id, sessionId: 's1', currentPassword: 'wrong', newPassword: 'another passphrase' }),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
    await users.changePassword({ userId: user.id, sessionId: 's1', currentPassword: password, newPassword: 'another passphrase' });
    expect((await users.verifyCredentials({ email: 'ada@example.com', password: 'another passphrase' })).ok).toBe(true);
    const changed = (await written()).find((e) => e.type === 'user.password_changed');
    expect(changed?.data).toMatchObject({ userId: user.id, sessionId: 's1' });
  });

  it('deleteAccount() needs the password, removes the account and frees the email', async () => {
    const { users, written } = setup();
    const user = await users.register({ email: 'ada@example.com', password });
    await expect(users.deleteAccount({ userId: user.id, password: 'wrong' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await users.deleteAccount({ userId: user.id, password });
    expect(await users.getById(user.id)).toBeNull();
    expect((await written()).map((e) => e.type)).toContain('user.deleted');
    await users.register({ email: 'ada@example.com', password });
  });
});

// In-process only: over HTTP the port client retries a refused idempotent call, which then may pass.
// Real argon2: its hashes take long enough to hold the slots while the refused calls get there.
describe('user service under hashing overload', () => {
  it('verifyCredentials() is refused alike for a known and an unknown email while hashing is overloaded', async () => {
    const hasher = createArgon2PasswordHasher({ admission: { concurrency: 1, queue: 1 } });
    const users = createUserService({
      users: createMemoryUserRepository({ outbox: observedOutbox().outbox }),
      hasher,
      commonPasswords: createCommonPasswordList(),
      ...lifecycleDeps(),
    });
    await users.register({ email: 'ada@example.com', password });
    const busy = [hasher.hash('takes the running slot'), hasher.hash('takes the waiting slot')];
    const refusal = (email: string) =>
      users.verifyCredentials({ email, password }).then(
        () => null,
        (error: unknown) => error,
      );
    const [known, unknown] = await Promise.all([refusal('ada@example.com'), refusal('who@example.com')]);
    await Promise.all(busy);
    expect(known).toBeInstanceOf(UnavailableError);
    expect(unknown).toBeInstanceOf(UnavailableError);
    expect((unknown as Error).message).toBe((known as Error).message);
  });
});
