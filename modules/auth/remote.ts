import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import { mfaErrors, requestOptionsSchema } from '../mfa/mod.ts';
import { sessionErrors } from '../session/mod.ts';
import { registerInputSchema, userErrors, userViewSchema } from '../user/mod.ts';
import {
  jwksSchema,
  loginAnswerSchema,
  loginInputSchema,
  logoutInputSchema,
  mfaOptionsInputSchema,
  passkeyLoginInputSchema,
  refreshInputSchema,
  tokenResponseSchema,
  verifyMfaInputSchema,
} from './domain.ts';
import { InvalidMfaTokenError } from './errors.ts';
import type { AuthApi } from './ports.ts';

/** AuthApi over a wire. */
export const authApiSpec = {
  register: { input: registerInputSchema, output: userViewSchema, idempotent: false },
  login: { input: loginInputSchema, output: loginAnswerSchema, idempotent: false },
  verifyMfa: { input: verifyMfaInputSchema, output: tokenResponseSchema, idempotent: false },
  mfaWebAuthnOptions: { input: mfaOptionsInputSchema, output: requestOptionsSchema, idempotent: false },
  passkeyOptions: { input: z.undefined(), output: requestOptionsSchema, idempotent: false },
  passkeyLogin: { input: passkeyLoginInputSchema, output: tokenResponseSchema, idempotent: false },
  refresh: { input: refreshInputSchema, output: tokenResponseSchema, idempotent: false },
  logout: { input: logoutInputSchema, output: z.undefined(), idempotent: false },
  jwks: { input: z.undefined(), output: jwksSchema, idempotent: true },
} satisfies PortSpec<AuthApi>;

/** Its own error, and the user, session and mfa modules' it passes on. */
export const authErrors: ErrorRegistry = {
  ...userErrors,
  ...sessionErrors,
  ...mfaErrors,
  invalid_mfa_token: () => new InvalidMfaTokenError(),
};
