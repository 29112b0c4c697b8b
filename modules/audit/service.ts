import { eventHandlers, parseInput, type EventOf, type HandlerSet } from '../kernel/mod.ts';
import {
  listInputSchema,
  readEvents,
  searchInputSchema,
  toAdminAuditEventView,
  toAuditEventView,
  type AuditedEventType,
  type AuditEntry,
} from './domain.ts';
import type { AuditApi, AuditRepository } from './ports.ts';

type AuditedEvent = EventOf<typeof readEvents, AuditedEventType>;

/** Maps an event to a log entry, or null when it names no user. */
export function auditEntryFrom(event: AuditedEvent): AuditEntry | null {
  if (!event.subject) return null;
  const data = event.data as { sessionId?: string; actorId?: string; ip?: string; userAgent?: string };
  return {
    id: event.id,
    userId: event.subject,
    type: event.type,
    time: new Date(event.time),
    sessionId: data.sessionId || null,
    actorId: data.actorId || null,
    ip: data.ip || null,
    userAgent: data.userAgent || null,
  };
}

export interface AuditService extends AuditApi {
  /** Records security activity, once per event id; `user.deleted` erases the user's log. */
  handlers: HandlerSet;
}

export function createAuditService({ entries }: { entries: AuditRepository }): AuditService {
  const record = async (event: AuditedEvent) => {
    const entry = auditEntryFrom(event);
    if (entry) await entries.record(entry);
  };
  return {
    async list(input) {
      const { userId, limit } = parseInput(listInputSchema, input);
      return (await entries.listByUser(userId, limit)).map(toAuditEventView);
    },

    async search(input) {
      return (await entries.search(parseInput(searchInputSchema, input))).map(toAdminAuditEventView);
    },

    handlers: eventHandlers(readEvents, {
      'user.registered': record,
      'user.login': record,
      'user.login_failed': record,
      'user.login_mfa_failed': record,
      'user.logout': record,
      'user.password_changed': record,
      'user.roles_changed': record,
      'admin.user_disabled': record,
      'admin.user_enabled': record,
      'admin.sessions_revoked': record,
      'admin.user_unlocked': record,
      'admin.mfa_reset': record,
      'session.refresh_reuse_detected': record,
      'user.email_verified': record,
      'user.password_reset_requested': record,
      'user.password_reset': record,
      'user.email_changed': record,
      'user.mfa_enabled': record,
      'user.mfa_disabled': record,
      'user.recovery_codes_regenerated': record,
      'user.passkey_added': record,
      'user.passkey_removed': record,
      async 'session.revoked'(event) {
        // Sessions ended because the account was deleted belong to a log that no longer exists.
        if (event.data.reason !== 'user_deleted') await record(event);
      },
      async 'user.deleted'({ data }) {
        await entries.deleteByUser(data.userId);
      },
    }),
  };
}
