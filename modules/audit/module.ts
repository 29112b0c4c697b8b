import { defineModule, type ModuleInstance } from '../kernel/mod.ts';
import { adminAuditEndpoints, auditEndpoints } from './http.ts';
import type { AuditApi, AuditRepository } from './ports.ts';
import { auditApiSpec, auditErrors } from './remote.ts';
import { adminAuditRouteDefinitions, auditRouteDefinitions } from './routes.ts';
import { createAuditService } from './service.ts';

/** Each user's security activity log, fed only by events; admins query it across users. */
export const auditModule = defineModule({
  name: 'audit',
  port: { name: 'AuditApi', spec: auditApiSpec, errors: auditErrors },
  calls: [],
  routes: [
    { path: '/api/audit', definitions: auditRouteDefinitions, endpoints: auditEndpoints },
    // The audit log's cross-account query: the module that owns the log answers it.
    { path: '/api/admin/audit', definitions: adminAuditRouteDefinitions, endpoints: adminAuditEndpoints },
  ],
  publishes: {},
  errorStatus: {},
  create(deps: { entries: AuditRepository }): ModuleInstance<AuditApi> {
    const service = createAuditService(deps);
    return { api: service, handlers: () => service.handlers };
  },
});
