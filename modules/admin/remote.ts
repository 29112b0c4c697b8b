import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import { mfaErrors } from '../mfa/mod.ts';
import { sessionErrors } from '../session/mod.ts';
import { accountPageSchema, searchAccountsInputSchema, userErrors } from '../user/mod.ts';
import { actionInputSchema, userDetailSchema } from './domain.ts';
import { CannotDisableSelfError } from './errors.ts';
import type { AdminApi } from './ports.ts';

/** AdminApi over a wire. Actions record an event each time: not retried blindly. */
export const adminApiSpec = {
  searchUsers: { input: searchAccountsInputSchema, output: accountPageSchema, idempotent: true },
  getUser: { input: z.string(), output: userDetailSchema.nullable(), idempotent: true },
  disableUser: { input: actionInputSchema, output: z.undefined(), idempotent: false },
  enableUser: { input: actionInputSchema, output: z.undefined(), idempotent: false },
  revokeSessions: { input: actionInputSchema, output: z.object({ revoked: z.number().int() }), idempotent: false },
  unlockUser: { input: actionInputSchema, output: z.undefined(), idempotent: false },
  resetMfa: { input: actionInputSchema, output: z.undefined(), idempotent: false },
} satisfies PortSpec<AdminApi>;

/** Its own error, and the user, session and mfa modules' it passes on. */
export const adminErrors: ErrorRegistry = {
  ...userErrors,
  ...sessionErrors,
  ...mfaErrors,
  cannot_disable_self: () => new CannotDisableSelfError(),
};
