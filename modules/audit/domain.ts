import { z } from 'zod';
import { adminEvents } from '../admin/mod.ts';
import { authEvents } from '../auth/mod.ts';
import { mfaEvents } from '../mfa/mod.ts';
import { sessionEvents } from '../session/mod.ts';
import { userEvents } from '../user/mod.ts';

/** Every event the audit module reads, as the modules that publish them declare them. */
export const readEvents = { ...userEvents, ...authEvents, ...sessionEvents, ...adminEvents, ...mfaEvents };

/** The event types that make up a user's security activity (API.md). */
export const auditedEventTypes = [
  'user.registered',
  'user.login',
  'user.login_failed',
  'user.login_mfa_failed',
  'user.logout',
  'user.password_changed',
  'user.roles_changed',
  'session.revoked',
  'session.refresh_reuse_detected',
  'user.email_verified',
  'user.password_reset_requested',
  'user.password_reset',
  'user.email_changed',
  'admin.user_disabled',
  'admin.user_enabled',
  'admin.sessions_revoked',
  'admin.user_unlocked',
  'admin.mfa_reset',
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
  /** Whose activity it is: the account the event concerns. */
  userId: string;
  type: AuditedEventType;
  time: Date;
  sessionId: string | null;
  /** For an admin action, the admin who did it (then `ip` and `userAgent` are the admin's). */
  actorId: string | null;
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

/** The activity log as its owner sees it. */
export function toAuditEventView(e: AuditEntry): AuditEventView {
  // Where another account (an admin) acted, the address and browser are theirs: not the owner's to see.
  const byOther = e.actorId !== null && e.actorId !== e.userId;
  return {
    id: e.id,
    type: e.type,
    time: e.time.toISOString(),
    ...(e.sessionId ? { sessionId: e.sessionId } : {}),
    ...(e.ip && !byOther ? { ip: e.ip } : {}),
    ...(e.userAgent && !byOther ? { userAgent: e.userAgent } : {}),
  };
}

/** An entry as admins see it across accounts: whose it is and, for an admin action, who did it. */
export const adminAuditEventViewSchema = auditEventViewSchema.extend({ userId: z.string(), actorId: z.string().optional() });
export type AdminAuditEventView = z.infer<typeof adminAuditEventViewSchema>;

export function toAdminAuditEventView(e: AuditEntry): AdminAuditEventView {
  return {
    id: e.id,
    userId: e.userId,
    type: e.type,
    time: e.time.toISOString(),
    ...(e.sessionId ? { sessionId: e.sessionId } : {}),
    ...(e.actorId ? { actorId: e.actorId } : {}),
    ...(e.ip ? { ip: e.ip } : {}),
    ...(e.userAgent ? { userAgent: e.userAgent } : {}),
  };
}

export const searchInputSchema = z.object({
  /** Only this account's entries. */
  userId: z.string().min(1).max(100).optional(),
  /** Only entries of this type. */
  type: z.enum(auditedEventTypes).optional(),
  limit: z.number().int().min(listLimit.min).max(listLimit.max).default(listLimit.default),
});
export type SearchInput = z.input<typeof searchInputSchema>;
