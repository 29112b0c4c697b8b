import type { EventBus, Subscription } from '../kernel/mod.ts';
import type { SessionApi } from './ports.ts';

/**
 * The session module ends sessions when the user module reports a password change (all but the
 * session that made it) or a deleted account (all of them).
 */
export function subscribeSessionHandlers(bus: EventBus, sessions: SessionApi): Subscription {
  return bus.subscribe({
    group: 'session',
    types: ['user.password_changed', 'user.deleted'],
    async handler(event) {
      const userId = String(event.data.userId ?? event.subject);
      if (event.type === 'user.deleted') {
        await sessions.revokeAll({ userId, reason: 'user_deleted' });
        return;
      }
      const keep = typeof event.data.sessionId === 'string' ? event.data.sessionId : undefined;
      await sessions.revokeAll({ userId, exceptSessionId: keep, reason: 'password_changed' });
    },
  });
}
