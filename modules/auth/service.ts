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
import { InvalidCodeError, InvalidCredentialError, type LoginStepInput, type MfaApi } from '../mfa/mod.ts';
import {
  loginInputSchema,
  logoutInputSchema,
  mfaOptionsInputSchema,
  passkeyLoginInputSchema,
  refreshInputSchema,
  verifyMfaInputSchema,
  type LoginInput,
  type TokenResponse,
} from './domain.ts';
import { authEvent } from './events.ts';
import { createPendingLogins } from './pending-logins.ts';
import type { AuthApi, PendingLoginStore, SigningKeyRepository } from './ports.ts';
import { createTokenSigner, type TokenSettings } from './signing.ts';

export interface AuthServiceDeps {
  userApi: UserApi;
  sessionApi: SessionApi;
  /** Second factors: which an account has, and the checks of a login's second step (and of a passkey alone). */
  mfaApi: MfaApi;
  /** Logins waiting for their second step, by mfaToken. */
  pendingLogins: PendingLoginStore;
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
  mfaApi,
  pendingLogins,
  keys,
  outbox,
  tokens,
  requireVerifiedEmail = false,
  clock = systemClock,
}: AuthServiceDeps): AuthApi {
  const signer = createTokenSigner({ keys, settings: tokens, now: () => clock.now() });
  const pending = createPendingLogins({ store: pendingLogins, clock });
  const loginFailed = (userId: string | null, meta: LoginInput['meta']) =>
    outbox.append([authEvent('user.login_failed', { userId: userId ?? undefined, ...meta })]);

  async function tokenResponse(issued: IssuedSession, account: AccountView): Promise<TokenResponse> {
    const { accessToken, expiresIn } = await signer.sign(issued, account.roles);
    const user = userViewOf(account);
    return { accessToken, refreshToken: issued.refreshToken, tokenType: 'Bearer', expiresIn, sessionId: issued.session.id, user };
  }

  /** Checks the password; a failure (a disabled account's right password too) is a `user.login_failed`. */
  async function verify(email: string, password: string, meta: LoginInput['meta']) {
    try {
      const check = await userApi.verifyCredentials({ email, password });
      if (check.ok) return check.user;
      await loginFailed(check.userId, meta);
    } catch (error) {
      if (error instanceof AccountDisabledError) await loginFailed(error.userId, meta);
      throw error;
    }
    throw new InvalidCredentialsError();
  }

  /**
   * What every login path asks of an account once it has proven itself, before a session: not
   * disabled (the user module checks that with the password), and its email verified when
   * REQUIRE_VERIFIED_EMAIL says so. Only then: nothing is told about an account before.
   */
  function admit(account: { id: string; emailVerified: boolean; disabled?: boolean }) {
    if (account.disabled) throw new AccountDisabledError(account.id);
    if (requireVerifiedEmail && !account.emailVerified) throw new EmailNotVerifiedError();
  }

  /** The session and tokens of a login that every check has passed, by whichever path. */
  async function startSession(userId: string, amr: string[], meta: LoginInput['meta']): Promise<TokenResponse> {
    const issued = await sessionApi.create({ userId, amr, meta });
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
  }

  const wrongFactor = (error: unknown) => error instanceof InvalidCodeError || error instanceof InvalidCredentialError;

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
      admit(user);
      const methods = await mfaApi.methodsOf(user.id);
      if (methods.length === 0) return startSession(user.id, ['pwd'], meta);
      return { mfaRequired: true, methods, ...(await pending.open(user.id, meta)) };
    },

    async verifyMfa(input) {
      const { mfaToken, method, code, credential, meta } = parseInput(verifyMfaInputSchema, input);
      const login = await pending.of(mfaToken, meta);
      const { userId } = login;
      let amr: string[];
      try {
        // The mfa module checks the factor (its schema wants the `code` or `credential` the method needs).
        ({ amr } = await mfaApi.verifyLoginStep({ userId, method, code, credential } as LoginStepInput));
      } catch (error) {
        if (wrongFactor(error)) {
          // Counted before the answer: a wrong factor is never answered uncounted.
          await pending.failed(login);
          await outbox.append([authEvent('user.login_mfa_failed', { userId, method, ...meta })]);
        }
        throw error;
      }
      // Spent only by a right factor, and before the session: of racing steps, one goes on.
      await pending.spend(login);
      return startSession(userId, ['pwd', ...amr], meta);
    },

    async mfaWebAuthnOptions(input) {
      const { mfaToken, meta } = parseInput(mfaOptionsInputSchema, input);
      const { userId } = await pending.of(mfaToken, meta);
      return mfaApi.authenticationOptions({ userId });
    },

    passkeyOptions: () => mfaApi.authenticationOptions({}),

    async passkeyLogin(input) {
      const { credential, meta } = parseInput(passkeyLoginInputSchema, input);
      let step: Awaited<ReturnType<MfaApi['verifyLoginStep']>>;
      try {
        step = await mfaApi.verifyLoginStep({ method: 'webauthn', credential });
      } catch (error) {
        if (wrongFactor(error)) await loginFailed(null, meta);
        throw error;
      }
      const account = await userApi.getAccount(step.userId);
      // Deleted meanwhile (its passkeys go with it, by an event): no account to log in to.
      if (!account) throw new InvalidCredentialError();
      try {
        admit(account);
      } catch (error) {
        if (error instanceof AccountDisabledError) await loginFailed(account.id, meta);
        throw error;
      }
      return startSession(account.id, step.amr, meta);
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
