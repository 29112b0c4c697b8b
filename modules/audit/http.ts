import { openApiRoutes, principalOf } from '../kernel/http.ts';
import type { AuditApi } from './ports.ts';
import { listMyEvents } from './routes.ts';

/** Public routes under /api/audit. */
export function auditEndpoints(audit: AuditApi) {
  return openApiRoutes().openapi(listMyEvents, async (c) => {
    const { limit } = c.req.valid('query');
    const events = await audit.list({ userId: principalOf(c).userId, limit: limit === undefined ? undefined : Number(limit) });
    return c.json({ events }, 200);
  });
}
