import { Hono } from 'hono';
import { z } from 'zod';
import { principalOf, validate, type AppEnv } from '../kernel/http.ts';
import type { AuditApi } from './ports.ts';

/** Public routes under /api/audit. */
export function auditRoutes(audit: AuditApi) {
  return new Hono<AppEnv>().get(
    '/me',
    validate('query', z.object({ limit: z.string().optional() })),
    async (c) => {
      // The service's schema bounds the limit; the query only carries it as text.
      const { limit } = c.req.valid('query');
      const events = await audit.list({ userId: principalOf(c).userId, limit: limit === undefined ? undefined : Number(limit) });
      return c.json({ events });
    },
  );
}
