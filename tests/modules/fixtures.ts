import { createMemoryAccountTokenRepository } from '../../adapters/memory/account-token-repository.ts';
import { createMemoryOutbox, type MemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemoryRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { createMemoryMfaRepository } from '../../adapters/memory/mfa-repository.ts';
import { createMemoryPendingLoginStore } from '../../adapters/memory/pending-login-store.ts';
import { createMemoryTotpReplayGuard } from '../../adapters/memory/totp-replay-guard.ts';
import { createMemoryWebAuthnChallengeStore } from '../../adapters/memory/webauthn-challenge-store.ts';
import {
  createAuthService,
  type AuthApi,
  type AuthServiceDeps,
  type LoginAnswer,
  type LoginInput,
  type TokenResponse,
} from '../../modules/auth/mod.ts';
import type { CloudEvent, Clock } from '../../modules/kernel/mod.ts';
import { createMfaService, type MfaServiceDeps } from '../../modules/mfa/mod.ts';
import type { UserApi } from '../../modules/user/mod.ts';

/** A clock tests move by hand. */
export function manualClock(start = new Date('2026-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

/** A memory outbox plus a way to read the events written to it so far. */
export function observedOutbox() {
  const outbox = createMemoryOutbox();
  const written = async (): Promise<CloudEvent[]> => {
    const events: CloudEvent[] = [];
    await outbox.drain(10_000, async (entries) => void events.push(...entries.map((e) => e.event)));
    return events;
  };
  return { outbox, written };
}

/** The user service's account-lifecycle dependencies, in memory: its tokens, an outbox, the one-mail-a-minute limit. */
export function lifecycleDeps(outbox: MemoryOutbox = createMemoryOutbox()) {
  return {
    tokens: createMemoryAccountTokenRepository(),
    outbox,
    mailLimit: createMemoryRateLimiter({ name: `account-mails-${crypto.randomUUID()}`, limit: 1, windowSeconds: 60 }),
  };
}

/**
 * The auth service's second-factor collaborators for tests of password logins: the real mfa
 * service over memory stores (an account enrols nothing there, so no login asks for a second
 * step) and a memory store of pending logins.
 */
export function secondFactorsFor(userApi: UserApi, clock?: Clock): Pick<AuthServiceDeps, 'mfaApi' | 'pendingLogins'> {
  return { mfaApi: memoryMfaService({ userApi, clock }), pendingLogins: createMemoryPendingLoginStore() };
}

/**
 * The real mfa service over memory stores, as the relying party `app.example.test` (origin
 * `https://app.example.test`); `outbox` takes its events (default: one nobody reads).
 */
export function memoryMfaService({
  userApi,
  outbox = createMemoryOutbox(),
  clock,
  throttle,
}: Pick<MfaServiceDeps, 'userApi' | 'clock' | 'throttle'> & { outbox?: MemoryOutbox }) {
  return createMfaService({
    userApi,
    factors: createMemoryMfaRepository({ outbox }),
    replayGuard: createMemoryTotpReplayGuard({ clock }),
    challenges: createMemoryWebAuthnChallengeStore({ clock }),
    relyingParty: { id: 'app.example.test', name: 'modular-auth', origins: ['https://app.example.test'] },
    issuer: 'modular-auth',
    throttle,
    clock,
  });
}

/** The tokens of a login that asked for no second step; fails the test when one was asked for. */
export function tokensOf(answer: LoginAnswer): TokenResponse {
  if ('mfaRequired' in answer) throw new Error('the login asked for a second factor');
  return answer;
}

/** An auth service whose logins are password-only (the account has no second factor): `login` answers tokens. */
/**
 * An auth service over `deps` whose accounts have no second factor (an in-process mfa module over
 * memory stores), its login answering tokens: what tests of the password flows need.
 */
export function passwordAuth(deps: Omit<AuthServiceDeps, 'mfaApi' | 'pendingLogins'>) {
  return passwordOnly(createAuthService({ ...secondFactorsFor(deps.userApi, deps.clock), ...deps }));
}

export function passwordOnly<Auth extends AuthApi>(auth: Auth): Omit<Auth, 'login'> & { login(input: LoginInput): Promise<TokenResponse> } {
  return { ...auth, login: async (input: LoginInput) => tokensOf(await auth.login(input)) };
}
