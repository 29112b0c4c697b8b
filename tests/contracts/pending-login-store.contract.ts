import { describe, expect, it } from 'vitest';
import type { PendingLogin, PendingLoginStore } from '../../modules/auth/mod.ts';
import { sha256Hex } from '../../modules/kernel/mod.ts';
import { expectUnavailableWhileDown, itWhenStoreIsDown, secondsFrom, unavailableChangesNothing, type StoreDown } from './support.ts';

/** Makes a store over the suite's storage; logins are fresh per test, so stores may share it. */
export type MakePendingLoginStore = () => PendingLoginStore;

function pendingLogin(overrides: Partial<PendingLogin> = {}): PendingLogin {
  return {
    tokenHash: sha256Hex(crypto.randomUUID()),
    userId: crypto.randomUUID(),
    clientHash: sha256Hex(crypto.randomUUID()),
    failures: 0,
    // Whole seconds ahead: survives any store's precision.
    expiresAt: secondsFrom(new Date(Math.floor(Date.now() / 1000) * 1000), 300),
    ...overrides,
  };
}

const limit = 5;

/** The PendingLoginStore contract (modules/auth/ports.ts): every adapter passes it. */
export function describePendingLoginStoreContract(name: string, make: MakePendingLoginStore, storeDown: StoreDown<MakePendingLoginStore>) {
  describe(`PendingLoginStore contract: ${name}`, () => {
    it('find() returns a stored login unchanged, as often as asked; unknown hashes are null', async () => {
      const store = make();
      const login = pendingLogin();
      await store.put(login);
      expect(await store.find(login.tokenHash, new Date())).toEqual(login);
      expect(await store.find(login.tokenHash, new Date())).toEqual(login);
      expect(await store.find(sha256Hex('never issued'), new Date())).toBeNull();
    });

    it('take() returns a stored login once, and it is gone after', async () => {
      const store = make();
      const login = pendingLogin();
      await store.put(login);
      expect(await store.take(login.tokenHash, new Date())).toEqual(login);
      expect(await store.take(login.tokenHash, new Date())).toBeNull();
      expect(await store.find(login.tokenHash, new Date())).toBeNull();
      expect(await store.take(sha256Hex('never issued'), new Date())).toBeNull();
    });

    it('a login past its expiry is found, taken and failed by nobody', async () => {
      const store = make();
      const login = pendingLogin();
      await store.put(login);
      const later = new Date(login.expiresAt.getTime() + 1);
      expect(await store.find(login.tokenHash, later)).toBeNull();
      expect(await store.fail(login.tokenHash, limit, later)).toBeNull();
      expect(await store.take(login.tokenHash, later)).toBeNull();
    });

    it('fail() counts each failure; at the limit the login is removed', async () => {
      const store = make();
      const login = pendingLogin();
      await store.put(login);
      for (let failures = 1; failures < limit; failures++) {
        expect(await store.fail(login.tokenHash, limit, new Date())).toBe(failures);
      }
      expect(await store.find(login.tokenHash, new Date())).toEqual({ ...login, failures: limit - 1 });
      expect(await store.fail(login.tokenHash, limit, new Date())).toBe(limit);
      expect(await store.find(login.tokenHash, new Date())).toBeNull();
      expect(await store.fail(login.tokenHash, limit, new Date())).toBeNull();
    });

    it('removeAllOf() removes every login of one account, through any store, and no other account’s', async () => {
      const [one, other] = [make(), make()];
      const userId = crypto.randomUUID();
      const mine = [pendingLogin({ userId }), pendingLogin({ userId })];
      const theirs = pendingLogin();
      for (const login of [...mine, theirs]) await one.put(login);
      await one.fail(mine[0]!.tokenHash, limit, new Date());
      await other.removeAllOf(userId);
      for (const login of mine) expect(await one.find(login.tokenHash, new Date())).toBeNull();
      expect(await one.take(mine[1]!.tokenHash, new Date())).toBeNull();
      expect(await other.find(theirs.tokenHash, new Date())).toEqual(theirs);
      await other.removeAllOf(userId); // none left: nothing to do
      const next = pendingLogin({ userId });
      await one.put(next);
      expect(await one.find(next.tokenHash, new Date())).toEqual(next);
    });

    it('of concurrent takes of one login, through separate stores as through one, exactly one gets it', async () => {
      const stores = [make(), make()];
      const login = pendingLogin();
      await stores[0]!.put(login);
      const taken = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.take(login.tokenHash, new Date())));
      expect(taken.filter((t) => t !== null)).toEqual([login]);
    });

    it('concurrent failures each count once, and the one reaching the limit removes the login', async () => {
      const stores = [make(), make()];
      const login = pendingLogin();
      await stores[0]!.put(login);
      const counted = await Promise.all(
        Array.from({ length: limit + 3 }, (_, i) => stores[i % 2]!.fail(login.tokenHash, limit, new Date())),
      );
      expect(counted.filter((c) => c !== null).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await stores[1]!.find(login.tokenHash, new Date())).toBeNull();
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (makeDown, outage) => {
      const down = makeDown();
      const stored = pendingLogin();
      await down.put(stored);
      const unstored = pendingLogin();
      await expectUnavailableWhileDown(
        outage,
        {
          put: () => down.put(unstored),
          find: () => down.find(stored.tokenHash, new Date()),
          take: () => down.take(stored.tokenHash, new Date()),
          fail: () => down.fail(stored.tokenHash, limit, new Date()),
          removeAllOf: () => down.removeAllOf(stored.userId),
        },
        () => down.find(sha256Hex('probe'), new Date()),
      );
      expect(await down.find(stored.tokenHash, new Date())).toEqual(stored);
      expect(await down.find(unstored.tokenHash, new Date())).toBeNull();
    });
  });
}
