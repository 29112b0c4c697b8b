import type { AccountPage, SearchAccountsInput } from '../user/mod.ts';
import type { ActionInput, UserDetail } from './domain.ts';

/**
 * The admin module's port: queries and actions over other accounts, for callers the gateway has
 * checked to hold the `admin` role. Each action is done first and then recorded (an `admin.*`
 * event naming the admin); every action has the same effect done twice, so a caller that got
 * UnavailableError retries it, which also records it if the record was what failed. Every method
 * throws UnavailableError when a module it calls, or its outbox, is down.
 */
export interface AdminApi {
  /** Accounts by email or display name, newest first, a page at a time (UserApi.searchAccounts). Idempotent. */
  searchUsers(input: SearchAccountsInput): Promise<AccountPage>;
  /** The account with its active sessions and second factors, or null when there is none. Idempotent. */
  getUser(userId: string): Promise<UserDetail | null>;
  /**
   * Disables the account and revokes every session of it, so its access tokens stop passing the
   * gateway (within a second) and it can neither log in nor refresh. Throws UserNotFoundError.
   * Not idempotent: each call records an `admin.user_disabled`.
   */
  disableUser(input: ActionInput): Promise<void>;
  /** Enables a disabled account. Throws UserNotFoundError. Not idempotent: each call records an `admin.user_enabled`. */
  enableUser(input: ActionInput): Promise<void>;
  /** Revokes every session of the account; returns how many. Throws UserNotFoundError. Not idempotent. */
  revokeSessions(input: ActionInput): Promise<{ revoked: number }>;
  /** Clears the account's failed-login throttle. Throws UserNotFoundError. Not idempotent: each call records an `admin.user_unlocked`. */
  unlockUser(input: ActionInput): Promise<void>;
  /**
   * Removes every second factor of the account (TOTP, recovery codes, passkeys) and its failed
   * codes, so its owner can log in with the password alone and enrol again. Throws
   * UserNotFoundError. Not idempotent: each call records an `admin.mfa_reset`.
   */
  resetMfa(input: ActionInput): Promise<void>;
}
