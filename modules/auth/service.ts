import { parseInput, systemClock, type Clock, type Outbox, UnauthenticatedError } from '../kernel/mod.ts';
import {
  SessionNotFoundError,
  RefreshTokenReusedError,
  InvalidRefreshTokenError,
  type SessionApi,
  type IssuedSession,
  type RevokeReason,
} from '../session/mod.ts';
import {
  AccountDisabledError,
  EmailNotVerifiedError,
  InvalidCredentialsError,
  userViewOf,
  type AccountView,
  type UserApi,
} from '../user/mod.ts';
import { loginInputSchema, logoutInputSchema, refreshInputSchema, type LoginInput, type TokenResponse } from './domain.ts';
import { authEvent } from './events.ts';
import type { AuthApi, SigningKeyRepository } from './ports.ts';
import { createTokenSigner, type TokenSettings } from './signing.ts';

export interface AuthServiceDeps {
  userApi: UserApi;
  sessionApi: SessionApi;
  keys: SigningKeyRepository;
  /** For the auth module's own events (it owns no state they could commit with). */
  outbox: Outbox;
  tokens: TokenSettings;
  /** Refuse logins of accounts whose email is not verified (403 email_not_verified). */
  requireVerifiedEmail?: boolean;
  clock?: Clock;
}

export function createAuthService({
  userApi,
  sessionApi,
  keys,
  outbox,
  tokens,
  requireVerifiedEmail = false,
  clock = systemClock,
}: AuthServiceDeps): AuthApi {
  const signer = createTokenSigner({ keys, settings: tokens, now: () => clock.now() });

  async function tokenResponse(issued: IssuedSession, account: AccountView): Promise<TokenResponse> {
    const { accessToken, expiresIn } = await signer.sign(issued, account.roles);
    const user = userViewOf(account);
    return { accessToken, refreshToken: issued.refreshToken, tokenType: 'Bearer', expiresIn, sessionId: issued.session.id, user };
  }

  /** Checks the password; a failure (a disabled account's right password too) is a `user.login_failed`. */
  async function verify(email: string, password: string, meta: LoginInput['meta']) {
    const failed = (userId: string | null) => outbox.append([authEvent('user.login_failed', { userId: userId ?? undefined, ...meta })]);
    try {
      const check = await userApi.verifyCredentials({ email, password });
      if (check.ok) return check.user;
      await failed(check.userId);
    } catch (error) {
      if (error instanceof AccountDisabledError) await failed(error.userId);
      throw error;
    }
    throw new InvalidCredentialsError();
  }

  /** Revokes a session unless it has ended already (a concurrent logout, a deletion's revokeAll). */
  async function revokeUnlessEnded(input: { userId: string; sessionId: string; reason: RevokeReason }) {
    await sessionApi.revoke(input).catch((error: unknown) => {
      if (!(error instanceof SessionNotFoundError)) throw error;
    });
  }

  return {
    register: (input) => userApi.register(input),

    async login(input) {
      const { email, password, meta } = parseInput(loginInputSchema, input);
      // Throttled per account by the user module, which alone knows which account an email reaches.
      const user = await verify(email, password, meta);
      // Only after the password matched: an unverified account is not told apart from a wrong password before.
      if (requireVerifiedEmail && !user.emailVerified) throw new EmailNotVerifiedError();
      const userId = user.id;
      const issued = await sessionApi.create({ userId, amr: ['pwd'], meta });
      // An account deleted or disabled while this login ran has had its sessions revoked, perhaps
      // before this one existed: read after the session is made, the change is either seen here
      // or its revocation comes after the session and ends it.
      const account = await userApi.recordLogin(userId);
      if (!account || account.disabled) {
        await revokeUnlessEnded({ userId, sessionId: issued.session.id, reason: account ? 'user_disabled' : 'user_deleted' });
        throw account ? new AccountDisabledError(userId) : new InvalidCredentialsError();
      }
      await outbox.append([authEvent('user.login', { userId, sessionId: issued.session.id, ...meta })]);
      return tokenResponse(issued, account);
    },

    async refresh(input) {
      const { refreshToken, meta } = parseInput(refreshInputSchema, input);
      // What needs other dependencies comes before the rotation, which spends the token: if one of
      // them fails the 503 leaves the token good for the client's retry, instead of making that
      // retry reuse. (A rotation whose answer is lost is the grace window's case.)
      await signer.ready();
      const owner = await sessionApi.ownerOf(refreshToken);
      const account = owner ? await userApi.getAccount(owner) : null;
      // The account is gone, or disabled (its sessions are being revoked): no new tokens, and the
      // refresh token is not spent.
      if (owner && (!account || account.disabled)) throw new InvalidRefreshTokenError();
      let issued: IssuedSession;
      try {
        issued = await sessionApi.refresh({ refreshToken, meta });
      } catch (error) {
        if (!(error instanceof RefreshTokenReusedError)) throw error;
        await outbox.append([authEvent('session.refresh_reuse_detected', { userId: error.userId, sessionId: error.sessionId, ...meta })]);
        // The client gets the plain answer: telling a thief the theft was noticed helps the thief.
        throw new InvalidRefreshTokenError();
      }
      if (!account || account.id !== issued.session.userId) throw new InvalidRefreshTokenError();
      return tokenResponse(issued, account);
    },

    async logout(input) {
      const { userId, sessionId, meta } = parseInput(logoutInputSchema, input);
      const session = await sessionApi.get(sessionId);
      if (!session || session.userId !== userId) throw new UnauthenticatedError();
      // The event first: if its store is down the answer is 503 with the session still live, and
      // the retry logs out; the other order would answer 503 for a logout done, and lose the event.
      await outbox.append([authEvent('user.logout', { userId, sessionId, ...meta })]);
      // Ended meanwhile (a second logout, a password change): it is over either way.
      await revokeUnlessEnded({ userId, sessionId, reason: 'logout' });
    },

    jwks: () => signer.jwks(),
  };
}
