import { describe, expect, it } from 'vitest';
import type { SignedInRecord, WebSessionStore } from '../../modules/web/mod.ts';

/** Makes a store over the suite's storage; keys are fresh per test, so stores may share it. */
export type MakeWebSessionStore = () => WebSessionStore;

const record = (): SignedInRecord => ({
  kind: 'signed-in',
  accessToken: 'header.payload.signature',
  refreshToken: crypto.randomUUID(),
  accessExpiresAt: Date.now() + 900_000,
  csrfToken: crypto.randomUUID(),
});
const key = () => crypto.randomUUID().replaceAll('-', '');

/** The WebSessionStore contract (modules/web/ports.ts): every adapter passes it. */
export function describeWebSessionStoreContract(name: string, make: MakeWebSessionStore) {
  describe(`WebSessionStore contract: ${name}`, () => {
    it('get() returns what set() stored, unchanged, until delete()', async () => {
      const store = make();
      const [k, stored] = [key(), record()];
      await store.set(k, stored, 60);
      expect(await store.get(k)).toEqual(stored);
      await store.set(k, { ...stored, refreshToken: 'next' }, 60);
      expect(await store.get(k)).toEqual({ ...stored, refreshToken: 'next' });
      await store.delete(k);
      expect(await store.get(k)).toBeNull();
      await store.delete(k);
    });

    it('get() returns null for an unknown key and once the record’s time is up', async () => {
      const store = make();
      expect(await store.get(key())).toBeNull();
      const k = key();
      await store.set(k, record(), 1);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await store.get(k)).toBeNull();
    });

    it('of callers racing to claim one refresh, through separate stores as through one, exactly one gets it until it is released', async () => {
      const stores = [make(), make()];
      const k = key();
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.claimRefresh(k, 5000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await stores[1]!.claimRefresh(k, 5000)).toBe(false);
      await stores[0]!.releaseRefresh(k);
      expect(await stores[1]!.claimRefresh(k, 5000)).toBe(true);
      expect(await stores[0]!.claimRefresh(key(), 5000)).toBe(true);
    });

    it('a claim lapses after its time, so a crashed refresher does not lock the session out', async () => {
      const store = make();
      const k = key();
      expect(await store.claimRefresh(k, 100)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await store.claimRefresh(k, 100)).toBe(true);
    });
  });
}
