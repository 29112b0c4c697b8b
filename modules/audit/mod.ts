/**
 * The audit module: each user's security activity log, fed only by events.
 * Other code imports only this file.
 */
export type { AuditApi, AuditRepository } from './ports.ts';
export { auditEventViewSchema, type AuditedEventType, type AuditEntry, type AuditEventView } from './domain.ts';
export { createAuditService, auditEntryFrom, type AuditService } from './service.ts';
export { auditEndpoints } from './http.ts';
export { auditRouteDefinitions } from './routes.ts';
export { auditApiSpec, auditErrors } from './remote.ts';
export { auditModule } from './module.ts';
