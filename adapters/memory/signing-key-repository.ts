import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';

export function createMemorySigningKeyRepository(): SigningKeyRepository {
  const keys: SigningKeyRecord[] = [];
  const newestFirst = () => [...keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((k) => structuredClone(k));
  return {
    async ensure(candidate) {
      if (keys.length === 0) keys.push(structuredClone(candidate));
      return newestFirst()[0]!;
    },
    async list() {
      return newestFirst();
    },
  };
}
