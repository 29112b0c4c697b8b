import { parseInput, systemClock, type Clock, type PasswordThrottle } from '../kernel/mod.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import {
  adminRole,
  canonicalEmail,
  changePasswordInputSchema,
  credentialsInputSchema,
  deleteAccountInputSchema,
  foldAscii,
  registerInputSchema,
  searchAccountsInputSchema,
  setDisabledInputSchema,
  toAccountView,
  toUserView,
  updateProfileInputSchema,
  type UserRecord,
} from './domain.ts';
import { AccountDisabledError, InvalidCredentialsError, PasswordTooCommonError, UserNotFoundError } from './errors.ts';
import { userEvent } from './events.ts';
import type { CommonPasswordList, PasswordHasher, UserApi, UserRepository } from './ports.ts';
import { changeRole } from './roles.ts';

export interface UserServiceDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  commonPasswords: CommonPasswordList;
  /** Throttles password checks per account: logins, and a signed-in user's re-checks (password change, deletion). */
  throttle?: PasswordThrottle;
  /** Canonical emails whose accounts get the `admin` role at login (ADMIN_EMAILS). */
  adminEmails?: readonly string[];
  clock?: Clock;
}

/** The throttle's name for an account that exists (see throttledMatch). */
const throttleKeyOf = (userId: string) => `user:${userId}`;

export function createUserService({
  users,
  hasher,
  commonPasswords,
  throttle,
  adminEmails = [],
  clock = systemClock,
}: UserServiceDeps): UserApi {
  // Verifying against a real hash when the email is unknown makes both paths cost one argon2 run,
  // so response time does not reveal which emails have accounts.
  // Made at once, so even the first unknown-email login costs no more than a known one.
  let dummyHash = hasher.hash(crypto.randomUUID());
  dummyHash.catch(() => {});
  const dummy = () =>
    dummyHash.catch(() => {
      dummyHash = hasher.hash(crypto.randomUUID());
      return dummyHash;
    });

  function rejectCommon(password: string): void {
    if (commonPasswords.has(password)) throw new PasswordTooCommonError();
  }

  /** Whether `password` is `user`'s; with no user it is checked against the dummy hash, at the same cost. */
  async function passwordMatches(user: UserRecord | null, password: string): Promise<boolean> {
    if (!user) {
      await hasher.verify(await dummy(), password);
      return false;
    }
    return hasher.verify(user.passwordHash, password);
  }

  /**
   * Checks `password` against the account, throttled per account: by its id when it exists, else
   * by the canonical form of the email presented, so an unknown email is throttled (and answers)
   * exactly as a known one. Every spelling that reaches an account shares its counts.
   */
  async function throttledMatch(user: UserRecord | null, presentedEmail: string, password: string): Promise<boolean> {
    const check = () => passwordMatches(user, password);
    if (!throttle) return check();
    const account = user ? throttleKeyOf(user.id) : `email:${canonicalEmail(presentedEmail)}`;
    return throttle.attempt(account, check, (matched) => matched);
  }

  /**
   * Throws InvalidCredentialsError unless `password` is the signed-in user's. Throttled as logins
   * are, sharing their counts: a stolen access token must not buy unlimited guesses.
   */
  async function confirmPassword(userId: string, password: string): Promise<void> {
    const user = await users.findById(userId);
    if (!user || !(await throttledMatch(user, user.email, password))) throw new InvalidCredentialsError();
  }

  return {
    async register(input) {
      const { email, password, displayName, meta } = parseInput(registerInputSchema, input);
      rejectCommon(password);
      const now = clock.now();
      const user: UserRecord = {
        id: crypto.randomUUID(),
        email,
        displayName: displayName ?? null,
        passwordHash: await hasher.hash(password),
        status: 'active',
        roles: [],
        createdAt: now,
        updatedAt: now,
        lastLoginAt: null,
      };
      await users.create(user, [userEvent('user.registered', { userId: user.id, ...meta }, now)]);
      return toUserView(user);
    },

    async verifyCredentials(input) {
      const { email, password } = parseInput(credentialsInputSchema, input);
      const user = await users.findByEmail(email);
      const matched = await throttledMatch(user, email, password); // an unknown email costs the same
      if (!user || !matched) return { ok: false, userId: user?.id ?? null };
      // Only after the right password: a guess learns nothing about the account's state.
      if (user.status !== 'active') throw new AccountDisabledError(user.id);
      return { ok: true, user: toUserView(user) };
    },

    async recordLogin(userId) {
      let user = await users.findById(userId);
      if (user && adminEmails.includes(canonicalEmail(user.email)) && !user.roles.includes(adminRole)) {
        user = (await changeRole(users, { userId, role: adminRole, granted: true, source: 'admin_emails' }, clock)).user;
      }
      if (user) user = await users.recordLogin(userId, clock.now());
      return user ? toAccountView(user) : null;
    },

    async getById(userId) {
      const user = await users.findById(userId);
      return user ? toUserView(user) : null;
    },

    async getAccount(userId) {
      const user = await users.findById(userId);
      return user ? toAccountView(user) : null;
    },

    async searchAccounts(input) {
      const { query = '', limit, cursor } = parseInput(searchAccountsInputSchema, input);
      const after = cursor === undefined ? null : decodeCursor(cursor);
      // One more than asked: whether it comes says whether there is a next page.
      const found = await users.search({ query: foldAscii(query.trim()), after, limit: limit + 1 });
      const page = found.slice(0, limit);
      const last = page.at(-1);
      return { users: page.map(toAccountView), nextCursor: found.length > limit && last ? encodeCursor(last) : null };
    },

    async setDisabled(input) {
      const { userId, disabled } = parseInput(setDisabledInputSchema, input);
      const updated = await users.update(userId, { status: disabled ? 'disabled' : 'active', updatedAt: clock.now() }, []);
      if (!updated) throw new UserNotFoundError();
      return toAccountView(updated);
    },

    async unlock(userId) {
      if (!(await users.findById(userId))) throw new UserNotFoundError();
      await throttle?.clear(throttleKeyOf(userId));
    },

    async updateProfile(input) {
      const { userId, displayName } = parseInput(updateProfileInputSchema, input);
      const now = clock.now();
      const updated = await users.update(userId, { displayName, updatedAt: now }, [
        userEvent('user.updated', { userId, fields: ['displayName'] }, now),
      ]);
      if (!updated) throw new UserNotFoundError();
      return toUserView(updated);
    },

    async changePassword(input) {
      const { userId, sessionId, currentPassword, newPassword, meta } = parseInput(changePasswordInputSchema, input);
      await confirmPassword(userId, currentPassword);
      rejectCommon(newPassword);
      const now = clock.now();
      const updated = await users.update(userId, { passwordHash: await hasher.hash(newPassword), updatedAt: now }, [
        userEvent('user.password_changed', { userId, sessionId, ...meta }, now),
      ]);
      if (!updated) throw new InvalidCredentialsError();
    },

    async deleteAccount(input) {
      const { userId, password, meta } = parseInput(deleteAccountInputSchema, input);
      await confirmPassword(userId, password);
      const now = clock.now();
      const deleted = await users.delete(userId, [userEvent('user.deleted', { userId, ...meta }, now)]);
      if (!deleted) throw new InvalidCredentialsError();
    },
  };
}
