import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';
import type { ContractAdapter, MakeAdapter } from './support.ts';

function candidate(createdAt = new Date()): SigningKeyRecord {
  const kid = crypto.randomUUID();
  const x = crypto.randomUUID().replaceAll('-', '');
  return {
    kid,
    privateJwk: { kty: 'OKP', crv: 'Ed25519', x, d: crypto.randomUUID().replaceAll('-', ''), kid },
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid },
    createdAt,
  };
}

/**
 * The SigningKeyRepository contract (modules/auth/ports.ts). `makeAdapter` must return a
 * repository holding no keys, since ensure() behaves differently on an empty store.
 */
export function describeSigningKeyRepositoryContract(name: string, makeAdapter: MakeAdapter<SigningKeyRepository>) {
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

    // list() newest first: the port offers no way to store a second key (ensure() stores only into
    // an empty store), so the order of several keys cannot be observed through it yet.
  });
}
