import {
  parseInput,
  RateLimitedError,
  systemClock,
  type Clock,
  type Outbox,
  type PasswordThrottle,
  type RateLimiter,
} from '../kernel/mod.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import {
  adminRole,
  canonicalEmail,
  changePasswordInputSchema,
  credentialsInputSchema,
  confirmEmailChangeInputSchema,
  deleteAccountInputSchema,
  forgotPasswordInputSchema,
  issueAccountTokenInputSchema,
  registerInputSchema,
  requestEmailChangeInputSchema,
  requestEmailVerificationInputSchema,
  resetPasswordInputSchema,
  verifyEmailInputSchema,
  foldAscii,
  searchAccountsInputSchema,
  setDisabledInputSchema,
  toAccountView,
  toUserView,
  updateProfileInputSchema,
  type UserRecord,
} from './domain.ts';
import {
  AccountDisabledError,
  EmailTakenError,
  InvalidCredentialsError,
  InvalidTokenError,
  PasswordTooCommonError,
  UserNotFoundError,
} from './errors.ts';
import { userEvent } from './events.ts';
import type { AccountTokenRepository, CommonPasswordList, PasswordHasher, UserApi, UserRepository } from './ports.ts';
import { changeRole } from './roles.ts';
import { accountTokenHash, newAccountToken, type AccountTokenKind } from './tokens.ts';

