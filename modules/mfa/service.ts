import { parseInput, systemClock, type Clock, type PasswordThrottle } from '../kernel/mod.ts';
import { InvalidCredentialsError, type UserApi } from '../user/mod.ts';
import { loginStepInputSchema, methodsOf, toSummary } from './domain.ts';
import { InvalidCodeError } from './errors.ts';
import { createPasskeyFactor } from './passkey-factor.ts';
import type { MfaApi, MfaRepository, TotpReplayGuard, WebAuthnChallengeStore } from './ports.ts';
import { createTotpFactor } from './totp-factor.ts';
import { z } from 'zod';
import type { RelyingParty } from './webauthn.ts';

export interface MfaServiceDeps {
  userApi: UserApi;
  factors: MfaRepository;
  replayGuard: TotpReplayGuard;
  challenges: WebAuthnChallengeStore;
  relyingParty: RelyingParty;
  /** The name authenticator apps list accounts under (the otpauth issuer). */
  issuer: string;
  /**
   * The per-account throttle of password checks: failed codes count in it like failed passwords,
   * so a stolen password buys no free code guesses.
   */
  throttle?: PasswordThrottle;
  clock?: Clock;
}

const userIdSchema = z.string().min(1);

/** The throttle's record of an account's failed codes (see acceptCode). */
const codeThrottleKey = (userId: string) => `mfa:${userId}`;

export function createMfaService({
  userApi,
  factors,
  replayGuard,
  challenges,
  relyingParty,
  issuer,
  throttle,
  clock = systemClock,
}: MfaServiceDeps): MfaApi {
  /** The user module checks the password (throttled per account, as its own re-checks are). */
  async function confirmPassword(userId: string, password: string) {
    const user = await userApi.getById(userId);
    if (!user) throw new InvalidCredentialsError();
    const check = await userApi.verifyCredentials({ email: user.email, password });
    if (!check.ok || check.user.id !== userId) throw new InvalidCredentialsError();
    return check.user;
  }

  /**
   * Counts a code check twice: under the account key the user module throttles password checks
   * under (codes and passwords share one budget), and under a key of its own that only a right
   * code clears. A right password clears the first, and whoever stole it can log in at will; a
   * reset link clears it too: neither may buy fresh code guesses.
   */
  async function acceptCode(userId: string, check: () => Promise<boolean>): Promise<void> {
    const ok = (passed: boolean) => passed;
    const passed = throttle
      ? await throttle.attempt(`user:${userId}`, () => throttle.attempt(codeThrottleKey(userId), check, ok), ok)
      : await check();
    if (!passed) throw new InvalidCodeError();
  }

  const totp = createTotpFactor({ factors, replayGuard, issuer, clock, confirmPassword, acceptCode });
  const passkeys = createPasskeyFactor({ userApi, factors, challenges, relyingParty, clock });

  return {
    async summary(userId) {
      return toSummary(await factors.get(parseInput(userIdSchema, userId)));
    },
    async methodsOf(userId) {
      return methodsOf(await factors.presence(parseInput(userIdSchema, userId)));
    },
    ...totp,
    ...passkeys,

    async verifyLoginStep(input) {
      const step = parseInput(loginStepInputSchema, input);
      if (step.method === 'totp') await totp.verifyTotp(step);
      if (step.method === 'recovery_code') await totp.useRecoveryCode(step);
      if (step.method !== 'webauthn') return { userId: step.userId, amr: ['otp'] };
      const { userId } = await passkeys.verifyAssertion(step);
      // Alone, the passkey verified the user (verifyAssertion requires it then): both factors in one.
      return { userId, amr: step.userId === undefined ? ['hwk', 'user'] : ['hwk'] };
    },

    async reset(input) {
      const userId = parseInput(userIdSchema, input);
      await factors.removeAll(userId);
      await throttle?.clear(codeThrottleKey(userId));
    },
  };
}
