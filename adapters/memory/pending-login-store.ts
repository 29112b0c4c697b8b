import type { PendingLogin, PendingLoginStore } from '../../modules/auth/mod.ts';

/** Logins waiting for a second step, in this process. */
export function createMemoryPendingLoginStore(): PendingLoginStore {
  const logins = new Map<string, PendingLogin>();
  const live = (tokenHash: string, at: Date) => {
    const login = logins.get(tokenHash);
    if (login && login.expiresAt <= at) logins.delete(tokenHash);
    return login && login.expiresAt > at ? login : null;
  };
  return {
    async put(login) {
      // Logins never finished: swept here, so abandoned ones never pile up.
      const now = Date.now();
      for (const [hash, stored] of logins) if (stored.expiresAt.getTime() <= now) logins.delete(hash);
      logins.set(login.tokenHash, structuredClone(login));
    },
    async find(tokenHash, at) {
      const login = live(tokenHash, at);
      return login ? structuredClone(login) : null;
    },
    async take(tokenHash, at) {
      const login = live(tokenHash, at);
      logins.delete(tokenHash);
      return login;
    },
    async fail(tokenHash, limit, at) {
      const login = live(tokenHash, at);
      if (!login) return null;
      login.failures += 1;
      if (login.failures >= limit) logins.delete(tokenHash);
      return login.failures;
    },
    async removeAllOf(userId) {
      for (const [hash, stored] of logins) if (stored.userId === userId) logins.delete(hash);
    },
  };
}
