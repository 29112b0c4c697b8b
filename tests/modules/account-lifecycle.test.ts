import { describe, expect, it } from 'vitest';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { createPasswordThrottle, passwordThrottlePolicy } from '../../modules/auth/mod.ts';
import { eventFactory, RateLimitedError, UnavailableError } from '../../modules/kernel/mod.ts';
import {
  createUserService,
  EmailTakenError,
  InvalidCredentialsError,
  InvalidTokenError,
  PasswordTooCommonError,
  userApiSpec,
  userErrors,
  userEvents,
  userHandlers,
} from '../../modules/user/mod.ts';
import { lifecycleDeps, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

const password = 'a sturdy passphrase 42';
const userEvent = eventFactory('user', userEvents);

describe.each(runners)('account lifecycle in the user service ($name)', ({ wrap }) => {
  function setup() {
    const { outbox, written } = observedOutbox();
    const hasher = createMemoryPasswordHasher();
    // Set to make the next hashes refuse as an overloaded hash admission does.
    const refuseHashes = { count: 0, hashed: 0 };
    const throttle = createPasswordThrottle({ store: createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy }) });
    const deps = {
      users: createMemoryUserRepository({ outbox }),
      hasher: {
        ...hasher,
        async hash(plain: string) {
          refuseHashes.hashed++;
          if (refuseHashes.count > 0 && refuseHashes.count--) throw new UnavailableError('busy', { retryAfterSeconds: 1 });
          return hasher.hash(plain);
        },
      },
      commonPasswords: createCommonPasswordList(),
      throttle,
      ...lifecycleDeps(outbox),
    };
    const users = wrap(createUserService(deps), { module: 'user', spec: userApiSpec, errors: userErrors });
    const account = (email = `ada-${crypto.randomUUID().slice(0, 8)}@example.com`) => users.register({ email, password });
    return { users, account, written, throttle, refuseHashes, handlers: userHandlers(deps) };
  }

  it('issueAccountToken() returns a 43-character token and its address; a newer one voids the older', async () => {
    const { users, account } = setup();
    const user = await account();
    const first = await users.issueAccountToken({ userId: user.id, kind: 'email_verification' });
    const second = await users.issueAccountToken({ userId: user.id, kind: 'email_verification' });
    expect(first).toEqual({ token: expect.stringMatching(/^[\w-]{43}$/), to: user.email, expiresAt: expect.any(String) });
    await expect(users.verifyEmail({ token: first!.token })).rejects.toBeInstanceOf(InvalidTokenError);
    await users.verifyEmail({ token: second!.token });
    expect((await users.getById(user.id))?.emailVerified).toBe(true);
    expect(await users.issueAccountToken({ userId: user.id, kind: 'email_verification' })).toBeNull(); // verified: nothing to mail
    expect(await users.issueAccountToken({ userId: crypto.randomUUID(), kind: 'password_reset' })).toBeNull();
  });

  it('a token of one kind does nothing as another, and any other text is an invalid token', async () => {
    const { users, account } = setup();
    const user = await account();
    const verification = await users.issueAccountToken({ userId: user.id, kind: 'email_verification' });
    await expect(users.resetPassword({ token: verification!.token, newPassword: 'another passphrase' })).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
    await expect(users.confirmEmailChange({ token: verification!.token })).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(users.verifyEmail({ token: 'x'.repeat(43) })).rejects.toBeInstanceOf(InvalidTokenError);
    await users.verifyEmail({ token: verification!.token });
  });

  it('requestEmailVerification() emits the request once a minute per account, then RateLimitedError', async () => {
    const { users, account, written } = setup();
    const [ada, bob] = [await account(), await account()];
    await users.requestEmailVerification({ userId: ada.id });
    await expect(users.requestEmailVerification({ userId: ada.id })).rejects.toBeInstanceOf(RateLimitedError);
    await users.requestEmailVerification({ userId: bob.id });
    const requests = (await written()).filter((e) => e.type === 'user.email_verification_requested').map((e) => e.subject);
    expect(requests).toEqual([ada.id, bob.id]);
  });

  it('forgotPassword() writes the same one event for a known and an unknown address, naming no account', async () => {
    const { users, account, written } = setup();
    const user = await account();
    await written();
    await users.forgotPassword({ email: user.email });
    await users.forgotPassword({ email: 'nobody@example.com' });
    const events = await written();
    expect(events.map((e) => [e.type, e.subject, Object.keys(e.data).sort()])).toEqual([
      ['user.password_forgotten', undefined, ['email']],
      ['user.password_forgotten', undefined, ['email']],
    ]);
  });

  it('the user module resolves a forgotten password to its account, at most once a minute, and ignores unknown addresses', async () => {
    const { account, written, handlers } = setup();
    const user = await account();
    await written();
    await handlers.handle(userEvent('user.password_forgotten', { email: user.email.toUpperCase(), ip: '192.0.2.1' }));
    await handlers.handle(userEvent('user.password_forgotten', { email: user.email }));
    await handlers.handle(userEvent('user.password_forgotten', { email: 'nobody@example.com' }));
    const events = await written();
    expect(events.map((e) => [e.type, e.data])).toEqual([['user.password_reset_requested', { userId: user.id, ip: '192.0.2.1' }]]);
  });

  it('resetPassword() sets the password, clears the throttle and emits user.password_reset; the token works once', async () => {
    const { users, account, written } = setup();
    const user = await account();
    for (let i = 0; i < 11; i++) await users.verifyCredentials({ email: user.email, password: 'wrong password' });
    await expect(users.verifyCredentials({ email: user.email, password })).rejects.toBeInstanceOf(RateLimitedError);
    const { token } = (await users.issueAccountToken({ userId: user.id, kind: 'password_reset' }))!;
    await expect(users.resetPassword({ token, newPassword: 'Password1234' })).rejects.toBeInstanceOf(PasswordTooCommonError);
    await users.resetPassword({ token, newPassword: 'a new passphrase', meta: { ip: '192.0.2.9' } }); // still good after the refusal
    expect((await users.verifyCredentials({ email: user.email, password: 'a new passphrase' })).ok).toBe(true);
    expect((await written()).find((e) => e.type === 'user.password_reset')?.data).toEqual({ userId: user.id, ip: '192.0.2.9' });
    await expect(users.resetPassword({ token, newPassword: 'yet another passphrase' })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('resetPassword() checks the token before hashing and spends it after: a refused hash leaves the link working', async () => {
    const { users, account, refuseHashes } = setup();
    const user = await account();
    const { token } = (await users.issueAccountToken({ userId: user.id, kind: 'password_reset' }))!;
    const hashedBefore = refuseHashes.hashed;
    await expect(users.resetPassword({ token: 'never issued', newPassword: 'a new passphrase' })).rejects.toBeInstanceOf(InvalidTokenError);
    expect(refuseHashes.hashed).toBe(hashedBefore);
    refuseHashes.count = 1;
    await expect(users.resetPassword({ token, newPassword: 'a new passphrase' })).rejects.toMatchObject({ code: 'service_unavailable' });
    await users.resetPassword({ token, newPassword: 'a new passphrase' });
    expect((await users.verifyCredentials({ email: user.email, password: 'a new passphrase' })).ok).toBe(true);
  });

  it('a reset link sent to an address the account no longer has does not work', async () => {
    const { users, account } = setup();
    const user = await account();
    const reset = (await users.issueAccountToken({ userId: user.id, kind: 'password_reset' }))!;
    const change = (await users.issueAccountToken({ userId: user.id, kind: 'email_change', newEmail: 'moved@example.com' }))!;
    await users.confirmEmailChange({ token: change.token });
    await expect(users.resetPassword({ token: reset.token, newPassword: 'a new passphrase' })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('requestEmailChange() needs the password and a free address, then emits the request', async () => {
    const { users, account, written } = setup();
    const [ada, bob] = [await account(), await account()];
    await expect(users.requestEmailChange({ userId: ada.id, newEmail: 'new@example.com', password: 'wrong' })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(users.requestEmailChange({ userId: ada.id, newEmail: bob.email.toUpperCase(), password })).rejects.toBeInstanceOf(
      EmailTakenError,
    );
    await users.requestEmailChange({ userId: ada.id, newEmail: 'new@example.com', password });
    expect((await written()).filter((e) => e.type === 'user.email_change_requested').map((e) => e.data)).toEqual([
      { userId: ada.id, newEmail: 'new@example.com' },
    ]);
  });

  it('confirmEmailChange() makes the address the account’s, verified; 409 when another account took it meanwhile', async () => {
    const { users, account, written } = setup();
    const user = await account();
    const taken = (await users.issueAccountToken({ userId: user.id, kind: 'email_change', newEmail: 'wanted@example.com' }))!;
    await account('Wanted@example.com');
    await expect(users.confirmEmailChange({ token: taken.token })).rejects.toBeInstanceOf(EmailTakenError);
    const free = (await users.issueAccountToken({ userId: user.id, kind: 'email_change', newEmail: 'free@example.com' }))!;
    await users.confirmEmailChange({ token: free.token });
    expect(await users.getById(user.id)).toMatchObject({ email: 'free@example.com', emailVerified: true });
    expect((await written()).map((e) => e.type)).toContain('user.email_changed');
  });

  it('deleteAccount() voids the account’s tokens', async () => {
    const { users, account } = setup();
    const user = await account();
    const reset = (await users.issueAccountToken({ userId: user.id, kind: 'password_reset' }))!;
    await users.deleteAccount({ userId: user.id, password });
    await account(user.email); // the address again, a new account
    await expect(users.resetPassword({ token: reset.token, newPassword: 'a new passphrase' })).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
