import { parseInput, type Clock } from '../kernel/mod.ts';
import { roleSchema, type UserRecord } from './domain.ts';
import { UserNotFoundError } from './errors.ts';
import { userEvent, type userEvents } from './events.ts';
import type { UserRepository } from './ports.ts';

/** Who changed a role: ADMIN_EMAILS at a login, or an operator with `npm run admin`. */
export type RoleChangeSource = (typeof userEvents)['user.roles_changed']['shape']['source']['options'][number];

/**
 * Grants (`granted`) or revokes a role of an account, with a `user.roles_changed` event in the
 * same transaction when the roles change. Returns the account after and whether it changed.
 * Throws UserNotFoundError, ValidationError (not a role name).
 */
export async function changeRole(
  users: UserRepository,
  { userId, role, granted, source }: { userId: string; role: string; granted: boolean; source: RoleChangeSource },
  clock: Clock,
): Promise<{ user: UserRecord; changed: boolean }> {
  const name = parseInput(roleSchema, role);
  const at = clock.now();
  const result = await users.setRole(userId, { role: name, granted, at }, (updated) => [
    userEvent('user.roles_changed', { userId, role: name, granted, roles: updated.roles, source }, at),
  ]);
  if (!result) throw new UserNotFoundError();
  return result;
}
