import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { mfaEvents } from '../mfa/mod.ts';
import { userEvents } from '../user/mod.ts';
import type { SessionApi } from './ports.ts';

/** The events that end sessions. */
const handled = { ...userEvents, ...mfaEvents };

/**
 * The session module ends sessions when the user module reports a password change (all but the
 * session that made it), a password reset or a deleted account (all of them), and when the mfa module reports a
 * second factor enabled (all but the session that confirmed it: a session opened with the password
 * alone must not outlive the account's move to two factors).
 */
export function sessionHandlers(api: SessionApi): HandlerSet {
  return eventHandlers(handled, {
    async 'user.password_changed'({ data }) {
      await api.revokeAll({ userId: data.userId, exceptSessionId: data.sessionId, reason: 'password_changed' });
    },
    async 'user.password_reset'({ data }) {
      await api.revokeAll({ userId: data.userId, reason: 'password_reset' });
    },
    async 'user.deleted'({ data }) {
      await api.revokeAll({ userId: data.userId, reason: 'user_deleted' });
    },
    async 'user.mfa_enabled'({ data }) {
      await api.revokeAll({ userId: data.userId, exceptSessionId: data.sessionId, reason: 'mfa_enabled' });
    },
  });
}
