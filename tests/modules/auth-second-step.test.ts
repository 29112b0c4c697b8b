import { describe, expect, it } from 'vitest';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemoryPendingLoginStore } from '../../adapters/memory/pending-login-store.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../../adapters/memory/signing-key-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import {
  authApiSpec,
  authErrors,
  createAuthService,
  createPasswordThrottle,
  InvalidMfaTokenError,
  mfaTokenFailureLimit,
  passwordThrottlePolicy,
  type PendingLoginStore,
} from '../../modules/auth/mod.ts';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import { InvalidCodeError, InvalidCredentialError, mfaApiSpec, mfaErrors, totpCodeAt } from '../../modules/mfa/mod.ts';
import { createSessionService, sessionApiSpec, sessionErrors } from '../../modules/session/mod.ts';
import { AccountDisabledError, createUserService, EmailNotVerifiedError, userApiSpec, userErrors } from '../../modules/user/mod.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import { lifecycleDeps, manualClock, memoryMfaService, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

const password = 'a sturdy passphrase 42';
const origin = 'https://app.example.test';
const meta = { ip: '198.51.100.7', userAgent: 'browser/1.0' };
const tokens = { issuer: 'test-issuer', audience: 'test-audience', accessTokenTtlSeconds: 900 };

/** What the claims of an access token say, unverified (the auth service's own tests verify signatures). */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { amr: string[] };

