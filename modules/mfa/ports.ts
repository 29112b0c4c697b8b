import type { CloudEvent } from '../kernel/mod.ts';
import type {
  AddPasskeyInput,
  AssertionResult,
  AuthenticationOptionsInput,
  ChallengeRecord,
  CodeInput,
  ConfirmTotpInput,
  CreationOptions,
  FactorPresence,
  LoginStepInput,
  LoginStepResult,
  MfaMethod,
  MfaSummary,
  PasskeyRecord,
  PasskeyView,
  PasswordCheckInput,
  RemovePasskeyInput,
  RequestOptions,
  SecondFactors,
  TotpEnrolment,
  TotpRecord,
  VerifyAssertionInput,
} from './domain.ts';

/**
 * The mfa module's port: the account owner's management of second factors, and the checks a
 * login step makes. Every method throws UnavailableError when a store it needs (or, called
 * remotely, the module) is down, and ValidationError for malformed input. Methods taking a
 * password check it through the user module, throttled per account like a login: they throw
 * InvalidCredentialsError for a wrong one and RateLimitedError while the account is throttled.
 * Code checks (confirmTotp, verifyTotp, useRecoveryCode) count against the same throttle.
 */
export interface MfaApi {
  /** The account's factors as its owner sees them. Idempotent. */
  summary(userId: string): Promise<MfaSummary>;
  /**
   * Starts a TOTP enrolment (RFC 6238: SHA-1, 6 digits, 30 s): a new secret, pending until
   * confirmed; a pending one is replaced. Throws MfaAlreadyEnabledError. Not idempotent.
   */
  startTotp(input: PasswordCheckInput): Promise<TotpEnrolment>;
  /**
   * Enables the pending enrolment with a code of it (±1 step, each step once) and returns ten new
   * recovery codes, replacing any earlier ones; emits user.mfa_enabled (other sessions end). Throws
   * InvalidCodeError (wrong or replayed code, nothing pending). Not idempotent.
   */
  confirmTotp(input: ConfirmTotpInput): Promise<{ recoveryCodes: string[] }>;
  /** Removes TOTP (enabled or pending); with no passkey left the recovery codes go too. Not idempotent. */
  disableTotp(input: PasswordCheckInput): Promise<void>;
  /** Ten new recovery codes; the old ones stop working. Throws NoSecondFactorError. Not idempotent. */
  regenerateRecoveryCodes(input: PasswordCheckInput): Promise<{ recoveryCodes: string[] }>;
  /** Options to register a passkey (the account's passkeys excluded), with a single-use challenge. Not idempotent. */
  passkeyRegistrationOptions(userId: string): Promise<CreationOptions>;
  /** Verifies a registration against its challenge and stores the passkey. Throws InvalidCredentialError. Not idempotent. */
  addPasskey(input: AddPasskeyInput): Promise<PasskeyView>;
  /** Throws PasskeyNotFoundError unless it is one of the account's. Not idempotent. */
  removePasskey(input: RemovePasskeyInput): Promise<void>;
  /** The methods a login of this account must offer; empty when it has no second factor. Idempotent. */
  methodsOf(userId: string): Promise<MfaMethod[]>;
  /** Accepts a code of the enabled TOTP once (±1 step). Throws InvalidCodeError. Not idempotent. */
  verifyTotp(input: CodeInput): Promise<void>;
  /** Spends one unused recovery code; returns how many are left. Throws InvalidCodeError. Not idempotent. */
  useRecoveryCode(input: CodeInput): Promise<{ recoveryCodesLeft: number }>;
  /**
   * Options to sign with a passkey, with a single-use challenge bound to `userId` (the account's
   * passkeys; NoSecondFactorError when it has none) or, without one, to a passwordless login with
   * any discoverable passkey and user verification required. Not idempotent.
   */
  authenticationOptions(input: AuthenticationOptionsInput): Promise<RequestOptions>;
  /**
   * Verifies an assertion against the challenge it signed (spent by this call, whatever the
   * outcome), the passkey's key, the origin and RP id, and a signature counter that must grow.
   * The challenge must have been made for the same `userId` (or for no user, which requires user
   * verification). Throws InvalidCredentialError. Not idempotent.
   */
  verifyAssertion(input: VerifyAssertionInput): Promise<AssertionResult>;
  /**
   * A login's second step, whatever its method: a TOTP code (verifyTotp), a recovery code
   * (useRecoveryCode) or an assertion of one of the account's passkeys (verifyAssertion); without
   * `userId`, a passwordless login with a discoverable, user-verified passkey. Returns the account
   * and the RFC 8176 references of the method (`otp`, `hwk`; `hwk`, `user` for a passkey alone), so
   * the caller learns nothing about each method. Throws as the method's own check:
   * InvalidCodeError, InvalidCredentialError, RateLimitedError. Not idempotent.
   */
  verifyLoginStep(input: LoginStepInput): Promise<LoginStepResult>;
  /**
   * Removes every second factor of the account (an admin's account recovery) and forgets its
   * failed codes. Idempotent in effect; the caller records the action.
   */
  reset(userId: string): Promise<void>;
}

