import { openApiRoutes, principalOf } from '../kernel/http.ts';
import type { AuditApi } from './ports.ts';
import { listMyEvents, searchEvents } from './routes.ts';

/** Public routes under /api/audit. */
export function auditEndpoints(audit: AuditApi) {
  return openApiRoutes().openapi(listMyEvents, async (c) => {
    const { limit } = c.req.valid('query');
    const events = await audit.list({ userId: principalOf(c).userId, limit: limit === undefined ? undefined : Number(limit) });
    return c.json({ events }, 200);
  });
}

/** Admin routes under /api/admin/audit; the gateway lets through only tokens with the admin role. */
export function adminAuditEndpoints(audit: AuditApi) {
  return openApiRoutes().openapi(searchEvents, async (c) => {
    const { limit, ...filter } = c.req.valid('query');
    const events = await audit.search({ ...filter, limit: limit === undefined ? undefined : Number(limit) });
    return c.json({ events }, 200);
  });
}