// The login's second step through the auth service, its collaborators in-process or each behind its own HTTP routes.
describe.each(runners)('auth service, second step ($name)', ({ wrap }) => {
  function setup({ requireVerifiedEmail = false, pendingLogins = createMemoryPendingLoginStore() as PendingLoginStore } = {}) {
    const clock = manualClock(new Date());
    const { outbox, written } = observedOutbox();
    const throttle = createPasswordThrottle({ store: createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy }) });
    const userService = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createMemoryPasswordHasher(),
      commonPasswords: createCommonPasswordList(),
      ...lifecycleDeps(),
      throttle,
    });
    const users = wrap(userService, { module: 'user', spec: userApiSpec, errors: userErrors });
    const sessions = wrap(
      createSessionService({
        sessions: createMemorySessionRepository({ outbox }),
        refreshTtlSeconds: 3600,
        maxAgeSeconds: 86_400,
        reuseGraceSeconds: 0,
      }),
      { module: 'session', spec: sessionApiSpec, errors: sessionErrors },
    );
    const mfa = wrap(memoryMfaService({ userApi: users, outbox, throttle, clock }), { module: 'mfa', spec: mfaApiSpec, errors: mfaErrors });
    const auth = wrap(
      createAuthService({
        userApi: users,
        sessionApi: sessions,
        mfaApi: mfa,
        pendingLogins,
        keys: createMemorySigningKeyRepository(),
        outbox,
        tokens,
        requireVerifiedEmail,
        clock,
      }),
      { module: 'auth', spec: authApiSpec, errors: authErrors },
    );
    return { auth, mfa, users, userService, sessions, clock, written };
  }

  type Ctx = ReturnType<typeof setup>;

  async function withTotp(ctx: Ctx) {
    const user = await ctx.users.register({ email: 'ada@example.com', password });
    const { secret } = await ctx.mfa.startTotp({ userId: user.id, password });
    const { recoveryCodes } = await ctx.mfa.confirmTotp({
      userId: user.id,
      sessionId: crypto.randomUUID(),
      code: totpCodeAt(secret, ctx.clock.now()),
    });
    ctx.clock.advance(30_000); // past the confirming code's step
    return { user, secret, recoveryCodes, code: () => totpCodeAt(secret, ctx.clock.now()) };
  }

  async function withPasskey(ctx: Ctx, email = 'grace@example.com') {
    const user = await ctx.users.register({ email, password });
    const key = createSoftAuthenticator({ origin });
    await ctx.mfa.addPasskey({ userId: user.id, credential: key.register(await ctx.mfa.passkeyRegistrationOptions(user.id)) });
    return { user, key };
  }

  async function mfaTokenOf(ctx: Ctx, email = 'ada@example.com', from = meta) {
    const answer = await ctx.auth.login({ email, password, meta: from });
    if (!('mfaRequired' in answer)) throw new Error('expected a second step');
    return answer.mfaToken;
  }

  it('login() of an account with TOTP makes no session and emits no user.login; verifyMfa() does, with amr pwd and otp', async () => {
    const ctx = setup();
    const { user, code } = await withTotp(ctx);
    await ctx.written();
    const answer = await ctx.auth.login({ email: 'ada@example.com', password, meta });
    expect(answer).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'], expiresIn: 300 });
    expect(await ctx.sessions.listActive(user.id)).toEqual([]);
    expect((await ctx.written()).map((e) => e.type)).toEqual([]);

    const done = await ctx.auth.verifyMfa({ mfaToken: (answer as { mfaToken: string }).mfaToken, method: 'totp', code: code(), meta });
    expect(claimsOf(done.accessToken).amr).toEqual(['pwd', 'otp']);
    expect((await ctx.sessions.get(done.sessionId))?.amr).toEqual(['pwd', 'otp']);
    expect((await ctx.written()).map((e) => e.type)).toEqual(['session.created', 'user.login']);
  });

  it('a wrong code is InvalidCodeError and a user.login_mfa_failed naming its method; the fifth voids the mfaToken', async () => {
    const ctx = setup();
    const { user, code } = await withTotp(ctx);
    const mfaToken = await mfaTokenOf(ctx);
    await ctx.written();
    for (let i = 0; i < mfaTokenFailureLimit; i++) {
      await expect(ctx.auth.verifyMfa({ mfaToken, method: 'recovery_code', code: 'aaaa-bbbb-cccc', meta })).rejects.toBeInstanceOf(
        InvalidCodeError,
      );
    }
    const failed = await ctx.written();
    expect(failed.map((e) => [e.type, e.data])).toEqual(
      Array.from({ length: mfaTokenFailureLimit }, () => ['user.login_mfa_failed', { userId: user.id, method: 'recovery_code', ...meta }]),
    );
    await expect(ctx.auth.verifyMfa({ mfaToken, method: 'totp', code: code(), meta })).rejects.toBeInstanceOf(InvalidMfaTokenError);
  });

  it('an mfaToken lives 5 minutes, and only for the client it was issued to', async () => {
    const ctx = setup();
    const { code } = await withTotp(ctx);
    const mfaToken = await mfaTokenOf(ctx);
    const elsewhere = { ...meta, ip: '203.0.113.99' };
    await expect(ctx.auth.verifyMfa({ mfaToken, method: 'totp', code: code(), meta: elsewhere })).rejects.toBeInstanceOf(
      InvalidMfaTokenError,
    );
    await expect(ctx.auth.mfaWebAuthnOptions({ mfaToken, meta: { ...meta, userAgent: 'other/2.0' } })).rejects.toBeInstanceOf(
      InvalidMfaTokenError,
    );
    ctx.clock.advance(300_000);
    await expect(ctx.auth.verifyMfa({ mfaToken, method: 'totp', code: code(), meta })).rejects.toBeInstanceOf(InvalidMfaTokenError);
  });

  it('of concurrent second steps with one mfaToken and two good passkey assertions, exactly one logs in', async () => {
    const ctx = setup();
    const { user, key } = await withPasskey(ctx);
    const mfaToken = await mfaTokenOf(ctx, 'grace@example.com');
    const assertions = [];
    for (let i = 0; i < 2; i++) assertions.push(key.assert((await ctx.auth.mfaWebAuthnOptions({ mfaToken, meta })).challenge));
    const outcomes = await Promise.allSettled(
      assertions.map((credential) => ctx.auth.verifyMfa({ mfaToken, method: 'webauthn', credential, meta })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(claimsOf((won[0] as PromiseFulfilledResult<{ accessToken: string }>).value.accessToken).amr).toEqual(['pwd', 'hwk']);
    expect(await ctx.sessions.listActive(user.id)).toHaveLength(1);
  });

  it('a second step whose pending-login store fails answers UnavailableError and makes no session', async () => {
    const pending = createMemoryPendingLoginStore();
    let down = false;
    const flaky: PendingLoginStore = {
      ...pending,
      take: (hash, at) =>
        down ? Promise.reject(new UnavailableError('Redis is unavailable; try again shortly.')) : pending.take(hash, at),
    };
    const ctx = setup({ pendingLogins: flaky });
    const { user, recoveryCodes } = await withTotp(ctx);
    const mfaToken = await mfaTokenOf(ctx);
    down = true;
    await expect(ctx.auth.verifyMfa({ mfaToken, method: 'recovery_code', code: recoveryCodes[0]!, meta })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(await ctx.sessions.listActive(user.id)).toEqual([]);
    down = false;
    // The login was not spent: the user's retry with another code finishes it.
    const done = await ctx.auth.verifyMfa({ mfaToken, method: 'recovery_code', code: recoveryCodes[1]!, meta });
    expect(claimsOf(done.accessToken).amr).toEqual(['pwd', 'otp']);
  });

  it('passkeyLogin() applies the rules of a password login: a disabled account is refused (and a user.login_failed), an unverified one too when required', async () => {
    const ctx = setup({ requireVerifiedEmail: true });
    const { user, key } = await withPasskey(ctx);
    const alone = async () => key.assert((await ctx.auth.passkeyOptions()).challenge);
    await expect(ctx.auth.passkeyLogin({ credential: await alone(), meta })).rejects.toBeInstanceOf(EmailNotVerifiedError);
    // The password step of an unverified account with a second factor is refused before any mfaToken.
    await expect(ctx.auth.login({ email: 'grace@example.com', password, meta })).rejects.toBeInstanceOf(EmailNotVerifiedError);

    await ctx.userService.setDisabled({ userId: user.id, disabled: true });
    await ctx.written();
    await expect(ctx.auth.passkeyLogin({ credential: await alone(), meta })).rejects.toBeInstanceOf(AccountDisabledError);
    expect((await ctx.written()).map((e) => [e.type, e.data.userId])).toEqual([['user.login_failed', user.id]]);
    await expect(ctx.auth.passkeyLogin({ credential: { ...(await alone()), id: 'AAAA', rawId: 'AAAA' }, meta })).rejects.toBeInstanceOf(
      InvalidCredentialError,
    );
  });
});