export interface UserServiceDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  commonPasswords: CommonPasswordList;
  /** Throttles password checks per account: logins, and a signed-in user's re-checks (password change, deletion). */
  throttle?: PasswordThrottle;
  /** The single-use tokens of verification, reset and email-change links. */
  tokens: AccountTokenRepository;
  /** For events that change no state here (a request for a mail). */
  outbox: Outbox;
  /**
   * One mail a minute per account and kind of link: a 429 for the verification resend, silence for
   * password resets (counted by address, whose requests must look the same whether or not an account has it).
   */
  mailLimit: RateLimiter;
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
  tokens,
  outbox,
  mailLimit,
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

  async function rejectCommon(password: string): Promise<void> {
    if (await commonPasswords.has(password)) throw new PasswordTooCommonError();
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
      await rejectCommon(password);
      const now = clock.now();
      const user: UserRecord = {
        id: crypto.randomUUID(),
        email,
        displayName: displayName ?? null,
        passwordHash: await hasher.hash(password),
        emailVerified: false,
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
      // The update answers with the account: no read before it.
      let user = await users.recordLogin(userId, clock.now());
      if (user && adminEmails.includes(canonicalEmail(user.email)) && !user.roles.includes(adminRole)) {
        user = (await changeRole(users, { userId, role: adminRole, granted: true, source: 'admin_emails' }, clock)).user;
      }
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
      await rejectCommon(newPassword);
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
      // Tokens first: were the deletion to fail after, the account would only need new links.
      await tokens.deleteByUser(userId);
      const deleted = await users.delete(userId, [userEvent('user.deleted', { userId, ...meta }, now)]);
      if (!deleted) throw new InvalidCredentialsError();
    },

    async requestEmailVerification(input) {
      const { userId, meta } = parseInput(requestEmailVerificationInputSchema, input);
      const user = await users.findById(userId);
      if (!user) throw new UserNotFoundError();
      const limit = await mailLimit.hit(`email_verification:${userId}`);
      if (!limit.allowed)
        throw new RateLimitedError(
          Math.max(1, Math.ceil(limit.resetMs / 1000)),
          'A verification mail was sent a moment ago; try again in a minute.',
        );
      // A verified account gets no mail (the handler finds nothing to verify), but the same answer.
      await outbox.append([userEvent('user.email_verification_requested', { userId, ...meta }, clock.now())]);
    },

    async verifyEmail(input) {
      const { token, meta } = parseInput(verifyEmailInputSchema, input);
      const { user } = await spend(token, 'email_verification');
      const now = clock.now();
      const updated = await users.update(user.id, { emailVerified: true, updatedAt: now }, [
        userEvent('user.email_verified', { userId: user.id, ...meta }, now),
      ]);
      if (!updated) throw new InvalidTokenError(); // the account was deleted meanwhile
    },

    async forgotPassword(input) {
      const { email, meta } = parseInput(forgotPasswordInputSchema, input);
      // The same one write whether or not an account has this address, so neither the answer nor
      // its time tells; the account is looked up later, by the user module's own handler.
      await outbox.append([userEvent('user.password_forgotten', { email, ...meta }, clock.now())]);
    },

    async resetPassword(input) {
      const { token, newPassword, meta } = parseInput(resetPasswordInputSchema, input);
      await rejectCommon(newPassword);
      // Checked before the hash, so a bad token costs no argon2 run, and spent after it, so a hash
      // refused (busy) or failed leaves the link working.
      await holderOf(token, 'password_reset', 'find');
      const passwordHash = await hasher.hash(newPassword);
      const { user } = await spend(token, 'password_reset');
      const now = clock.now();
      const updated = await users.update(user.id, { passwordHash, updatedAt: now }, [
        userEvent('user.password_reset', { userId: user.id, ...meta }, now),
      ]);
      if (!updated) throw new InvalidTokenError();
      // At once, so the owner can sign in straight away; user.password_reset clears it again,
      // retried, should the throttle's store not answer now.
      await throttle?.clear(throttleKeyOf(user.id)).catch(() => {});
    },

    async requestEmailChange(input) {
      const { userId, newEmail, password, meta } = parseInput(requestEmailChangeInputSchema, input);
      await confirmPassword(userId, password);
      if (await users.findByEmail(newEmail)) throw new EmailTakenError();
      await outbox.append([userEvent('user.email_change_requested', { userId, newEmail, ...meta }, clock.now())]);
    },

    async confirmEmailChange(input) {
      const { token, meta } = parseInput(confirmEmailChangeInputSchema, input);
      const { user, email } = await spend(token, 'email_change');
      const now = clock.now();
      // Taken meanwhile: EmailTakenError from the store, which decides racing changes.
      const updated = await users.update(user.id, { email, emailVerified: true, updatedAt: now }, [
        userEvent('user.email_changed', { userId: user.id, ...meta }, now),
      ]);
      if (!updated) throw new InvalidTokenError();
    },

    async issueAccountToken(input) {
      const parsed = parseInput(issueAccountTokenInputSchema, input);
      const user = await users.findById(parsed.userId);
      if (!user || (parsed.kind === 'email_verification' && user.emailVerified)) return null;
      const to = parsed.kind === 'email_change' ? parsed.newEmail : user.email;
      const { token, record } = await newAccountToken({ userId: user.id, kind: parsed.kind, email: to }, clock.now());
      await tokens.issue(record);
      return { token, to, expiresAt: record.expiresAt.toISOString() };
    },
  };

  /**
   * Spends a presented token of `kind`, returning its account; InvalidTokenError for an unknown,
   * expired, spent or voided one, and for a verification or reset link sent to an address the
   * account no longer has.
   */
  async function spend(token: string, kind: AccountTokenKind): Promise<{ user: UserRecord; email: string }> {
    return holderOf(token, kind, 'consume');
  }

  /** The account a live token of `kind` belongs to, the token spent or only found; InvalidTokenError as for spend. */
  async function holderOf(token: string, kind: AccountTokenKind, lookup: 'consume' | 'find'): Promise<{ user: UserRecord; email: string }> {
    const record = await tokens[lookup](await accountTokenHash(token), kind, clock.now());
    const user = record ? await users.findById(record.userId) : null;
    if (!record || !user) throw new InvalidTokenError();
    if (kind !== 'email_change' && canonicalEmail(user.email) !== canonicalEmail(record.email)) throw new InvalidTokenError();
    return { user, email: record.email };
  }
}
