import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';

const newerFirst = (a: SigningKeyRecord, b: SigningKeyRecord) =>
  b.activatesAt.getTime() - a.activatesAt.getTime() || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);

export function createMemorySigningKeyRepository(): SigningKeyRepository {
  const keys: SigningKeyRecord[] = [];
  /** The kid each stored key replaced, as the SQL table's unique previous_kid. */
  const successorOf = new Map<string, string>();
  const newestFirst = () => keys.toSorted(newerFirst).map((k) => structuredClone(k));
  return {
    async ensure(candidate) {
      if (keys.length === 0) keys.push(structuredClone(candidate));
      return newestFirst()[0]!;
    },
    async list() {
      return newestFirst();
    },
    async rotate(currentKid, candidate) {
      if (keys.some((k) => k.kid === currentKid) && !successorOf.has(currentKid)) {
        keys.push(structuredClone(candidate));
        successorOf.set(currentKid, candidate.kid);
      }
      return newestFirst()[0]!;
    },
    async remove(kids) {
      for (const kid of kids) {
        const at = keys.findIndex((k) => k.kid === kid);
        if (at >= 0) keys.splice(at, 1);
      }
    },
  };
}
