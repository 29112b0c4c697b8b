import type { CloudEvent } from '../kernel/mod.ts';
import type { SearchPosition } from './cursor.ts';
import type {
  AccountPage,
  AccountView,
  ChangePasswordInput,
  ConfirmEmailChangeInput,
  CredentialCheck,
  CredentialsInput,
  DeleteAccountInput,
  ForgotPasswordInput,
  IssueAccountTokenInput,
  IssuedAccountToken,
  RegisterInput,
  RequestEmailChangeInput,
  RequestEmailVerificationInput,
  ResetPasswordInput,
  SearchAccountsInput,
  SetDisabledInput,
  UpdateProfileInput,
  VerifyEmailInput,
  UserRecord,
  UserView,
} from './domain.ts';
import type { AccountTokenKind, AccountTokenRecord } from './tokens.ts';

/**
 * The user module's port: what other modules (and the HTTP layer) may ask of it. Every method
 * throws UnavailableError when its store (or, called remotely, the module) is down.
 */
export interface UserApi {
  /**
   * Creates an account. Throws ValidationError, PasswordTooCommonError, EmailTakenError,
   * UnavailableError (hashing overloaded, nothing stored). Not idempotent.
   */
  register(input: RegisterInput): Promise<UserView>;
  /**
   * Checks an email and password. Takes the same time whether or not the account exists.
   * Never throws for bad credentials: returns `{ ok: false }`. Throttled per account (see
   * PasswordThrottle): throws RateLimitedError while the account is throttled or being checked.
   * Throws AccountDisabledError for the right password of a disabled account (only then: a wrong
   * one is `{ ok: false }` as for any account). Throws UnavailableError when hashing is
   * overloaded, alike for known and unknown emails. Not idempotent: each failure counts.
   */
  verifyCredentials(input: CredentialsInput): Promise<CredentialCheck>;
  /**
   * Records a login of the account (its lastLoginAt) and, when its email is in ADMIN_EMAILS and
   * it lacks the `admin` role, grants it (with a `user.roles_changed` event). Returns the account
   * after, or null when there is none (deleted meanwhile). Idempotent: again, it moves lastLoginAt
   * to the later call and grants nothing twice.
   */
  recordLogin(userId: string): Promise<AccountView | null>;
  /** The account, or null when there is none. Idempotent. */
  getById(userId: string): Promise<UserView | null>;
  /** The account as admins see it (roles, disabled, last login), or null when there is none. Idempotent. */
  getAccount(userId: string): Promise<AccountView | null>;
  /**
   * Accounts whose email or display name contains `query` (ASCII letters in any case), newest
   * first, `limit` at a time; `nextCursor` (null on the last page) continues after the last one,
   * unaffected by accounts created or deleted meanwhile. Throws ValidationError for a cursor it
   * did not make. Idempotent.
   */
  searchAccounts(input: SearchAccountsInput): Promise<AccountPage>;
  /**
   * Disables or enables the account; a disabled one cannot log in (AccountDisabledError) or
   * refresh. Ending its sessions is the caller's (admin) part. Returns the account after. Throws
   * UserNotFoundError. Idempotent.
   */
  setDisabled(input: SetDisabledInput): Promise<AccountView>;
  /** Clears the account's failed-login throttle (blocks and lockout). Throws UserNotFoundError. Idempotent. */
  unlock(userId: string): Promise<void>;
  /** Throws UserNotFoundError, ValidationError. Idempotent (same input, same result). */
  updateProfile(input: UpdateProfileInput): Promise<UserView>;
  /**
   * Throws InvalidCredentialsError (wrong current password), RateLimitedError (the account is
   * throttled, see PasswordThrottle), PasswordTooCommonError, ValidationError.
   */
  changePassword(input: ChangePasswordInput): Promise<void>;
  /** Deletes the account for good; its email can register again. Throws InvalidCredentialsError, RateLimitedError. */
  deleteAccount(input: DeleteAccountInput): Promise<void>;
  /**
   * Asks for a new verification mail (it voids the last link; a verified account gets none, and
   * the same answer). Throws RateLimitedError past one a minute per account, UserNotFoundError.
   * Not idempotent.
   */
  requestEmailVerification(input: RequestEmailVerificationInput): Promise<void>;
  /** Marks the account's email verified. Throws InvalidTokenError. Not idempotent: the token is spent. */
  verifyEmail(input: VerifyEmailInput): Promise<void>;
  /**
   * Asks for a reset link for an address: one event, the same whether or not an account has it,
   * so neither the answer nor its time tells. Throws ValidationError (not an address). Not idempotent.
   */
  forgotPassword(input: ForgotPasswordInput): Promise<void>;
  /**
   * Sets a new password with a reset link; the account's failed-login throttle is cleared, and
   * user.password_reset ends its sessions. Throws InvalidTokenError, PasswordTooCommonError,
   * ValidationError. Not idempotent: the token is spent, even should hashing then fail.
   */
  resetPassword(input: ResetPasswordInput): Promise<void>;
  /**
   * Asks to move the signed-in account to `newEmail` (a link is mailed there, a notice to the
   * current address). Throws InvalidCredentialsError (wrong password), RateLimitedError (the
   * password throttle), EmailTakenError. Not idempotent.
   */
  requestEmailChange(input: RequestEmailChangeInput): Promise<void>;
  /**
   * Makes the link's address the account's, verified. Throws InvalidTokenError, EmailTakenError
   * (another account took it meanwhile; the link is spent). Not idempotent.
   */
  confirmEmailChange(input: ConfirmEmailChangeInput): Promise<void>;
  /**
   * Issues a token of `kind` for the account, voiding its last one of that kind, and returns it
   * with the address to mail it to: the one place a raw token leaves this module, for the
   * notification module's mail. Null when there is nothing to mail: the account is gone, or (a
   * verification) already verified. Not idempotent: each call voids the last token.
   */
  issueAccountToken(input: IssueAccountTokenInput): Promise<IssuedAccountToken | null>;
}

