import {
  eventHandlers,
  subscribeHandlers,
  type EventBus,
  type EventHandlers,
  type EventOf,
  type Subscription,
} from '../modules/kernel/mod.ts';
import { eventCatalogue, type EventCatalogue } from './events.ts';
import type { Logger } from './log.ts';

/** The events an operator (or a SIEM reading the logs) wants to see, at the level they deserve. */
const levels = {
  'user.registered': 'info',
  'user.login': 'info',
  'user.login_failed': 'warn',
  'user.login_mfa_failed': 'warn',
  'user.logout': 'info',
  'user.password_changed': 'info',
  'user.deleted': 'info',
  'session.revoked': 'info',
  'session.refresh_reuse_detected': 'warn',
  'user.email_verified': 'info',
  'user.password_reset_requested': 'info',
  'user.password_reset': 'info',
  'user.email_change_requested': 'info',
  'user.email_changed': 'info',
  'user.roles_changed': 'warn',
  'admin.user_disabled': 'info',
  'admin.user_enabled': 'info',
  'admin.sessions_revoked': 'info',
  'admin.user_unlocked': 'info',
  'admin.mfa_reset': 'warn',
  'user.mfa_enabled': 'info',
  'user.mfa_disabled': 'info',
  'user.recovery_codes_regenerated': 'info',
  'user.passkey_added': 'info',
  'user.passkey_removed': 'info',
} as const satisfies Partial<Record<keyof EventCatalogue, 'info' | 'warn'>>;

/**
 * One log line per security-relevant event, written once per deployment (one consumer group, in
 * whichever process takes the event) and inside its consumer span, so it carries the trace id of the
 * request that caused it. Only named fields are copied: event data may grow fields not meant for logs.
 */
export function subscribeEventLog(bus: EventBus, logger: Logger): Subscription {
  const write =
    (level: 'info' | 'warn') =>
    async ({ type, id, time, subject, data }: EventOf<EventCatalogue, keyof typeof levels>) => {
      const { sessionId, reason, ip, actorId, role } = data as {
        sessionId?: string;
        reason?: string;
        ip?: string;
        actorId?: string;
        role?: string;
      };
      logger[level](type, { eventId: id, eventTime: time, userId: subject, sessionId, reason, ip, actorId, role });
    };
  const handlers = Object.fromEntries(Object.entries(levels).map(([type, level]) => [type, write(level)])) as EventHandlers<EventCatalogue>;
  return subscribeHandlers(bus, 'log', eventHandlers(eventCatalogue, handlers));
}
