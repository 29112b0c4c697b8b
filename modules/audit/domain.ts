import { z } from 'zod';
import { authEvents } from '../auth/mod.ts';
import { mfaEvents } from '../mfa/mod.ts';
import { sessionEvents } from '../session/mod.ts';
import { userEvents } from '../user/mod.ts';

/** Every event the audit module reads, as the modules that publish them declare them. */
export const readEvents = { ...userEvents, ...authEvents, ...sessionEvents, ...mfaEvents };

/** The event types that make up a user's security activity (API.md). */
export const auditedEventTypes = [
  'user.registered',
  'user.login',
  'user.login_failed',
  'user.logout',
  'user.password_changed',
  'session.revoked',
  'session.refresh_reuse_detected',
  'user.mfa_enabled',
  'user.mfa_disabled',
  'user.recovery_codes_regenerated',
  'user.passkey_added',
  'user.passkey_removed',
] as const satisfies ReadonlyArray<keyof typeof readEvents>;
export type AuditedEventType = (typeof auditedEventTypes)[number];

/** One line of the activity log; `id` is the event id, which makes recording idempotent. */
export interface AuditEntry {
  id: string;
  userId: string;
  type: AuditedEventType;
  time: Date;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export const auditEventViewSchema = z.object({
  id: z.string(),
  type: z.enum(auditedEventTypes),
  time: z.string(),
  sessionId: z.string().optional(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
});
export type AuditEventView = z.infer<typeof auditEventViewSchema>;

/** How many events one listing returns. */
export const listLimit = { min: 1, max: 200, default: 50 } as const;

export const listInputSchema = z.object({
  userId: z.string(),
  limit: z.number().int().min(listLimit.min).max(listLimit.max).default(listLimit.default),
});
export type ListInput = z.input<typeof listInputSchema>;

export function toAuditEventView(e: AuditEntry): AuditEventView {
  return {
    id: e.id,
    type: e.type,
    time: e.time.toISOString(),
    ...(e.sessionId ? { sessionId: e.sessionId } : {}),
    ...(e.ip ? { ip: e.ip } : {}),
    ...(e.userAgent ? { userAgent: e.userAgent } : {}),
  };
}
