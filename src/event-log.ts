import type { EventBus, Subscription } from '../modules/kernel/mod.ts';
import type { Logger } from './log.ts';

/** The events an operator (or a SIEM reading the logs) wants to see, at the level they deserve. */
const levels = {
  'user.registered': 'info',
  'user.login': 'info',
  'user.login_failed': 'warn',
  'user.logout': 'info',
  'user.password_changed': 'info',
  'user.deleted': 'info',
  'session.revoked': 'info',
  'session.refresh_reuse_detected': 'warn',
} as const;

/**
 * One log line per security-relevant event, written once per deployment (one consumer group, in
 * whichever process takes the event) and inside its consumer span, so it carries the trace id of the
 * request that caused it. Only named fields are copied: event data may grow fields not meant for logs.
 */
export function subscribeEventLog(bus: EventBus, logger: Logger): Subscription {
  return bus.subscribe({
    group: 'log',
    types: Object.keys(levels),
    async handler({ type, id, time, subject, data }) {
      const level = levels[type as keyof typeof levels];
      logger[level](type, { eventId: id, eventTime: time, userId: subject, sessionId: data.sessionId, reason: data.reason, ip: data.ip });
    },
  });
}
