import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditRepository } from '../../modules/audit/mod.ts';
import {
  expectUnavailableWhileDown,
  itWhenStoreIsDown,
  secondsFrom,
  unavailableChangesNothing,
  type ContractAdapter,
  type MakeAdapter,
  type StoreDown,
} from './support.ts';

function newEntry(userId: string, time: Date, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: crypto.randomUUID(),
    userId,
    type: 'user.login',
    time,
    sessionId: crypto.randomUUID(),
    actorId: null,
    ip: '198.51.100.4',
    userAgent: 'contract-test',
    ...overrides,
  };
}

let futureTests = 0;

/** The AuditRepository contract (modules/audit/ports.ts): every adapter passes it. */
export function describeAuditRepositoryContract(
  name: string,
  makeAdapter: MakeAdapter<AuditRepository>,
  storeDown: StoreDown<MakeAdapter<AuditRepository>>,
) {
  describe(`AuditRepository contract: ${name}`, () => {
    let adapter: ContractAdapter<AuditRepository>;
    let repo: AuditRepository;
    let userId: string;
    let now: Date;
    beforeEach(async () => {
      adapter = await makeAdapter();
      repo = adapter.repo;
      userId = crypto.randomUUID();
      now = new Date();
    });
    afterEach(async () => adapter.close?.());

    it('record() stores the entry so listByUser() returns it unchanged', async () => {
      const entry = newEntry(userId, now, { sessionId: null, ip: null, userAgent: null });
      await repo.record(entry);
      expect(await repo.listByUser(userId, 10)).toEqual([entry]);
    });

    it('record() ignores an entry whose id is stored already, keeping the first', async () => {
      const entry = newEntry(userId, now);
      await repo.record(entry);
      await repo.record({ ...entry, type: 'user.logout', time: secondsFrom(now, 5) });
      await repo.record(entry);
      expect(await repo.listByUser(userId, 10)).toEqual([entry]);
    });

    it('listByUser() returns the newest entries first, ties broken by id, at most `limit`', async () => {
      const oldest = newEntry(userId, secondsFrom(now, -20));
      const middle = newEntry(userId, secondsFrom(now, -10));
      const tiedA = newEntry(userId, now, { id: `00000000-0000-4000-8000-${'a'.repeat(12)}` });
      const tiedB = newEntry(userId, now, { id: `00000000-0000-4000-8000-${'b'.repeat(12)}` });
      for (const e of [middle, tiedA, oldest, tiedB]) await repo.record(e);
      expect(await repo.listByUser(userId, 10)).toEqual([tiedB, tiedA, middle, oldest]);
      expect(await repo.listByUser(userId, 3)).toEqual([tiedB, tiedA, middle]);
    });

    it("listByUser() returns only the user's entries, and none for a user without any", async () => {
      const mine = newEntry(userId, now);
      await repo.record(mine);
      await repo.record(newEntry(crypto.randomUUID(), now));
      expect(await repo.listByUser(userId, 10)).toEqual([mine]);
      expect(await repo.listByUser(crypto.randomUUID(), 10)).toEqual([]);
    });

    it("deleteByUser() deletes every entry of the user, returns how many, and keeps others' entries", async () => {
      const other = newEntry(crypto.randomUUID(), now);
      await repo.record(other);
      for (let i = 0; i < 3; i++) await repo.record(newEntry(userId, secondsFrom(now, -i)));
      expect(await repo.deleteByUser(userId)).toBe(3);
      expect(await repo.listByUser(userId, 10)).toEqual([]);
      expect(await repo.listByUser(other.userId, 10)).toEqual([other]);
      expect(await repo.deleteByUser(userId)).toBe(0);
    });

    it('record() keeps the actor of an admin action', async () => {
      const entry = newEntry(userId, now, { type: 'admin.user_disabled', sessionId: null, actorId: crypto.randomUUID() });
      await repo.record(entry);
      expect(await repo.listByUser(userId, 10)).toEqual([entry]);
    });

    describe('search()', () => {
      // The store is shared with other tests: these entries are later than any other test's.
      let base: Date;
      beforeEach(() => {
        futureTests += 1;
        base = new Date(Date.UTC(2100, 0, 1) + futureTests * 86_400_000);
      });

      it("returns every user's entries newest first, ties broken by id, at most `limit`", async () => {
        const other = crypto.randomUUID();
        const oldest = newEntry(userId, secondsFrom(base, -20));
        const middle = newEntry(other, secondsFrom(base, -10), { type: 'admin.user_unlocked', actorId: userId });
        const tie = crypto.randomUUID(); // ids are unique across the whole store
        const tiedA = newEntry(other, base, { id: `${tie}-a` });
        const tiedB = newEntry(userId, base, { id: `${tie}-b` });
        for (const e of [middle, tiedA, oldest, tiedB]) await repo.record(e);
        expect(await repo.search({ limit: 4 })).toEqual([tiedB, tiedA, middle, oldest]);
        expect(await repo.search({ limit: 2 })).toEqual([tiedB, tiedA]);
      });

      it('filters by user, by type, or both', async () => {
        const other = crypto.randomUUID();
        const login = newEntry(userId, secondsFrom(base, -3));
        const disabled = newEntry(userId, secondsFrom(base, -2), { type: 'admin.user_disabled', actorId: other });
        const othersDisabled = newEntry(other, secondsFrom(base, -1), { type: 'admin.user_disabled', actorId: userId });
        for (const e of [login, disabled, othersDisabled]) await repo.record(e);
        expect(await repo.search({ userId, limit: 10 })).toEqual([disabled, login]);
        expect(await repo.search({ type: 'admin.user_disabled', limit: 2 })).toEqual([othersDisabled, disabled]);
        expect(await repo.search({ userId: other, type: 'admin.user_disabled', limit: 10 })).toEqual([othersDisabled]);
        expect(await repo.search({ userId: crypto.randomUUID(), limit: 10 })).toEqual([]);
      });
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (make, outage) => {
      const { repo: down, close } = await make();
      try {
        const entry = newEntry(userId, now);
        await down.record(entry);
        await expectUnavailableWhileDown(
          outage,
          {
            record: () => down.record(newEntry(userId, secondsFrom(now, 1))),
            listByUser: () => down.listByUser(userId, 10),
            search: () => down.search({ type: 'user.login', limit: 10 }),
            deleteByUser: () => down.deleteByUser(userId),
          },
          () => down.listByUser(userId, 10),
        );
        expect(await down.listByUser(userId, 10)).toEqual([entry]);
      } finally {
        await close?.();
      }
    });
  });
}
