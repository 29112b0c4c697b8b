import type { EventBus, Subscription } from '../kernel/mod.ts';
import { auditedEventTypes } from './domain.ts';
import type { AuditService } from './service.ts';

/** The audit log is fed only by events. */
export function subscribeAuditHandlers(bus: EventBus, audit: AuditService): Subscription {
  return bus.subscribe({ group: 'audit', types: [...auditedEventTypes, 'user.deleted'], handler: audit.handle });
}
