import { describe, expect, it } from 'vitest';
import { createArgon2PasswordHasher } from '../../adapters/argon2/password-hasher.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { UnavailableError, ValidationError } from '../../modules/kernel/mod.ts';
import {
  createUserService,
  EmailTakenError,
  InvalidCredentialsError,
  PasswordTooCommonError,
  userApiSpec,
  userErrors,
  type PasswordHasher,
} from '../../modules/user/mod.ts';
import { lifecycleDeps, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

const password = 'a sturdy passphrase 42';

describe.each(runners)('user service ($name)', ({ wrap }) => {
  function setup(hasher: PasswordHasher = createMemoryPasswordHasher()) {
    const { outbox, written } = observedOutbox();
    const repo = createMemoryUserRepository({ outbox });
    const service = createUserService({ users: repo, hasher, commonPasswords: createCommonPasswordList(), ...lifecycleDeps(outbox) });
    return { users: wrap(service, { module: 'user', spec: userApiSpec, errors: userErrors }), repo, written };
  }

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
