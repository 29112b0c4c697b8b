import { DomainError } from '../kernel/mod.ts';

/**
 * An mfaToken that is unknown, expired, used, voided by too many wrong factors, or presented by
 * another client than its login's: one answer for all, as with any other credential.
 */
export class InvalidMfaTokenError extends DomainError {
  constructor() {
    super('invalid_mfa_token', 'The login step has expired or is not valid; log in again.');
  }
}

export const authErrorCodes = ['invalid_mfa_token'] as const;
export type AuthErrorCode = (typeof authErrorCodes)[number];
