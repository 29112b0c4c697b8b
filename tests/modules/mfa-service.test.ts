import { describe, expect, it } from 'vitest';
import { createMemoryMfaRepository } from '../../adapters/memory/mfa-repository.ts';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemoryTotpReplayGuard } from '../../adapters/memory/totp-replay-guard.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createMemoryWebAuthnChallengeStore } from '../../adapters/memory/webauthn-challenge-store.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { createPasswordThrottle, passwordThrottlePolicy } from '../../modules/auth/mod.ts';
import { createEvent, RateLimitedError } from '../../modules/kernel/mod.ts';
import {
  createMfaService,
  InvalidCodeError,
  InvalidCredentialError,
  MfaAlreadyEnabledError,
  mfaApiSpec,
  mfaErrors,
  mfaModule,
  NoSecondFactorError,
  PasskeyNotFoundError,
  totpCodeAt,
  type MfaApi,
} from '../../modules/mfa/mod.ts';
import { createUserService, InvalidCredentialsError } from '../../modules/user/mod.ts';
import { createSoftAuthenticator, tampered } from '../support/soft-authenticator.ts';
import { lifecycleDeps, manualClock, observedOutbox } from './fixtures.ts';
import { runners } from './runners.ts';

const password = 'a sturdy passphrase 42';
const origin = 'https://app.example.test';
const relyingParty = { id: 'app.example.test', name: 'modular-auth', origins: [origin] };

