import { createEvent, type CloudEvent, type RequestMeta } from '../kernel/mod.ts';
import type { RevokeReason } from './domain.ts';

export const sessionEventTypes = {
  created: 'session.created',
  refreshed: 'session.refreshed',
  revoked: 'session.revoked',
} as const;

/** `session.revoked` data: the gateway's revocation set and the audit log read it. */
export interface SessionRevokedData extends Record<string, unknown> {
  userId: string;
  sessionId: string;
  reason: RevokeReason;
}

export function sessionEvent(
  type: (typeof sessionEventTypes)[keyof typeof sessionEventTypes],
  userId: string,
  data: { sessionId: string; reason?: RevokeReason } & RequestMeta,
  time: Date,
): CloudEvent {
  return createEvent({ source: 'session', type, subject: userId, data: { userId, ...data }, time });
}
