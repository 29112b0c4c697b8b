import { z } from 'zod';
import type { ErrorRegistry, PortSpec } from '../kernel/mod.ts';
import { auditEventViewSchema, listInputSchema } from './domain.ts';
import type { AuditApi } from './ports.ts';

/** AuditApi over a wire. */
export const auditApiSpec = {
  list: { input: listInputSchema, output: z.array(auditEventViewSchema), idempotent: true },
} satisfies PortSpec<AuditApi>;

export const auditErrors: ErrorRegistry = {};
