import { Hono } from 'hono';
import { z } from 'zod';
import { principalOf, validate, type AppEnv } from '../kernel/http.ts';
import type { AuditApi } from './ports.ts';

/** Public routes under /api/audit. */
export function auditRoutes(audit: AuditApi) {
  return new Hono<AppEnv>().get(
    '/me',
    validate('query', z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) })),
    async (c) => {
      const events = await audit.list({ userId: principalOf(c).userId, limit: c.req.valid('query').limit });
      return c.json({ events });
    },
  );
}
