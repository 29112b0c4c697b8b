import { randomSecret, sameSecret, sha256Hex, type Clock, type RequestMeta } from '../kernel/mod.ts';
import { mfaTokenLifetimeSeconds, type PendingLogin } from './domain.ts';
import { InvalidMfaTokenError } from './errors.ts';
import type { PendingLoginStore } from './ports.ts';

/**
 * Wrong second factors one mfaToken allows: the fifth voids it, and the login starts again from
 * the password. Few enough that a token is no guessing ground of its own (codes also count in the
 * account's throttle), enough for a person mistyping.
 */
export const mfaTokenFailureLimit = 5;

/**
 * The client a login step is bound to: the address and user agent the gateway saw. A client that
 * changes either within the 5 minutes (a phone moving between networks) logs in again.
 */
const clientHashOf = (meta: RequestMeta = {}) => sha256Hex(`${meta.ip ?? ''}\n${meta.userAgent ?? ''}`);

/** The logins waiting for a second step: their mfaTokens, issued, looked up, failed and spent. */
export function createPendingLogins({ store, clock }: { store: PendingLoginStore; clock: Clock }) {
  return {
    /** A new mfaToken for `userId`'s login from this client: 256 random bits, stored only as a hash. */
    async open(userId: string, meta: RequestMeta | undefined): Promise<{ mfaToken: string; expiresIn: number }> {
      const mfaToken = randomSecret();
      const expiresAt = new Date(clock.now().getTime() + mfaTokenLifetimeSeconds * 1000);
      await store.put({ tokenHash: sha256Hex(mfaToken), userId, clientHash: clientHashOf(meta), failures: 0, expiresAt });
      return { mfaToken, expiresIn: mfaTokenLifetimeSeconds };
    },

    /** The pending login `mfaToken` stands for, presented by the client it was issued to; InvalidMfaTokenError otherwise. */
    async of(mfaToken: string, meta: RequestMeta | undefined): Promise<PendingLogin> {
      const login = await store.find(sha256Hex(mfaToken), clock.now());
      if (!login || !sameSecret(clientHashOf(meta), login.clientHash)) throw new InvalidMfaTokenError();
      return login;
    },

    /** Counts a wrong factor against the login; the last one it allows voids it. */
    async failed(login: PendingLogin): Promise<void> {
      await store.fail(login.tokenHash, mfaTokenFailureLimit, clock.now());
    },

    /** Spends the login's mfaToken: of racing second steps only the one that spends it goes on. */
    async spend(login: PendingLogin): Promise<void> {
      if (!(await store.take(login.tokenHash, clock.now()))) throw new InvalidMfaTokenError();
    },
  };
}
