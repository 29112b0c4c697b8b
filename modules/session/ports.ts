import type { CloudEvent } from '../kernel/mod.ts';
import type {
  CreateSessionInput,
  IssuedSession,
  RefreshInput,
  RevokeAllInput,
  RevokeInput,
  RevokeReason,
  SessionRecord,
  SessionView,
} from './domain.ts';

/**
 * The session module's port. Every method throws UnavailableError when its store (or, called
 * remotely, the module) is down.
 */
export interface SessionApi {
  /** Starts a session and returns its first refresh token. Not idempotent. */
  create(input: CreateSessionInput): Promise<IssuedSession>;
  /**
   * Rotates a refresh token. Of concurrent calls with one token exactly one rotates; the others get
   * the same new pair within the reuse grace window (while it is still current), else
   * InvalidRefreshTokenError with the session untouched. A token presented after its rotation
   * committed revokes the whole session (RefreshTokenReusedError) unless it comes back within the
   * reuse grace window, which returns the same new pair again. Throws InvalidRefreshTokenError for
   * unknown, expired or revoked tokens; expired means idle past the refresh-token lifetime or past
   * the session's absolute lifetime, however recently used, and then a rotated token is not reuse.
   * The new expiry never passes the absolute end. Not idempotent.
   */
  refresh(input: RefreshInput): Promise<IssuedSession>;
  /**
   * The user whose active session a refresh token (current or already rotated) belongs to, else
   * null. Changes nothing: a caller reads what it needs before refresh() spends the token. Idempotent.
   */
  ownerOf(refreshToken: string): Promise<string | null>;
  /** The session when it is active (neither revoked nor expired), else null. Idempotent. */
  get(sessionId: string): Promise<SessionView | null>;
  /** The user's active sessions, newest first. Idempotent. */
  listActive(userId: string): Promise<SessionView[]>;
  /** Ends one of the user's active sessions. Throws SessionNotFoundError otherwise. Not idempotent. */
  revoke(input: RevokeInput): Promise<void>;
  /**
   * Ends every active session of the user but `exceptSessionId`; returns how many. Repeating it
   * has the same effect but not the same count, so it is not retried as idempotent.
   */
  revokeAll(input: RevokeAllInput): Promise<{ revoked: number }>;
  /** Ids of sessions revoked at or after `since` (ISO time), to prime a revocation set. Idempotent. */
  listRevokedSince(since: string): Promise<string[]>;
}

/** What a refresh-token hash belongs to. */
export type RefreshTokenMatch =
  | { state: 'current'; session: SessionRecord }
  | { state: 'rotated'; session: SessionRecord; rotatedAt: Date };

/**
 * Stores sessions and their refresh-token families. Writes store the events they cause in the
 * outbox in the same transaction. When the store is down every method rejects with
 * UnavailableError; a write then changed nothing, events included, unless only its answer was
 * lost (see UnavailableError).
 */
export interface SessionRepository {
  /** Stores the session with its events. Store down: UnavailableError, nothing stored unless only the answer was lost. */
  create(session: SessionRecord, events: readonly CloudEvent[]): Promise<void>;
  /** The session (active or not), or null. Store down: UnavailableError. */
  findById(id: string): Promise<SessionRecord | null>;
  /**
   * The session whose current refresh token has this hash (`current`), or whose family once had
   * it and has since rotated it away (`rotated`, with when); null when no session knows the hash.
   * Store down: UnavailableError.
   */
  findByRefreshHash(hash: string): Promise<RefreshTokenMatch | null>;
  /**
   * Compare-and-set: replaces `fromHash` by `toHash` only while `fromHash` is current and the
   * session is active at `at`; sets lastUsedAt = rotatedAt = `at` and the new expiry. Of callers
   * racing with one `fromHash`, exactly one gets the updated session; the rest get null. Store
   * down: UnavailableError, and `fromHash` is still current unless only the answer was lost.
   */
  rotate(input: {
    sessionId: string;
    fromHash: string;
    toHash: string;
    at: Date;
    expiresAt: Date;
    events: readonly CloudEvent[];
  }): Promise<SessionRecord | null>;
  /**
   * Revokes the session if it is active; returns it, or null when it was already revoked, expired
   * or unknown (exactly one of racing callers gets it). `events` builds the events to store.
   * Store down: UnavailableError, and the session is as it was unless only the answer was lost.
   */
  revoke(
    sessionId: string,
    reason: RevokeReason,
    at: Date,
    events: (revoked: SessionRecord) => CloudEvent[],
  ): Promise<SessionRecord | null>;
  /**
   * Revokes every active session of the user except `exceptSessionId`; returns those it revoked.
   * Store down: UnavailableError, possibly after revoking some (each with its events): call it again.
   */
  revokeAllForUser(
    userId: string,
    options: { exceptSessionId?: string; reason: RevokeReason; at: Date },
    events: (revoked: SessionRecord) => CloudEvent[],
  ): Promise<SessionRecord[]>;
  /** The user's sessions that are neither revoked nor expired at `at`, newest first. Store down: UnavailableError. */
  listActive(userId: string, at: Date): Promise<SessionRecord[]>;
  /** Ids of sessions revoked at or after `since`. Store down: UnavailableError. */
  listRevokedSince(since: Date): Promise<string[]>;
  /**
   * Deletes sessions (and their rotated-token hashes) that ended before `before`; returns how many.
   * Store down: UnavailableError, possibly after deleting some of them (the next purge finishes).
   */
  purgeEnded(before: Date): Promise<number>;
}
