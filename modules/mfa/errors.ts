import { DomainError } from '../kernel/mod.ts';

/** A TOTP or recovery code that is wrong, used already, or has nothing pending to confirm: one answer for all. */
export class InvalidCodeError extends DomainError {
  constructor() {
    super('invalid_code', 'The code is invalid or has been used already.');
  }
}

/**
 * A WebAuthn credential that does not verify: bad signature or attestation, wrong origin or RP
 * id, unknown, used or expired challenge, unknown passkey, a signature counter that went back.
 * One answer for all: which check failed helps only someone probing.
 */
export class InvalidCredentialError extends DomainError {
  constructor() {
    super('invalid_credential', 'The passkey credential could not be verified.');
  }
}

export class MfaAlreadyEnabledError extends DomainError {
  constructor() {
    super('mfa_already_enabled', 'An authenticator app is enabled already; remove it first.');
  }
}

/** Recovery codes, or passkey options for a second step, asked of an account without a second factor. */
export class NoSecondFactorError extends DomainError {
  constructor() {
    super('mfa_not_enabled', 'The account has no second factor.');
  }
}

export class PasskeyNotFoundError extends DomainError {
  constructor() {
    super('passkey_not_found', 'No such passkey on this account.');
  }
}

export const mfaErrorCodes = ['invalid_code', 'invalid_credential', 'mfa_already_enabled', 'mfa_not_enabled', 'passkey_not_found'] as const;
export type MfaErrorCode = (typeof mfaErrorCodes)[number];
