import { parseInput, type CloudEvent } from '../kernel/mod.ts';
import { isAuditedEventType, listInputSchema, toAuditEventView, type AuditEntry } from './domain.ts';
import type { AuditApi, AuditRepository } from './ports.ts';

const optionalString = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);

/** Maps an event to a log entry, or null when it concerns no user or is not security activity. */
export function auditEntryFrom(event: CloudEvent): AuditEntry | null {
  if (!event.subject || !isAuditedEventType(event.type)) return null;
  // Sessions ended because the account was deleted belong to a log that no longer exists.
  if (event.type === 'session.revoked' && event.data.reason === 'user_deleted') return null;
  return {
    id: event.id,
    userId: event.subject,
    type: event.type,
    time: new Date(event.time),
    sessionId: optionalString(event.data.sessionId),
    ip: optionalString(event.data.ip),
    userAgent: optionalString(event.data.userAgent),
  };
}

export interface AuditService extends AuditApi {
  /** Records one event; safe to call again with the same event. */
  handle(event: CloudEvent): Promise<void>;
}

export function createAuditService({ entries }: { entries: AuditRepository }): AuditService {
  return {
    async list(input) {
      const { userId, limit } = parseInput(listInputSchema, input);
      return (await entries.listByUser(userId, limit)).map(toAuditEventView);
    },

    async handle(event) {
      if (event.type === 'user.deleted' && event.subject) {
        await entries.deleteByUser(event.subject);
        return;
      }
      const entry = auditEntryFrom(event);
      if (entry) await entries.record(entry);
    },
  };
}
