import type { WebSessionRecord, WebSessionStore } from '../../modules/web/mod.ts';

/** Browser sessions in this process (the monolith without Redis): gone when it restarts, so people sign in again. */
export function createMemoryWebSessionStore({ now = () => Date.now() }: { now?: () => number } = {}): WebSessionStore {
  const records = new Map<string, { record: WebSessionRecord; expiresAt: number }>();
  const claims = new Map<string, number>();
  const sweep = (at: number) => {
    for (const [key, { expiresAt }] of records) if (expiresAt <= at) records.delete(key);
  };
  return {
    async get(key) {
      const stored = records.get(key);
      return stored && stored.expiresAt > now() ? structuredClone(stored.record) : null;
    },
    async set(key, record, ttlSeconds) {
      const at = now();
      // Sessions never used again expire here, so abandoned ones never pile up.
      sweep(at);
      records.set(key, { record: structuredClone(record), expiresAt: at + ttlSeconds * 1000 });
    },
    async delete(key) {
      records.delete(key);
    },
    async claimRefresh(key, ttlMs) {
      const at = now();
      if ((claims.get(key) ?? 0) > at) return false;
      claims.set(key, at + ttlMs);
      return true;
    },
    async releaseRefresh(key) {
      claims.delete(key);
    },
  };
}
