import { DomainError } from '../kernel/mod.ts';

export class EmailTakenError extends DomainError {
  constructor() {
    super('email_taken', 'An account with this email already exists.');
  }
}

/** One message for an unknown email and a wrong password alike, so it cannot enumerate accounts. */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('invalid_credentials', 'The email or password is incorrect.');
  }
}

export class PasswordTooCommonError extends DomainError {
  constructor() {
    super('password_too_common', 'This password is too common; choose one that is harder to guess.', {
      fields: [{ path: 'password', message: 'Password is on a list of commonly used passwords.' }],
    });
  }
}

export class UserNotFoundError extends DomainError {
  constructor() {
    super('user_not_found', 'The account does not exist.');
  }
}

/** One answer for an unknown, expired, spent or voided link token. */
export class InvalidTokenError extends DomainError {
  constructor() {
    super('invalid_token', 'The link is invalid, expired or already used; ask for a new one.');
  }
}

/** The password was right, but REQUIRE_VERIFIED_EMAIL wants a verified address first. */
export class EmailNotVerifiedError extends DomainError {
  constructor() {
    super('email_not_verified', 'Confirm your email address with the link sent to it before signing in.');
  }
}

/** The right password for an account an admin has disabled: told only to someone who knows the password. */
export class AccountDisabledError extends DomainError {
  /** `userId` is for the audit log (it crosses the internal wire in details), never for the client. */
  constructor(readonly userId: string) {
    super('account_disabled', 'This account is disabled.', { userId });
  }
}

export const userErrorCodes = [
  'email_taken',
  'invalid_credentials',
  'password_too_common',
  'user_not_found',
  'account_disabled',
  'invalid_token',
  'email_not_verified',
] as const;
export type UserErrorCode = (typeof userErrorCodes)[number];
