import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { userEvents } from '../user/mod.ts';
import type { SessionApi } from './ports.ts';

/**
 * The session module ends sessions when the user module reports a password change (all but the
 * session that made it), a password reset or a deleted account (all of them).
 */
export function sessionHandlers(api: SessionApi): HandlerSet {
  return eventHandlers(userEvents, {
    async 'user.password_changed'({ data }) {
      await api.revokeAll({ userId: data.userId, exceptSessionId: data.sessionId, reason: 'password_changed' });
    },
    async 'user.password_reset'({ data }) {
      await api.revokeAll({ userId: data.userId, reason: 'password_reset' });
    },
    async 'user.deleted'({ data }) {
      await api.revokeAll({ userId: data.userId, reason: 'user_deleted' });
    },
  });
}
