import { parseInput, type Clock } from '../kernel/mod.ts';
import type { UserView } from '../user/mod.ts';
import { codeInputSchema, confirmTotpInputSchema, passwordCheckInputSchema } from './domain.ts';
import { InvalidCodeError, MfaAlreadyEnabledError, NoSecondFactorError } from './errors.ts';
import { mfaEvent } from './events.ts';
import type { MfaApi, MfaRepository, TotpReplayGuard } from './ports.ts';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.ts';
import { matchingStep, newTotpSecret, otpauthUrl, stepRemembranceEnd } from './totp.ts';

export interface TotpFactorDeps {
  factors: MfaRepository;
  replayGuard: TotpReplayGuard;
  /** The otpauth issuer: the name an authenticator app lists the account under. */
  issuer: string;
  clock: Clock;
  /** The account, once `password` is proven its own (InvalidCredentialsError otherwise). */
  confirmPassword(userId: string, password: string): Promise<UserView>;
  /** Runs a code check under the account's throttle; InvalidCodeError unless it passed. */
  acceptCode(userId: string, check: () => Promise<boolean>): Promise<void>;
}

type TotpMethods = 'startTotp' | 'confirmTotp' | 'disableTotp' | 'regenerateRecoveryCodes' | 'verifyTotp' | 'useRecoveryCode';

/** TOTP enrolment and checks, and the recovery codes that stand in for any factor. */
export function createTotpFactor({
  factors,
  replayGuard,
  issuer,
  clock,
  confirmPassword,
  acceptCode,
}: TotpFactorDeps): Pick<MfaApi, TotpMethods> {
  /** Whether `code` matches `secret` now in a step this account has not used; claims the step when it does. */
  async function claimCode(userId: string, secret: string, code: string): Promise<boolean> {
    const step = matchingStep(secret, code, clock.now());
    return step !== null && replayGuard.claim(userId, step, stepRemembranceEnd(step));
  }

  return {
    async startTotp(input) {
      const { userId, password } = parseInput(passwordCheckInputSchema, input);
      const user = await confirmPassword(userId, password);
      const secret = newTotpSecret();
      const started = await factors.startTotp({ id: crypto.randomUUID(), userId, secret, createdAt: clock.now(), enabledAt: null });
      if (!started) throw new MfaAlreadyEnabledError();
      return { secret, otpauthUrl: otpauthUrl({ secret, issuer, account: user.email }) };
    },

    async confirmTotp(input) {
      const { userId, sessionId, code, meta } = parseInput(confirmTotpInputSchema, input);
      const { totp } = await factors.get(userId);
      const pending = totp && !totp.enabledAt ? totp : null;
      await acceptCode(userId, async () => pending !== null && claimCode(userId, pending.secret, code));
      const { codes, hashes } = newRecoveryCodes();
      const at = clock.now();
      const event = mfaEvent('user.mfa_enabled', { userId, sessionId, method: 'totp', ...meta }, at);
      // Replaced or removed since it was read: the code was for an enrolment that is gone.
      if (!(await factors.enableTotp({ userId, enrolmentId: pending!.id, at, recoveryCodeHashes: hashes }, [event]))) {
        throw new InvalidCodeError();
      }
      return { recoveryCodes: codes };
    },

    async disableTotp(input) {
      const { userId, password, meta } = parseInput(passwordCheckInputSchema, input);
      await confirmPassword(userId, password);
      await factors.removeTotp(userId, [mfaEvent('user.mfa_disabled', { userId, method: 'totp', ...meta }, clock.now())]);
    },

    async regenerateRecoveryCodes(input) {
      const { userId, password, meta } = parseInput(passwordCheckInputSchema, input);
      await confirmPassword(userId, password);
      const { codes, hashes } = newRecoveryCodes();
      const event = mfaEvent('user.recovery_codes_regenerated', { userId, ...meta }, clock.now());
      if (!(await factors.replaceRecoveryCodes(userId, hashes, [event]))) throw new NoSecondFactorError();
      return { recoveryCodes: codes };
    },

    async verifyTotp(input) {
      const { userId, code } = parseInput(codeInputSchema, input);
      const { totp } = await factors.get(userId);
      const enabled = totp?.enabledAt ? totp : null;
      await acceptCode(userId, async () => enabled !== null && claimCode(userId, enabled.secret, code));
    },

    async useRecoveryCode(input) {
      const { userId, code } = parseInput(codeInputSchema, input);
      await acceptCode(userId, () => factors.useRecoveryCode(userId, recoveryCodeHash(code), clock.now()));
      const { recoveryCodes } = await factors.get(userId);
      return { recoveryCodesLeft: recoveryCodes.filter((c) => c.usedAt === null).length };
    },
  };
}
