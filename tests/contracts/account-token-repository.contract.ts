import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  accountTokenHash,
  newAccountToken,
  type AccountTokenKind,
  type AccountTokenRecord,
  type AccountTokenRepository,
} from '../../modules/user/mod.ts';
import {
  expectUnavailableWhileDown,
  itWhenStoreIsDown,
  type ContractAdapter,
  type MakeAdapter,
  type StoreDown,
  unavailableChangesNothing,
} from './support.ts';

// Whole milliseconds, so times survive a round trip through any store.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const later = (ms: number) => new Date(now.getTime() + ms);

async function token(kind: AccountTokenKind = 'password_reset', userId: string = crypto.randomUUID()) {
  return newAccountToken({ userId, kind, email: `user-${userId.slice(0, 8)}@example.test` }, now);
}

/** The AccountTokenRepository contract (modules/user/ports.ts): every adapter passes it. */
export function describeAccountTokenRepositoryContract(
  name: string,
  makeAdapter: MakeAdapter<AccountTokenRepository>,
  storeDown: StoreDown<MakeAdapter<AccountTokenRepository>>,
) {
  describe(`AccountTokenRepository contract: ${name}`, () => {
    let adapter: ContractAdapter<AccountTokenRepository>;
    let repo: AccountTokenRepository;
    beforeEach(async () => {
      adapter = await makeAdapter();
      repo = adapter.repo;
    });
    afterEach(async () => adapter.close?.());

    const spend = (record: AccountTokenRecord, at = now) => repo.consume(record.hash, record.kind, at);

    it('issue() stores only the hash: consume() by the hash returns the record once, then null', async () => {
      const { token: raw, record } = await token();
      await repo.issue(record);
      expect(record.hash).toBe(await accountTokenHash(raw));
      expect(record.hash).not.toContain(raw);
      expect(await spend(record)).toEqual(record);
      expect(await spend(record)).toBeNull();
    });

    it('consume() returns null for another kind, and the token stays good for its own', async () => {
      const { record } = await token('email_verification');
      await repo.issue(record);
      expect(await repo.consume(record.hash, 'password_reset', now)).toBeNull();
      expect(await repo.consume(record.hash, 'email_change', now)).toBeNull();
      expect(await spend(record)).toEqual(record);
    });

    it('consume() returns null for an expired token (at its expiry and after)', async () => {
      const { record } = await token('password_reset');
      await repo.issue(record);
      expect(await spend(record, record.expiresAt)).toBeNull();
      expect(await spend(record, later(60 * 60_000))).toBeNull();
    });

    it('consume() returns null for an unknown hash', async () => {
      expect(await repo.consume(await accountTokenHash('never issued'), 'password_reset', now)).toBeNull();
    });

    it('a newer token of a kind voids the older one of that user, and no other kind or user', async () => {
      const userId = crypto.randomUUID();
      const older = (await token('password_reset', userId)).record;
      const otherKind = (await token('email_verification', userId)).record;
      const otherUser = (await token('password_reset')).record;
      for (const record of [older, otherKind, otherUser]) await repo.issue(record);
      const newer = (await token('password_reset', userId)).record;
      await repo.issue(newer);
      expect(await spend(older)).toBeNull();
      expect(await spend(newer)).toEqual(newer);
      expect(await spend(otherKind)).toEqual(otherKind);
      expect(await spend(otherUser)).toEqual(otherUser);
    });

    it('of racing issues for one user and kind exactly one token stays', async () => {
      const userId = crypto.randomUUID();
      const records = await Promise.all(Array.from({ length: 6 }, async () => (await token('email_change', userId)).record));
      await Promise.all(records.map((r) => repo.issue(r)));
      const spent = await Promise.all(records.map((r) => spend(r)));
      expect(spent.filter((r) => r !== null)).toHaveLength(1);
    });

    it('of concurrent consumes of one token exactly one gets it', async () => {
      const { record } = await token('password_reset');
      await repo.issue(record);
      const results = await Promise.all(Array.from({ length: 8 }, () => spend(record)));
      expect(results.filter((r) => r !== null)).toEqual([record]);
    });

    it('find() returns a live token of its kind and leaves it spendable; null where consume() would be', async () => {
      const { record } = await token('password_reset');
      await repo.issue(record);
      expect(await repo.find(record.hash, 'password_reset', now)).toEqual(record);
      expect(await repo.find(record.hash, 'password_reset', now)).toEqual(record);
      expect(await repo.find(record.hash, 'email_change', now)).toBeNull();
      expect(await repo.find(record.hash, 'password_reset', record.expiresAt)).toBeNull();
      expect(await spend(record)).toEqual(record);
      expect(await repo.find(record.hash, 'password_reset', now)).toBeNull();
    });

    it('deleteByUser() removes every token of the user, and only theirs; again it changes nothing', async () => {
      const userId = crypto.randomUUID();
      const mine = [(await token('password_reset', userId)).record, (await token('email_verification', userId)).record];
      const theirs = (await token('password_reset')).record;
      for (const record of [...mine, theirs]) await repo.issue(record);
      await repo.deleteByUser(userId);
      await repo.deleteByUser(userId);
      for (const record of mine) expect(await spend(record)).toBeNull();
      expect(await spend(theirs)).toEqual(theirs);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (make, outage) => {
      const { repo: down, close } = await make();
      try {
        const kept = (await token('password_reset')).record;
        await down.issue(kept);
        const replacement = (await token('password_reset', kept.userId)).record;
        await expectUnavailableWhileDown(
          outage,
          {
            issue: () => down.issue(replacement),
            consume: () => down.consume(kept.hash, kept.kind, now),
            find: () => down.find(kept.hash, kept.kind, now),
            deleteByUser: () => down.deleteByUser(kept.userId),
          },
          () => down.consume(crypto.randomUUID(), 'password_reset', now),
        );
        expect(await down.consume(replacement.hash, replacement.kind, now)).toBeNull();
        expect(await down.consume(kept.hash, kept.kind, now)).toEqual(kept);
      } finally {
        await close?.();
      }
    });
  });
}
