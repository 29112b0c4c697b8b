import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import {
  accountPageSchema,
  accountViewSchema,
  changePasswordInputSchema,
  confirmEmailChangeInputSchema,
  credentialCheckSchema,
  credentialsInputSchema,
  deleteAccountInputSchema,
  forgotPasswordInputSchema,
  issueAccountTokenInputSchema,
  issuedAccountTokenSchema,
  registerInputSchema,
  requestEmailChangeInputSchema,
  requestEmailVerificationInputSchema,
  resetPasswordInputSchema,
  searchAccountsInputSchema,
  setDisabledInputSchema,
  updateProfileInputSchema,
  userViewSchema,
  verifyEmailInputSchema,
} from './domain.ts';
import {
  AccountDisabledError,
  EmailNotVerifiedError,
  EmailTakenError,
  InvalidCredentialsError,
  InvalidTokenError,
  PasswordTooCommonError,
  UserNotFoundError,
} from './errors.ts';
import type { UserApi } from './ports.ts';

/** UserApi over a wire: the same schemas validate caller and callee. */
export const userApiSpec = {
  register: { input: registerInputSchema, output: userViewSchema, idempotent: false },
  verifyCredentials: { input: credentialsInputSchema, output: credentialCheckSchema, idempotent: false },
  // Again moves lastLoginAt to the later call and grants nothing twice.
  recordLogin: { input: z.string(), output: accountViewSchema.nullable(), idempotent: true },
  getById: { input: z.string(), output: userViewSchema.nullable(), idempotent: true },
  getAccount: { input: z.string(), output: accountViewSchema.nullable(), idempotent: true },
  searchAccounts: { input: searchAccountsInputSchema, output: accountPageSchema, idempotent: true },
  setDisabled: { input: setDisabledInputSchema, output: accountViewSchema, idempotent: true },
  unlock: { input: z.string(), output: z.undefined(), idempotent: true },
  updateProfile: { input: updateProfileInputSchema, output: userViewSchema, idempotent: true },
  changePassword: { input: changePasswordInputSchema, output: z.undefined(), idempotent: false },
  deleteAccount: { input: deleteAccountInputSchema, output: z.undefined(), idempotent: false },
  requestEmailVerification: { input: requestEmailVerificationInputSchema, output: z.undefined(), idempotent: false },
  verifyEmail: { input: verifyEmailInputSchema, output: z.undefined(), idempotent: false },
  forgotPassword: { input: forgotPasswordInputSchema, output: z.undefined(), idempotent: false },
  resetPassword: { input: resetPasswordInputSchema, output: z.undefined(), idempotent: false },
  requestEmailChange: { input: requestEmailChangeInputSchema, output: z.undefined(), idempotent: false },
  confirmEmailChange: { input: confirmEmailChangeInputSchema, output: z.undefined(), idempotent: false },
  issueAccountToken: { input: issueAccountTokenInputSchema, output: issuedAccountTokenSchema.nullable(), idempotent: false },
} satisfies PortSpec<UserApi>;

export const userErrors: ErrorRegistry = {
  email_taken: () => new EmailTakenError(),
  invalid_credentials: () => new InvalidCredentialsError(),
  password_too_common: () => new PasswordTooCommonError(),
  user_not_found: () => new UserNotFoundError(),
  invalid_token: () => new InvalidTokenError(),
  email_not_verified: () => new EmailNotVerifiedError(),
  account_disabled: (_, details) => new AccountDisabledError(String(details.userId)),
};
