import { eventHandlers, systemClock, type HandlerSet } from '../kernel/mod.ts';
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
      const user = await users.findByEmail(email);
      if (!user) return;
      // Quietly one reset mail a minute per account: the client had its answer long ago, the same either way.
      if (!(await mailLimit.hit(`password_reset:${user.id}`)).allowed) return;
      await outbox.append([userEvent('user.password_reset_requested', { userId: user.id, ...meta }, clock.now())]);
    },
    async 'user.password_reset'({ data }) {
      await throttle?.clear(`user:${data.userId}`);
    },
  });
}
