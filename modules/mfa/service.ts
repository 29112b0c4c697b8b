import { parseInput, systemClock, type Clock, type PasswordThrottle } from '../kernel/mod.ts';
import { InvalidCredentialsError, type UserApi } from '../user/mod.ts';
import { methodsOf, toSummary } from './domain.ts';
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

  async function acceptCode(userId: string, check: () => Promise<boolean>): Promise<void> {
    // The account key the user module throttles password checks under: one count for both.
    const passed = throttle ? await throttle.attempt(`user:${userId}`, check, (ok) => ok) : await check();
    if (!passed) throw new InvalidCodeError();
  }

  return {
    async summary(userId) {
      return toSummary(await factors.get(parseInput(userIdSchema, userId)));
    },
    async methodsOf(userId) {
      return methodsOf(await factors.get(parseInput(userIdSchema, userId)));
    },
    ...createTotpFactor({ factors, replayGuard, issuer, clock, confirmPassword, acceptCode }),
    ...createPasskeyFactor({ userApi, factors, challenges, relyingParty, clock }),
  };
}
