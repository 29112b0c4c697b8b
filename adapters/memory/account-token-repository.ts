import type { AccountTokenRecord, AccountTokenRepository } from '../../modules/user/mod.ts';

/** Account tokens in this process, one per user and kind. Every method runs in one synchronous step, so it is atomic. */
export function createMemoryAccountTokenRepository(): AccountTokenRepository {
  const byUserKind = new Map<string, AccountTokenRecord>();
  const byHash = new Map<string, AccountTokenRecord>();
  const keyOf = (token: Pick<AccountTokenRecord, 'userId' | 'kind'>) => `${token.userId}\n${token.kind}`;

  const remove = (token: AccountTokenRecord) => {
    byUserKind.delete(keyOf(token));
    byHash.delete(token.hash);
  };

  const live = (hash: string, kind: AccountTokenRecord['kind'], at: Date) => {
    const token = byHash.get(hash);
    return token && token.kind === kind && token.expiresAt > at ? token : undefined;
  };

  return {
    async issue(token) {
      const voided = byUserKind.get(keyOf(token));
      if (voided) remove(voided);
      const stored = structuredClone(token);
      byUserKind.set(keyOf(stored), stored);
      byHash.set(stored.hash, stored);
    },
    async consume(hash, kind, at) {
      const token = live(hash, kind, at);
      if (token) remove(token);
      return token ? structuredClone(token) : null;
    },
    async find(hash, kind, at) {
      const token = live(hash, kind, at);
      return token ? structuredClone(token) : null;
    },
    async deleteByUser(userId) {
      for (const token of [...byUserKind.values()]) if (token.userId === userId) remove(token);
    },
  };
}
