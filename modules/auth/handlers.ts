import { adminEvents } from '../admin/mod.ts';
import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { userEvents } from '../user/mod.ts';
import type { PendingLoginStore } from './ports.ts';

/**
 * A new password voids the logins waiting for their second step: their mfaTokens proved the old
 * one, and whoever had it must not finish a login after the owner changed or reset it (the
 * session module ends the sessions the old password made; a session made later would outlive that).
 * An admin's sign-out of every session voids them too: it would not hold if a second step begun
 * before it could still finish into a new session.
 */
export function authHandlers(pendingLogins: PendingLoginStore): HandlerSet {
  const voidPendingLogins = async ({ data }: { data: { userId: string } }) => pendingLogins.removeAllOf(data.userId);
  return eventHandlers(
    { ...userEvents, ...adminEvents },
    {
      'user.password_changed': voidPendingLogins,
      'user.password_reset': voidPendingLogins,
      'admin.sessions_revoked': voidPendingLogins,
    },
  );
}
