import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';
import {
  expectUnavailableWhileDown,
  itWhenStoreIsDown,
  secondsFrom,
  unavailableChangesNothing,
  type ContractAdapter,
  type MakeAdapter,
  type StoreDown,
} from './support.ts';

function candidate(createdAt = new Date(), activatesAt = createdAt): SigningKeyRecord {
  const kid = crypto.randomUUID();
  const x = crypto.randomUUID().replaceAll('-', '');
  return {
    kid,
    privateJwk: { kty: 'OKP', crv: 'Ed25519', x, d: crypto.randomUUID().replaceAll('-', ''), kid },
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid },
    createdAt,
    activatesAt,
  };
}

/** A key created now that starts signing `leadSeconds` later, as a rotation makes it. */
const successor = (leadSeconds = 600) => candidate(new Date(), secondsFrom(new Date(), leadSeconds));

/**
 * The SigningKeyRepository contract (modules/auth/ports.ts). `makeAdapter` (and `storeDown.make`)
 * must return a repository holding no keys, since ensure() behaves differently on an empty store.
 */
export function describeSigningKeyRepositoryContract(
  name: string,
  makeAdapter: MakeAdapter<SigningKeyRepository>,
  storeDown: StoreDown<MakeAdapter<SigningKeyRepository>>,
) {
  describe(`SigningKeyRepository contract: ${name}`, () => {
    let adapter: ContractAdapter<SigningKeyRepository>;
    let repo: SigningKeyRepository;
    beforeEach(async () => {
      adapter = await makeAdapter();
      repo = adapter.repo;
    });
    afterEach(async () => adapter.close?.());

    it('list() returns no keys from an empty store', async () => {
      expect(await repo.list()).toEqual([]);
    });

    it('ensure() stores the candidate when no key is stored and returns it unchanged', async () => {
      const key = candidate();
      expect(await repo.ensure(key)).toEqual(key);
      expect(await repo.list()).toEqual([key]);
    });

    it('ensure() keeps the stored key and returns it when a key is stored already', async () => {
      const first = candidate(new Date(Date.now() - 1000));
      await repo.ensure(first);
      expect(await repo.ensure(candidate())).toEqual(first);
      expect(await repo.list()).toEqual([first]);
    });

    it('ensure() called by several processes starting together gives every one the same key', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, () => repo.ensure(candidate())));
      const kids = new Set(results.map((k) => k.kid));
      expect(kids.size).toBe(1);
      expect((await repo.list()).map((k) => k.kid)).toEqual([...kids]);
    });

    it('rotate() stores the successor of the newest key and returns it; list() is newest first by activatesAt', async () => {
      const first = await repo.ensure(candidate(secondsFrom(new Date(), -60)));
      const next = successor();
      expect(await repo.rotate(first.kid, next)).toEqual(next);
      const third = successor(1200);
      expect(await repo.rotate(next.kid, third)).toEqual(third);
      expect(await repo.list()).toEqual([third, next, first]);
    });

    it('rotate() of a key that has a successor already stores nothing and returns the newest key', async () => {
      const first = await repo.ensure(candidate());
      const next = successor();
      await repo.rotate(first.kid, next);
      expect(await repo.rotate(first.kid, successor())).toEqual(next);
      expect((await repo.list()).map((k) => k.kid)).toEqual([next.kid, first.kid]);
    });

    it('rotate() of a key that is not stored stores nothing', async () => {
      const first = await repo.ensure(candidate());
      expect(await repo.rotate('no-such-kid', successor())).toEqual(first);
      expect(await repo.list()).toEqual([first]);
    });

    it('rotate() of one key by several processes at once stores exactly one successor, and every one gets it back', async () => {
      const first = await repo.ensure(candidate());
      const candidates = Array.from({ length: 6 }, () => successor());
      const results = await Promise.all(candidates.map((c) => repo.rotate(first.kid, c)));
      const winners = new Set(results.map((k) => k.kid));
      expect(winners.size).toBe(1);
      expect(candidates.map((c) => c.kid)).toContain([...winners][0]);
      expect((await repo.list()).map((k) => k.kid)).toEqual([...winners, first.kid]);
    });

    it('remove() deletes the named keys only and ignores unknown kids; a removed key cannot be rotated again', async () => {
      const first = await repo.ensure(candidate(secondsFrom(new Date(), -60)));
      const next = successor();
      await repo.rotate(first.kid, next);
      await repo.remove([first.kid, 'no-such-kid']);
      await repo.remove([first.kid]);
      expect(await repo.list()).toEqual([next]);
      expect(await repo.rotate(first.kid, successor())).toEqual(next);
      expect(await repo.list()).toEqual([next]);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (make, outage) => {
      const { repo: down, close } = await make();
      try {
        const first = await down.ensure(candidate());
        await expectUnavailableWhileDown(
          outage,
          {
            ensure: () => down.ensure(candidate()),
            list: () => down.list(),
            rotate: () => down.rotate(first.kid, successor()),
            remove: () => down.remove([first.kid]),
          },
          () => down.list(),
        );
        expect(await down.list()).toEqual([first]);
      } finally {
        await close?.();
      }
    });
  });
}
