import type { CloudEvent } from '../kernel/mod.ts';
import type {
  ChangePasswordInput,
  CredentialCheck,
  CredentialsInput,
  DeleteAccountInput,
  RegisterInput,
  UpdateProfileInput,
  UserRecord,
  UserView,
} from './domain.ts';

/** The user module's port: what other modules (and the HTTP layer) may ask of it. */
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
   * Throws UnavailableError when hashing is overloaded, alike for known and unknown emails.
   * Not idempotent: each failure counts.
   */
  verifyCredentials(input: CredentialsInput): Promise<CredentialCheck>;
  /** The account, or null when there is none. Idempotent. */
  getById(userId: string): Promise<UserView | null>;
  /** Throws UserNotFoundError, ValidationError. Idempotent (same input, same result). */
  updateProfile(input: UpdateProfileInput): Promise<UserView>;
  /**
   * Throws InvalidCredentialsError (wrong current password), RateLimitedError (the account is
   * throttled, see PasswordThrottle), PasswordTooCommonError, ValidationError.
   */
  changePassword(input: ChangePasswordInput): Promise<void>;
  /** Deletes the account for good; its email can register again. Throws InvalidCredentialsError, RateLimitedError. */
  deleteAccount(input: DeleteAccountInput): Promise<void>;
}

/**
 * Hashes passwords with a memory-hard KDF, off the event loop. Both methods may refuse work when
 * too much is running and waiting already: they then throw UnavailableError at once, before any
 * hashing, whatever the password or hash.
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
  has(password: string): boolean;
}

/**
 * Stores accounts. Every write takes the events it causes and stores them in the outbox in the
 * same transaction, so an event is published if and only if its change committed.
 */
export interface UserRepository {
  /**
   * Inserts the user. Throws EmailTakenError when an account with the same canonical email
   * (canonicalEmail) exists; the store enforces it, so of two racing inserts exactly one succeeds.
   */
  create(user: UserRecord, events: readonly CloudEvent[]): Promise<void>;
  /** The account, or null. */
  findById(id: string): Promise<UserRecord | null>;
  /** The account whose canonical email is `email`'s (canonicalEmail), or null. */
  findByEmail(email: string): Promise<UserRecord | null>;
  /** Applies `changes` and sets `updatedAt`; returns the updated account, or null when there is none. */
  update(
    id: string,
    changes: Partial<Pick<UserRecord, 'displayName' | 'passwordHash'>> & { updatedAt: Date },
    events: readonly CloudEvent[],
  ): Promise<UserRecord | null>;
  /** Deletes the account; returns false when there was none (and then stores no events). */
  delete(id: string, events: readonly CloudEvent[]): Promise<boolean>;
}
