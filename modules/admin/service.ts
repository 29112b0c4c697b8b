import { parseInput, systemClock, type Clock, type Outbox } from '../kernel/mod.ts';
import type { MfaApi } from '../mfa/mod.ts';
import type { SessionApi } from '../session/mod.ts';
import { UserNotFoundError, type UserApi } from '../user/mod.ts';
import { actionInputSchema } from './domain.ts';
import { CannotDisableSelfError } from './errors.ts';
import { adminEvent, type adminEvents } from './events.ts';
import type { AdminApi } from './ports.ts';

export interface AdminServiceDeps {
  users: UserApi;
  sessions: SessionApi;
  mfa: MfaApi;
  /** For the admin module's own events (it owns no state they could commit with). */
  outbox: Outbox;
  clock?: Clock;
}

type ActionEvent = Exclude<keyof typeof adminEvents, 'admin.sessions_revoked'>;

export function createAdminService({ users, sessions, mfa, outbox, clock = systemClock }: AdminServiceDeps): AdminApi {
  /** Records an action once it is done: a failure here answers 503, and the retry records it. */
  const record = (type: ActionEvent, { actorId, userId, meta }: ReturnType<typeof parse>) =>
    outbox.append([adminEvent(type, { userId, actorId, ...meta }, clock.now())]);
  const parse = (input: unknown) => parseInput(actionInputSchema, input);

  return {
    searchUsers: (input) => users.searchAccounts(input),

    async getUser(userId) {
      const user = await users.getAccount(userId);
      if (!user) return null;
      const [active, factors] = await Promise.all([sessions.listActive(userId), mfa.summary(userId)]);
      return { user, sessions: active.map(({ userId: _, ...session }) => session), mfa: factors };
    },

    async disableUser(input) {
      const action = parse(input);
      if (action.userId === action.actorId) throw new CannotDisableSelfError();
      await users.setDisabled({ userId: action.userId, disabled: true });
      // After the flag: a login racing with this either sees it, or its session is made before
      // this revocation (auth reads the account again after making the session).
      await sessions.revokeAll({ userId: action.userId, reason: 'user_disabled' });
      await record('admin.user_disabled', action);
    },

    async enableUser(input) {
      const action = parse(input);
      await users.setDisabled({ userId: action.userId, disabled: false });
      await record('admin.user_enabled', action);
    },

    async revokeSessions(input) {
      const { actorId, userId, meta } = parse(input);
      if (!(await users.getAccount(userId))) throw new UserNotFoundError();
      const { revoked } = await sessions.revokeAll({ userId, reason: 'admin_revoked' });
      await outbox.append([adminEvent('admin.sessions_revoked', { userId, actorId, revoked, ...meta }, clock.now())]);
      return { revoked };
    },

    async unlockUser(input) {
      const action = parse(input);
      await users.unlock(action.userId);
      await record('admin.user_unlocked', action);
    },

    async resetMfa(input) {
      const action = parse(input);
      if (!(await users.getAccount(action.userId))) throw new UserNotFoundError();
      await mfa.reset(action.userId);
      await record('admin.mfa_reset', action);
    },
  };
}
