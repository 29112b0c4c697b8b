import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import { sessionErrors } from '../session/mod.ts';
import { registerInputSchema, userErrors, userViewSchema } from '../user/mod.ts';
import { jwksSchema, loginInputSchema, logoutInputSchema, refreshInputSchema, tokenResponseSchema } from './domain.ts';
import type { AuthApi } from './ports.ts';

/** AuthApi over a wire. */
export const authApiSpec = {
  register: { input: registerInputSchema, output: userViewSchema, idempotent: false },
  login: { input: loginInputSchema, output: tokenResponseSchema, idempotent: false },
  refresh: { input: refreshInputSchema, output: tokenResponseSchema, idempotent: false },
  logout: { input: logoutInputSchema, output: z.undefined(), idempotent: false },
  jwks: { input: z.undefined(), output: jwksSchema, idempotent: true },
} satisfies PortSpec<AuthApi>;

/** Auth passes on the user and session modules' errors. */
export const authErrors: ErrorRegistry = { ...userErrors, ...sessionErrors };