describe.each(runners)('mfa service ($name)', ({ wrap }) => {
  async function setup() {
    const clock = manualClock(new Date('2026-03-01T12:00:10Z'));
    const { outbox, written } = observedOutbox();
    const store = createMemoryPasswordAttemptStore({ policy: passwordThrottlePolicy });
    const throttle = createPasswordThrottle({ store });
    const userApi = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createMemoryPasswordHasher(),
      ...lifecycleDeps(),
      commonPasswords: createCommonPasswordList(),
      throttle,
    });
    const factors = createMemoryMfaRepository({ outbox });
    const deps = {
      calls: { user: userApi },
      factors,
      replayGuard: createMemoryTotpReplayGuard({ clock }),
      challenges: createMemoryWebAuthnChallengeStore({ clock }),
      relyingParty,
      issuer: 'modular-auth',
      throttle,
    };
    const service = createMfaService({ ...deps, userApi, clock });
    const mfa = wrap<MfaApi>(service, { module: 'mfa', spec: mfaApiSpec, errors: mfaErrors });
    const user = await userApi.register({ email: 'ada@example.com', password, displayName: 'Ada' });
    await written(); // leave only what the tests cause
    const sessionId = crypto.randomUUID();
    const handlers = mfaModule.create(deps).handlers!(mfa);
    return { mfa, userApi, clock, written, user, userId: user.id, sessionId, handlers };
  }

  /** An account with TOTP enabled: its secret and recovery codes; the clock is moved past the confirming code's step. */
  async function withTotp(ctx: Awaited<ReturnType<typeof setup>>) {
    const { secret } = await ctx.mfa.startTotp({ userId: ctx.userId, password });
    const { recoveryCodes } = await ctx.mfa.confirmTotp({
      userId: ctx.userId,
      sessionId: ctx.sessionId,
      code: totpCodeAt(secret, ctx.clock.now()),
    });
    ctx.clock.advance(30_000);
    return { secret, recoveryCodes };
  }

  async function withPasskey(ctx: Awaited<ReturnType<typeof setup>>, options: Parameters<typeof createSoftAuthenticator>[0] = { origin }) {
    const authenticator = createSoftAuthenticator(options);
    const creation = await ctx.mfa.passkeyRegistrationOptions(ctx.userId);
    const passkey = await ctx.mfa.addPasskey({ userId: ctx.userId, credential: authenticator.register(creation), name: 'Laptop' });
    return { authenticator, passkey };
  }

  describe('TOTP', () => {
    it('startTotp() checks the password and answers a base32 secret and its otpauth URI (SHA-1, 6 digits, 30 s)', async () => {
      const ctx = await setup();
      await expect(ctx.mfa.startTotp({ userId: ctx.userId, password: 'not the password' })).rejects.toBeInstanceOf(InvalidCredentialsError);
      const { secret, otpauthUrl } = await ctx.mfa.startTotp({ userId: ctx.userId, password });
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const url = new URL(otpauthUrl);
      expect(url.protocol).toBe('otpauth:');
      expect(url.host).toBe('totp');
      expect(decodeURIComponent(url.pathname)).toBe('/modular-auth:ada@example.com');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        issuer: 'modular-auth',
        secret,
        algorithm: 'SHA1',
        digits: '6',
        period: '30',
      });
      expect(await ctx.mfa.summary(ctx.userId)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 }); // pending
      expect(await ctx.mfa.methodsOf(ctx.userId)).toEqual([]);
    });

    it('confirmTotp() enables it with a right code, answers ten recovery codes and emits user.mfa_enabled with the session', async () => {
      const ctx = await setup();
      const { secret } = await ctx.mfa.startTotp({ userId: ctx.userId, password });
      const wrong = String((Number(totpCodeAt(secret, ctx.clock.now())) + 1) % 1_000_000).padStart(6, '0');
      await expect(ctx.mfa.confirmTotp({ userId: ctx.userId, sessionId: ctx.sessionId, code: wrong })).rejects.toBeInstanceOf(
        InvalidCodeError,
      );
      const { recoveryCodes } = await ctx.mfa.confirmTotp({
        userId: ctx.userId,
        sessionId: ctx.sessionId,
        code: totpCodeAt(secret, ctx.clock.now()),
      });
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
      expect(await ctx.mfa.summary(ctx.userId)).toEqual({ totp: true, passkeys: [], recoveryCodesLeft: 10 });
      expect(await ctx.mfa.methodsOf(ctx.userId)).toEqual(['totp', 'recovery_code']);
      const events = await ctx.written();
      expect(events.map((e) => [e.type, e.subject, e.data.sessionId])).toEqual([['user.mfa_enabled', ctx.userId, ctx.sessionId]]);
      expect(JSON.stringify(events)).not.toContain(secret);
      await expect(ctx.mfa.startTotp({ userId: ctx.userId, password })).rejects.toBeInstanceOf(MfaAlreadyEnabledError);
    });

    it('confirmTotp() refuses when nothing is pending, and the confirming code cannot be used again', async () => {
      const ctx = await setup();
      await expect(ctx.mfa.confirmTotp({ userId: ctx.userId, sessionId: ctx.sessionId, code: '123456' })).rejects.toBeInstanceOf(
        InvalidCodeError,
      );
      const { secret } = await ctx.mfa.startTotp({ userId: ctx.userId, password });
      const code = totpCodeAt(secret, ctx.clock.now());
      await ctx.mfa.confirmTotp({ userId: ctx.userId, sessionId: ctx.sessionId, code });
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code })).rejects.toBeInstanceOf(InvalidCodeError);
    });

    it('verifyTotp() accepts a code once: its replay, and a code of an earlier step, are refused', async () => {
      const ctx = await setup();
      const { secret } = await withTotp(ctx);
      const earlier = totpCodeAt(secret, new Date(ctx.clock.now().getTime() - 30_000));
      const code = totpCodeAt(secret, ctx.clock.now());
      await ctx.mfa.verifyTotp({ userId: ctx.userId, code: `${code.slice(0, 3)} ${code.slice(3)}` }); // as an app shows it
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code })).rejects.toBeInstanceOf(InvalidCodeError);
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: earlier })).rejects.toBeInstanceOf(InvalidCodeError);
      ctx.clock.advance(30_000);
      await ctx.mfa.verifyTotp({ userId: ctx.userId, code: totpCodeAt(secret, ctx.clock.now()) });
    });

    it('verifyTotp() allows one step of clock skew either way, not two', async () => {
      const ctx = await setup();
      const { secret } = await withTotp(ctx);
      ctx.clock.advance(2 * 30_000); // well past the step the confirming code used
      const at = (steps: number) => totpCodeAt(secret, new Date(ctx.clock.now().getTime() + steps * 30_000));
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: at(2) })).rejects.toBeInstanceOf(InvalidCodeError);
      await ctx.mfa.verifyTotp({ userId: ctx.userId, code: at(-1) });
      await ctx.mfa.verifyTotp({ userId: ctx.userId, code: at(1) });
      ctx.clock.advance(4 * 30_000);
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: at(-2) })).rejects.toBeInstanceOf(InvalidCodeError);
    });

    it('verifyTotp() refuses an account whose TOTP is only pending, or absent', async () => {
      const ctx = await setup();
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: '000000' })).rejects.toBeInstanceOf(InvalidCodeError);
      const { secret } = await ctx.mfa.startTotp({ userId: ctx.userId, password });
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: totpCodeAt(secret, ctx.clock.now()) })).rejects.toBeInstanceOf(
        InvalidCodeError,
      );
    });

    it('failed codes count against the per-account throttle that password checks use', async () => {
      const ctx = await setup();
      await withTotp(ctx);
      for (let i = 0; i < passwordThrottlePolicy.freeFailures + 1; i++) {
        await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: 'nope' })).rejects.toBeInstanceOf(InvalidCodeError);
      }
      await expect(ctx.mfa.verifyTotp({ userId: ctx.userId, code: '000000' })).rejects.toBeInstanceOf(RateLimitedError);
      await expect(ctx.userApi.verifyCredentials({ email: ctx.user.email, password })).rejects.toBeInstanceOf(RateLimitedError);
    });

    it('disableTotp() needs the password, removes TOTP and its recovery codes, and emits user.mfa_disabled', async () => {
      const ctx = await setup();
      const { recoveryCodes } = await withTotp(ctx);
      await ctx.written();
      await expect(ctx.mfa.disableTotp({ userId: ctx.userId, password: 'wrong one!' })).rejects.toBeInstanceOf(InvalidCredentialsError);
      await ctx.mfa.disableTotp({ userId: ctx.userId, password });
      expect(await ctx.mfa.summary(ctx.userId)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
      expect(await ctx.mfa.methodsOf(ctx.userId)).toEqual([]);
      await expect(ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: recoveryCodes[0]! })).rejects.toBeInstanceOf(InvalidCodeError);
      expect((await ctx.written()).map((e) => e.type)).toEqual(['user.mfa_disabled']);
      await ctx.mfa.startTotp({ userId: ctx.userId, password }); // enrol again
    });
  });

  describe('recovery codes', () => {
    it('useRecoveryCode() spends each code once, however it is typed, and says how many are left', async () => {
      const ctx = await setup();
      const { recoveryCodes } = await withTotp(ctx);
      const [first, second] = recoveryCodes as [string, string];
      expect(await ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: first })).toEqual({ recoveryCodesLeft: 9 });
      await expect(ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: first })).rejects.toBeInstanceOf(InvalidCodeError);
      const typed = ` ${second.toUpperCase().replaceAll('-', ' ')} `;
      expect(await ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: typed })).toEqual({ recoveryCodesLeft: 8 });
      await expect(ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: 'aaaa-bbbb-cccc' })).rejects.toBeInstanceOf(InvalidCodeError);
      expect((await ctx.mfa.summary(ctx.userId)).recoveryCodesLeft).toBe(8);
    });

    it('regenerateRecoveryCodes() needs the password and a second factor; the old codes stop working', async () => {
      const ctx = await setup();
      await expect(ctx.mfa.regenerateRecoveryCodes({ userId: ctx.userId, password })).rejects.toBeInstanceOf(NoSecondFactorError);
      const { recoveryCodes: old } = await withTotp(ctx);
      await ctx.written();
      await expect(ctx.mfa.regenerateRecoveryCodes({ userId: ctx.userId, password: 'wrong one!' })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      const { recoveryCodes } = await ctx.mfa.regenerateRecoveryCodes({ userId: ctx.userId, password });
      expect(recoveryCodes).toHaveLength(10);
      await expect(ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: old[0]! })).rejects.toBeInstanceOf(InvalidCodeError);
      expect(await ctx.mfa.useRecoveryCode({ userId: ctx.userId, code: recoveryCodes[0]! })).toEqual({ recoveryCodesLeft: 9 });
      expect((await ctx.written()).map((e) => e.type)).toEqual(['user.recovery_codes_regenerated']);
    });
  });

  describe('passkeys', () => {
    it('passkeyRegistrationOptions() names the relying party and the account, and excludes its passkeys', async () => {
      const ctx = await setup();
      const first = await ctx.mfa.passkeyRegistrationOptions(ctx.userId);
      expect(first).toMatchObject({
        rp: { id: relyingParty.id, name: 'modular-auth' },
        user: { id: Buffer.from(ctx.userId).toString('base64url'), name: 'ada@example.com', displayName: 'Ada' },
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      expect(first.pubKeyCredParams.map((p) => p.alg)).toContain(-7);
      const { authenticator } = await withPasskey(ctx);
      const second = await ctx.mfa.passkeyRegistrationOptions(ctx.userId);
      expect(second.excludeCredentials).toEqual([expect.objectContaining({ id: authenticator.credentialId })]);
      expect(second.challenge).not.toBe(first.challenge);
    });

    it('addPasskey() stores a verified passkey, several per account, and emits user.passkey_added', async () => {
      const ctx = await setup();
      const { passkey } = await withPasskey(ctx);
      expect(passkey).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: ctx.clock.now().toISOString() });
      ctx.clock.advance(1000);
      const phone = createSoftAuthenticator({ origin });
      const unnamed = await ctx.mfa.addPasskey({
        userId: ctx.userId,
        credential: phone.register(await ctx.mfa.passkeyRegistrationOptions(ctx.userId)),
      });
      expect(unnamed.name).toBe('Passkey 2');
      expect((await ctx.mfa.summary(ctx.userId)).passkeys).toEqual([
        { ...passkey, lastUsedAt: null },
        { ...unnamed, lastUsedAt: null },
      ]);
      expect(await ctx.mfa.methodsOf(ctx.userId)).toEqual(['webauthn']);
      expect((await ctx.written()).map((e) => [e.type, e.data.passkeyId])).toEqual([
        ['user.passkey_added', passkey.id],
        ['user.passkey_added', unnamed.id],
      ]);
    });

    it('addPasskey() refuses a wrong origin, a spent, expired or foreign challenge, and a credential registered already', async () => {
      const ctx = await setup();
      const authenticator = createSoftAuthenticator({ origin });
      const add = async (credential: ReturnType<typeof authenticator.register>, userId = ctx.userId) =>
        ctx.mfa.addPasskey({ userId, credential });
      const refused = (credential: ReturnType<typeof authenticator.register>, userId?: string) =>
        expect(add(credential, userId)).rejects.toBeInstanceOf(InvalidCredentialError);

      await refused(authenticator.register(await ctx.mfa.passkeyRegistrationOptions(ctx.userId), { origin: 'https://evil.example' }));
      const options = await ctx.mfa.passkeyRegistrationOptions(ctx.userId);
      await refused(authenticator.register(options), crypto.randomUUID()); // another account's ceremony
      await refused(authenticator.register(options)); // spent by the refusal above
      const expiring = await ctx.mfa.passkeyRegistrationOptions(ctx.userId);
      ctx.clock.advance(5 * 60_000 + 1);
      await refused(authenticator.register(expiring));
      const login = await ctx.mfa.authenticationOptions({});
      await refused(authenticator.register({ challenge: login.challenge, user: { id: Buffer.from(ctx.userId).toString('base64url') } }));
      await add(authenticator.register(await ctx.mfa.passkeyRegistrationOptions(ctx.userId)));
      await refused(authenticator.register(await ctx.mfa.passkeyRegistrationOptions(ctx.userId)));
      expect((await ctx.mfa.summary(ctx.userId)).passkeys).toHaveLength(1);
    });

    it('verifyAssertion() as a second factor accepts the account’s passkey once per challenge', async () => {
      const ctx = await setup();
      const { authenticator, passkey } = await withPasskey(ctx);
      const options = await ctx.mfa.authenticationOptions({ userId: ctx.userId });
      expect(options).toMatchObject({ rpId: relyingParty.id, userVerification: 'preferred' });
      expect(options.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.credentialId, type: 'public-key' })]);
      const assertion = authenticator.assert(options.challenge);
      expect(await ctx.mfa.verifyAssertion({ userId: ctx.userId, credential: assertion })).toEqual({
        userId: ctx.userId,
        passkeyId: passkey.id,
        userVerified: true,
      });
      await expect(ctx.mfa.verifyAssertion({ userId: ctx.userId, credential: assertion })).rejects.toBeInstanceOf(InvalidCredentialError);
      expect((await ctx.mfa.summary(ctx.userId)).passkeys[0]!.lastUsedAt).toBe(ctx.clock.now().toISOString());
    });

    it('verifyAssertion() refuses a tampered signature, a counter that went back, another account and a wrong origin', async () => {
      const ctx = await setup();
      const { authenticator } = await withPasskey(ctx);
      const challenge = async (userId: string | undefined = ctx.userId) => (await ctx.mfa.authenticationOptions({ userId })).challenge;
      const refused = (credential: ReturnType<typeof authenticator.assert>, userId: string | undefined = ctx.userId) =>
        expect(ctx.mfa.verifyAssertion({ userId, credential })).rejects.toBeInstanceOf(InvalidCredentialError);

      await refused(tampered(authenticator.assert(await challenge())));
      await ctx.mfa.verifyAssertion({ userId: ctx.userId, credential: authenticator.assert(await challenge(), { counter: 10 }) });
      await refused(authenticator.assert(await challenge(), { counter: 10 })); // as a cloned authenticator would
      await refused(authenticator.assert(await challenge(), { counter: 3 }));
      await refused(authenticator.assert(await challenge(), { origin: 'https://evil.example' }));

      const other = await ctx.userApi.register({ email: 'eve@example.com', password });
      await withPasskey({ ...ctx, userId: other.id });
      await refused(authenticator.assert(await challenge(other.id)), other.id); // Ada's passkey is not Eve's factor
      await refused(authenticator.assert(await challenge()), undefined); // a second step's challenge is not a passwordless one
      await ctx.mfa.verifyAssertion({ userId: ctx.userId, credential: authenticator.assert(await challenge(), { counter: 11 }) });
    });

    it('passwordless: options for any discoverable passkey, user verification required, the passkey naming the account', async () => {
      const ctx = await setup();
      const { authenticator, passkey } = await withPasskey(ctx);
      const options = await ctx.mfa.authenticationOptions({});
      expect(options).toMatchObject({ userVerification: 'required' });
      expect(options.allowCredentials ?? []).toEqual([]);
      expect(await ctx.mfa.verifyAssertion({ credential: authenticator.assert(options.challenge) })).toEqual({
        userId: ctx.userId,
        passkeyId: passkey.id,
        userVerified: true,
      });
      // A passwordless challenge is not a second step's.
      const stray = await ctx.mfa.authenticationOptions({});
      await expect(
        ctx.mfa.verifyAssertion({ userId: ctx.userId, credential: authenticator.assert(stray.challenge) }),
      ).rejects.toBeInstanceOf(InvalidCredentialError);
    });

    it('passwordless refuses a passkey that did not verify the user, which it accepts as a second factor', async () => {
      const ctx = await setup();
      const { authenticator } = await withPasskey(ctx, { origin, userVerification: false });
      const alone = await ctx.mfa.authenticationOptions({});
      await expect(ctx.mfa.verifyAssertion({ credential: authenticator.assert(alone.challenge) })).rejects.toBeInstanceOf(
        InvalidCredentialError,
      );
      const second = await ctx.mfa.authenticationOptions({ userId: ctx.userId });
      expect(await ctx.mfa.verifyAssertion({ userId: ctx.userId, credential: authenticator.assert(second.challenge) })).toMatchObject({
        userVerified: false,
      });
    });

    it('authenticationOptions() for an account without passkeys is refused', async () => {
      const ctx = await setup();
      await expect(ctx.mfa.authenticationOptions({ userId: ctx.userId })).rejects.toBeInstanceOf(NoSecondFactorError);
    });

    it('removePasskey() removes only the account’s own, emits user.passkey_removed, and takes the codes with the last factor', async () => {
      const ctx = await setup();
      const { authenticator, passkey } = await withPasskey(ctx);
      await ctx.mfa.regenerateRecoveryCodes({ userId: ctx.userId, password });
      await ctx.written();
      await expect(ctx.mfa.removePasskey({ userId: crypto.randomUUID(), passkeyId: passkey.id })).rejects.toBeInstanceOf(
        PasskeyNotFoundError,
      );
      await ctx.mfa.removePasskey({ userId: ctx.userId, passkeyId: passkey.id });
      await expect(ctx.mfa.removePasskey({ userId: ctx.userId, passkeyId: passkey.id })).rejects.toBeInstanceOf(PasskeyNotFoundError);
      expect(await ctx.mfa.summary(ctx.userId)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
      expect((await ctx.written()).map((e) => e.type)).toEqual(['user.passkey_removed']);
      const options = await ctx.mfa.authenticationOptions({});
      await expect(ctx.mfa.verifyAssertion({ credential: authenticator.assert(options.challenge) })).rejects.toBeInstanceOf(
        InvalidCredentialError,
      );
    });
  });

  it('a deleted account’s factors go with it (user.deleted)', async () => {
    const ctx = await setup();
    await withTotp(ctx);
    const { authenticator } = await withPasskey(ctx);
    await ctx.handlers.handle(createEvent({ source: 'user', type: 'user.deleted', subject: ctx.userId, data: { userId: ctx.userId } }));
    expect(await ctx.mfa.summary(ctx.userId)).toEqual({ totp: false, passkeys: [], recoveryCodesLeft: 0 });
    const options = await ctx.mfa.authenticationOptions({});
    await expect(ctx.mfa.verifyAssertion({ credential: authenticator.assert(options.challenge) })).rejects.toBeInstanceOf(
      InvalidCredentialError,
    );
  });
});