/**
 * Hashes passwords with a memory-hard KDF, off the event loop. It has no store that can be down.
 * Both methods may refuse work when too much is running and waiting already: they then throw
 * UnavailableError at once, before any hashing, whatever the password or hash.
 */
export interface PasswordHasher {
  /** A self-describing hash string (PHC format). Throws UnavailableError when overloaded. */
  hash(password: string): Promise<string>;
  /**
   * True when `password` matches `hash`; false (never a throw) for a malformed hash. Constant-time.
   * Throws UnavailableError when overloaded.
   */
  verify(hash: string, password: string): Promise<boolean>;
}

/** Answers whether a password is on a list of commonly used passwords. */
export interface CommonPasswordList {
  /**
   * Looks in a list held in this process (read at the first call): there is no store that can be
   * down, and it never rejects.
   */
  has(password: string): Promise<boolean>;
}

/**
 * Stores accounts. Every write takes the events it causes and stores them in the outbox in the
 * same transaction, so an event is published if and only if its change committed. When the store
 * is down every method rejects with UnavailableError; a write then changed nothing, events
 * included, unless only its answer was lost (see UnavailableError).
 */
export interface UserRepository {
  /**
   * Inserts the user. Throws EmailTakenError when an account with the same canonical email
   * (canonicalEmail) exists; the store enforces it, so of two racing inserts exactly one succeeds.
   * Store down: UnavailableError, nothing stored unless only the answer was lost.
   */
  create(user: UserRecord, events: readonly CloudEvent[]): Promise<void>;
  /** The account, or null. Store down: UnavailableError. */
  findById(id: string): Promise<UserRecord | null>;
  /** The account whose canonical email is `email`'s (canonicalEmail), or null. Store down: UnavailableError. */
  findByEmail(email: string): Promise<UserRecord | null>;
  /**
   * Applies `changes` and sets `updatedAt`; returns the updated account, or null when there is none.
   * A new `email` is matched as create() matches it: EmailTakenError when another account has it
   * (the store decides racing changes), the account and events then unchanged. Store down:
   * UnavailableError, the account unchanged unless only the answer was lost.
   */
  update(
    id: string,
    changes: Partial<Pick<UserRecord, 'displayName' | 'passwordHash' | 'email' | 'emailVerified' | 'status'>> & { updatedAt: Date },
    events: readonly CloudEvent[],
  ): Promise<UserRecord | null>;
  /**
   * Sets lastLoginAt (and nothing else, not even updatedAt); returns the updated account, or null
   * when there is none. Store down: UnavailableError, unchanged unless only the answer was lost.
   */
  recordLogin(id: string, at: Date): Promise<UserRecord | null>;
  /**
   * Adds `role` to the account's roles (`granted`) or removes it, atomically against concurrent
   * changes of its roles; when that changes them, also sets updatedAt to `at` and stores the
   * events `events` makes of the updated account. Returns the account after and whether it
   * changed, or null when there is none. Store down: UnavailableError, unchanged (events
   * included) unless only the answer was lost.
   */
  setRole(
    id: string,
    change: { role: string; granted: boolean; at: Date },
    events: (updated: UserRecord) => CloudEvent[],
  ): Promise<{ user: UserRecord; changed: boolean } | null>;
  /**
   * Accounts whose canonical email or display name contains `query` once ASCII letters are
   * folded (foldAscii; `query` comes folded, and empty matches all), ordered newest first by
   * createdAt then id (ids compared as bytes), only those after `after` in that order, at most
   * `limit`. Store down: UnavailableError.
   */
  search(input: { query: string; after: SearchPosition | null; limit: number }): Promise<UserRecord[]>;
  /**
   * Deletes the account; returns false when there was none (and then stores no events). Store
   * down: UnavailableError, the account kept unless only the answer was lost.
   */
  delete(id: string, events: readonly CloudEvent[]): Promise<boolean>;
}

/**
 * Stores the single-use account tokens (email verification, password reset, email change), by
 * hash only. A user holds at most one token of each kind: a newer one voids the older. When the
 * store is down every method rejects with UnavailableError; a write then changed nothing unless
 * only its answer was lost.
 */
export interface AccountTokenRepository {
  /**
   * Stores the token as the user's one token of its kind, voiding the one it had; of racing
   * issues for one user and kind exactly one token stays. Store down: UnavailableError, and the
   * previous token stays unless only the answer was lost.
   */
  issue(token: AccountTokenRecord): Promise<void>;
  /**
   * Spends the token with this hash if it is of `kind` and unexpired at `at`: removes it and
   * returns it; null otherwise (unknown, another kind, expired, spent or voided). Of callers racing
   * with one hash exactly one gets it. Store down: UnavailableError, and the token is unspent
   * unless only the answer was lost.
   */
  consume(hash: string, kind: AccountTokenKind, at: Date): Promise<AccountTokenRecord | null>;
  /**
   * The token with this hash if it is of `kind` and unexpired at `at`, left in place; null as for
   * consume(). Lets a caller check a token before costly work it spends it after. Store down:
   * UnavailableError.
   */
  find(hash: string, kind: AccountTokenKind, at: Date): Promise<AccountTokenRecord | null>;
  /**
   * Removes every token of the user (the account is gone). Idempotent. Store down:
   * UnavailableError, and none was removed, or (answer lost) all were.
   */
  deleteByUser(userId: string): Promise<void>;
}
