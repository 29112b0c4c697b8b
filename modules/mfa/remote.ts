import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import { userErrors } from '../user/mod.ts';
import {
  addPasskeyInputSchema,
  assertionResultSchema,
  authenticationOptionsInputSchema,
  codeInputSchema,
  confirmTotpInputSchema,
  creationOptionsSchema,
  loginStepInputSchema,
  loginStepResultSchema,
  mfaMethods,
  mfaSummarySchema,
  passkeyViewSchema,
  passwordCheckInputSchema,
  recoveryCodesSchema,
  removePasskeyInputSchema,
  requestOptionsSchema,
  totpEnrolmentSchema,
  verifyAssertionInputSchema,
} from './domain.ts';
import { InvalidCodeError, InvalidCredentialError, MfaAlreadyEnabledError, NoSecondFactorError, PasskeyNotFoundError } from './errors.ts';
import type { MfaApi } from './ports.ts';

const userId = z.string().min(1);

/** MfaApi over a wire. Only reads are idempotent: every check spends a code, a challenge or a throttle count. */
export const mfaApiSpec = {
  summary: { input: userId, output: mfaSummarySchema, idempotent: true },
  startTotp: { input: passwordCheckInputSchema, output: totpEnrolmentSchema, idempotent: false },
  confirmTotp: { input: confirmTotpInputSchema, output: recoveryCodesSchema, idempotent: false },
  disableTotp: { input: passwordCheckInputSchema, output: z.undefined(), idempotent: false },
  regenerateRecoveryCodes: { input: passwordCheckInputSchema, output: recoveryCodesSchema, idempotent: false },
  passkeyRegistrationOptions: { input: userId, output: creationOptionsSchema, idempotent: false },
  addPasskey: { input: addPasskeyInputSchema, output: passkeyViewSchema, idempotent: false },
  removePasskey: { input: removePasskeyInputSchema, output: z.undefined(), idempotent: false },
  methodsOf: { input: userId, output: z.array(z.enum(mfaMethods)), idempotent: true },
  verifyTotp: { input: codeInputSchema, output: z.undefined(), idempotent: false },
  useRecoveryCode: { input: codeInputSchema, output: z.object({ recoveryCodesLeft: z.number().int() }), idempotent: false },
  authenticationOptions: { input: authenticationOptionsInputSchema, output: requestOptionsSchema, idempotent: false },
  verifyAssertion: { input: verifyAssertionInputSchema, output: assertionResultSchema, idempotent: false },
  verifyLoginStep: { input: loginStepInputSchema, output: loginStepResultSchema, idempotent: false },
  // Removing what is gone already changes nothing.
  reset: { input: userId, output: z.undefined(), idempotent: true },
} satisfies PortSpec<MfaApi>;

/** Its own errors, and the user module's it passes on (a wrong password). */
export const mfaErrors: ErrorRegistry = {
  ...userErrors,
  invalid_code: () => new InvalidCodeError(),
  invalid_credential: () => new InvalidCredentialError(),
  mfa_already_enabled: () => new MfaAlreadyEnabledError(),
  mfa_not_enabled: () => new NoSecondFactorError(),
  passkey_not_found: () => new PasskeyNotFoundError(),
};
