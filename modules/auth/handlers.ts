import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { userEvents } from '../user/mod.ts';
import type { PendingLoginStore } from './ports.ts';

/**
 * A new password voids the logins waiting for their second step: their mfaTokens proved the old
 * one, and whoever had it must not finish a login after the owner changed or reset it (the
 * session module ends the sessions the old password made; a session made later would outlive that).
 */
export function authHandlers(pendingLogins: PendingLoginStore): HandlerSet {
  return eventHandlers(userEvents, {
    async 'user.password_changed'({ data }) {
      await pendingLogins.removeAllOf(data.userId);
    },
    async 'user.password_reset'({ data }) {
      await pendingLogins.removeAllOf(data.userId);
    },
  });
}
