import type { AuditEntry, AuditEventView, ListInput } from './domain.ts';

/** The audit module's port. */
export interface AuditApi {
  /** The user's security activity, newest first, at most `limit` (default 50). Idempotent. */
  list(input: ListInput): Promise<AuditEventView[]>;
}

export interface AuditRepository {
  /** Stores the entry; an entry whose id is stored already is ignored (events arrive at least once). */
  record(entry: AuditEntry): Promise<void>;
  /** The user's entries, newest first (ties broken by id), at most `limit`. */
  listByUser(userId: string, limit: number): Promise<AuditEntry[]>;
  /** Deletes every entry of the user; returns how many. */
  deleteByUser(userId: string): Promise<number>;
}
