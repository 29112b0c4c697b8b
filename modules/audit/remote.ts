import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import { adminAuditEventViewSchema, auditEventViewSchema, listInputSchema, searchInputSchema } from './domain.ts';
import type { AuditApi } from './ports.ts';

/** AuditApi over a wire. */
export const auditApiSpec = {
  list: { input: listInputSchema, output: z.array(auditEventViewSchema), idempotent: true },
  search: { input: searchInputSchema, output: z.array(adminAuditEventViewSchema), idempotent: true },
} satisfies PortSpec<AuditApi>;

export const auditErrors: ErrorRegistry = {};