/**
 * Stores each account's second factors: its TOTP enrolment, recovery codes (hashed) and passkeys.
 * Writes that take events store them in the outbox in the same transaction. When the store is
 * down every method rejects with UnavailableError; a write then changed nothing, events
 * included, unless only its answer was lost.
 */
export interface MfaRepository {
  /** Every factor of the account; passkeys oldest first. Store down: UnavailableError. */
  get(userId: string): Promise<SecondFactors>;
  /**
   * Which factors the account has, without reading them: what a login's first step asks of every
   * account, in one read. Store down: UnavailableError.
   */
  presence(userId: string): Promise<FactorPresence>;
  /**
   * Stores `enrolment` (pending: its enabledAt is null) in place of a pending one; returns false
   * and stores nothing when the account's TOTP is enabled.
   */
  startTotp(enrolment: TotpRecord): Promise<boolean>;
  /**
   * Enables the pending enrolment `enrolmentId` and replaces the account's recovery codes by
   * `recoveryCodeHashes`, with `events`. False, nothing changed, when that enrolment is not
   * pending (replaced, enabled or removed meanwhile): of racing callers exactly one gets true.
   */
  enableTotp(
    input: { userId: string; enrolmentId: string; at: Date; recoveryCodeHashes: readonly string[] },
    events: readonly CloudEvent[],
  ): Promise<boolean>;
  /**
   * Removes the account's TOTP, enabled or pending; with no passkey left, its recovery codes too.
   * Returns whether an enabled one was removed; `events` are stored only then.
   */
  removeTotp(userId: string, events: readonly CloudEvent[]): Promise<boolean>;
  /**
   * Replaces the account's recovery codes, with `events`, while it has a second factor (TOTP
   * enabled, or a passkey); false, nothing stored, when it has none.
   */
  replaceRecoveryCodes(userId: string, hashes: readonly string[], events: readonly CloudEvent[]): Promise<boolean>;
  /** Marks the unused code with this hash used at `at`; false when there is none. Of racing callers exactly one gets true. */
  useRecoveryCode(userId: string, hash: string, at: Date): Promise<boolean>;
  /** Stores the passkey with `events`; false, nothing stored, when its credentialId is registered already (to any account). */
  addPasskey(passkey: PasskeyRecord, events: readonly CloudEvent[]): Promise<boolean>;
  /** The passkey with this credential id, or null. Store down: UnavailableError. */
  findPasskey(credentialId: string): Promise<PasskeyRecord | null>;
  /**
   * Records a use: sets the counter and lastUsedAt, only while the stored counter is below
   * `counter` (or both are 0: an authenticator that keeps none). False when it is not (a
   * counter that went back, or a concurrent use of the same value won) or the passkey is gone.
   */
  recordPasskeyUse(passkeyId: string, counter: number, at: Date): Promise<boolean>;
  /**
   * Removes one of the account's passkeys, with `events`; with no factor left, its recovery codes
   * too. False, nothing changed, when it is not one of the account's.
   */
  removePasskey(userId: string, passkeyId: string, events: readonly CloudEvent[]): Promise<boolean>;
  /** Removes everything of the account (deleted, or reset by an admin). Idempotent. */
  removeAll(userId: string): Promise<void>;
}

/**
 * Remembers the last TOTP time step each account has used, so a code is accepted once: RFC 6238
 * §5.2 refuses a second code of a step already used, or of an earlier one. Shared by every
 * process that verifies codes.
 */
export interface TotpReplayGuard {
  /**
   * Records `step` as used by `userId` and returns true, unless a step at or after it was used
   * already (false, nothing changed). Atomic across processes: of concurrent claims of one step
   * exactly one gets true. The record may be forgotten after `keepUntil` (by then no code of
   * that step or an earlier one can match). Store down: UnavailableError, nothing recorded
   * unless only the answer was lost (the code is then refused when tried again: the safe side).
   */
  claim(userId: string, step: number, keepUntil: Date): Promise<boolean>;
}

/**
 * Keeps the WebAuthn challenges handed out with options until they are used or expire, so a
 * challenge is good for one ceremony only, in whichever process it ends.
 */
export interface WebAuthnChallengeStore {
  /** Stores the challenge until its expiresAt. Store down: UnavailableError, nothing stored unless only the answer was lost. */
  put(record: ChallengeRecord): Promise<void>;
  /**
   * Removes the challenge and returns it when it is stored and unexpired at `at`; null otherwise.
   * Of concurrent takes of one challenge exactly one gets it. Store down: UnavailableError, and
   * the challenge is still stored unless only the answer was lost.
   */
  take(challenge: string, at: Date): Promise<ChallengeRecord | null>;
}
