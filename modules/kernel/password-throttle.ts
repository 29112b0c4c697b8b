/**
 * Guards the password checks of each account against guessing: runs a check unless the account
 * is throttled, or already being checked, and records whether it passed.
 */
export interface PasswordThrottle {
  /**
   * `account` names the account: its id once known, else what was presented for it. Throws
   * RateLimitedError instead of running the check. Store down: UnavailableError, before the check
   * runs (it fails closed), or after it when its outcome cannot be recorded: a result never
   * reaches the caller uncounted.
   */
  attempt<T>(account: string, check: () => Promise<T>, passed: (result: T) => boolean): Promise<T>;
  /**
   * Forgets the account's failures, block and lockout, as a passed check would: an admin's unlock,
   * or the owner proving themselves another way (a password-reset link). Store down:
   * UnavailableError, unchanged unless only the answer was lost.
   */
  clear(account: string): Promise<void>;
}

/** How failed password checks throttle an account (NIST 800-63B, section 5.2.2). */
export interface PasswordThrottlePolicy {
  /** Failures within `windowMs` that cost nothing. */
  freeFailures: number;
  windowMs: number;
  /** Each failure past the free ones blocks the account for twice as long as the last, up to this. */
  maxBlockMs: number;
  /** Consecutive failures (no success between) after which checks are refused until `lockoutMs` after the first. */
  lockoutFailures: number;
  lockoutMs: number;
}

/** What `begin` found: the slot is the caller's, or why not and for how long. */
export type PasswordAttemptStart = { started: true } | { started: false; reason: 'blocked' | 'busy'; retryAfterMs: number };

/**
 * Where PasswordThrottle keeps each account's record: its failures, its block, and the slot of
 * the check in flight. Each method is atomic against every other call on the same account, across
 * processes sharing the store. A call that reaches the store after it has already failed for its
 * caller (a timeout while the store stalled) changes nothing. When the store is down every method
 * rejects with UnavailableError and changes nothing unless only its answer was lost.
 */
export interface PasswordAttemptStore {
  readonly policy: PasswordThrottlePolicy;
  /**
   * Takes the account's check slot for `holder` (a token only this caller knows) unless the
   * account is blocked, locked out, or its slot is held. A slot never released frees itself after
   * `holdMs`. Store down: UnavailableError; a slot taken but not answered frees itself after `holdMs`.
   */
  begin(account: string, holder: string, holdMs: number): Promise<PasswordAttemptStart>;
  /**
   * Records a check's outcome and frees the slot if `holder` still holds it. A pass forgets the
   * account's failures and block; a failure counts in the window and towards the lockout and,
   * past the free failures, blocks the account (2 s, 4 s, 8 s … up to `maxBlockMs`). Recorded even
   * when the slot has meanwhile passed to another holder: the check did happen. Store down:
   * UnavailableError, the outcome unrecorded unless only the answer was lost.
   */
  finish(account: string, holder: string, passed: boolean): Promise<void>;
  /**
   * Frees the slot if `holder` holds it, recording nothing (the check itself could not run). From
   * a holder that does not hold it (its slot freed itself, or its begin never took it) it changes
   * nothing, so a caller may release late, or release after a begin whose answer it never got.
   * Store down: UnavailableError; the slot then frees itself after its `holdMs`.
   */
  release(account: string, holder: string): Promise<void>;
  /**
   * Forgets the account's failures, block and lockout, as a pass does, and leaves its slot to
   * whoever holds it. Store down: UnavailableError, unchanged unless only the answer was lost.
   */
  clear(account: string): Promise<void>;
}
