import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import {
  changePasswordInputSchema,
  credentialCheckSchema,
  credentialsInputSchema,
  deleteAccountInputSchema,
  registerInputSchema,
  updateProfileInputSchema,
  userViewSchema,
} from './domain.ts';
import { EmailTakenError, InvalidCredentialsError, PasswordTooCommonError, UserNotFoundError } from './errors.ts';
import type { UserApi } from './ports.ts';

/** UserApi over a wire: the same schemas validate caller and callee. */
export const userApiSpec = {
  register: { input: registerInputSchema, output: userViewSchema, idempotent: false },
  verifyCredentials: { input: credentialsInputSchema, output: credentialCheckSchema, idempotent: false },
  getById: { input: z.string(), output: userViewSchema.nullable(), idempotent: true },
  updateProfile: { input: updateProfileInputSchema, output: userViewSchema, idempotent: true },
  changePassword: { input: changePasswordInputSchema, output: z.undefined(), idempotent: false },
  deleteAccount: { input: deleteAccountInputSchema, output: z.undefined(), idempotent: false },
} satisfies PortSpec<UserApi>;

export const userErrors: ErrorRegistry = {
  email_taken: () => new EmailTakenError(),
  invalid_credentials: () => new InvalidCredentialsError(),
  password_too_common: () => new PasswordTooCommonError(),
  user_not_found: () => new UserNotFoundError(),
};
