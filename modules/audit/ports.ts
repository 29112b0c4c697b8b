import type { AdminAuditEventView, AuditedEventType, AuditEntry, AuditEventView, ListInput, SearchInput } from './domain.ts';

/** The audit module's port. Throws UnavailableError when its store (or, called remotely, the module) is down. */
export interface AuditApi {
  /** The user's security activity, newest first, at most `limit` (default 50). Idempotent. */
  list(input: ListInput): Promise<AuditEventView[]>;
  /** Entries across accounts (or of one, or of one type), newest first, at most `limit` (default 50). Idempotent. */
  search(input: SearchInput): Promise<AdminAuditEventView[]>;
}

/**
 * The audit log's store. When it is down every method rejects with UnavailableError; a write then
 * changed nothing unless only its answer was lost.
 */
export interface AuditRepository {
  /**
   * Stores the entry; an entry whose id is stored already is ignored (events arrive at least once).
   * Store down: UnavailableError, and the entry is not stored unless only the answer was lost
   * (redelivering the event is then harmless).
   */
  record(entry: AuditEntry): Promise<void>;
  /** The user's entries, newest first (ties broken by id), at most `limit`. Store down: UnavailableError. */
  listByUser(userId: string, limit: number): Promise<AuditEntry[]>;
  /**
   * Entries of every user, or only of `userId` and only of `type` when given, newest first (ties
   * broken by id), at most `limit`. Store down: UnavailableError.
   */
  search(filter: { userId?: string; type?: AuditedEventType; limit: number }): Promise<AuditEntry[]>;
  /**
   * Deletes every entry of the user; returns how many. Store down: UnavailableError, and none was
   * deleted, or (answer lost) all were.
   */
  deleteByUser(userId: string): Promise<number>;
}
