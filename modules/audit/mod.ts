/**
 * The audit module: each user's security activity log, fed only by events.
 * Other code imports only this file.
 */
export type { AuditApi, AuditRepository } from './ports.ts';
export {
  auditEventViewSchema,
  adminAuditEventViewSchema,
  auditedEventTypes,
  type AuditedEventType,
  type AuditEntry,
  type AuditEventView,
  type AdminAuditEventView,
} from './domain.ts';
export { createAuditService, auditEntryFrom, type AuditService } from './service.ts';
export { auditEndpoints, adminAuditEndpoints } from './http.ts';
export { auditRouteDefinitions, adminAuditRouteDefinitions } from './routes.ts';
export { auditApiSpec, auditErrors } from './remote.ts';
export { auditModule } from './module.ts';
