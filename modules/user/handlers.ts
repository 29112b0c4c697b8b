import { eventHandlers, systemClock, type HandlerSet } from '../kernel/mod.ts';
import { canonicalEmail } from './domain.ts';
import { userEvent, userEvents } from './events.ts';
import type { UserServiceDeps } from './service.ts';

/**
 * The user module's own consumers: it resolves a forgotten-password request to its account (the
 * request itself never looked), and clears the failed-login throttle after a reset (the request
 * did at once; this retries should the throttle's store not have answered).
 */
export function userHandlers({ users, outbox, mailLimit, throttle, clock = systemClock }: UserServiceDeps): HandlerSet {
  return eventHandlers(userEvents, {
    async 'user.password_forgotten'({ data: { email, ...meta } }) {
      // The same work for an unknown address as for a known one up to the last step: in one process
      // this runs beside the requests, which must not be slowed for known addresses only.
      const user = await users.findByEmail(email);
      // Quietly one reset mail a minute per address: the client had its answer long ago, the same either way.
      const allowed = (await mailLimit.hit(`password_reset:${canonicalEmail(email)}`)).allowed;
      if (!user || !allowed) return;
      await outbox.append([userEvent('user.password_reset_requested', { userId: user.id, ...meta }, clock.now())]);
    },
    async 'user.password_reset'({ data }) {
      await throttle?.clear(`user:${data.userId}`);
    },
  });
}
