import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmailTakenError, type UserRecord, type UserRepository } from '../../modules/user/mod.ts';
import {
  drainedIds,
  eventually,
  expectUnavailableWhileDown,
  itWhenStoreIsDown,
  testEvent,
  type ContractAdapter,
  type MakeAdapter,
  type StoreDown,
  unavailableChangesNothing,
} from './support.ts';

function newUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const at = new Date(Date.now() - 60_000);
  return {
    id: crypto.randomUUID(),
    email: `user-${crypto.randomUUID()}@example.test`,
    displayName: 'Ada',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    emailVerified: false,
    status: 'active',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** The UserRepository contract (modules/user/ports.ts): every adapter passes it. */
export function describeUserRepositoryContract(
  name: string,
  makeAdapter: MakeAdapter<UserRepository>,
  storeDown: StoreDown<MakeAdapter<UserRepository>>,
) {
  describe(`UserRepository contract: ${name}`, () => {
    let adapter: ContractAdapter<UserRepository>;
    let repo: UserRepository;
    beforeEach(async () => {
      adapter = await makeAdapter();
      repo = adapter.repo;
    });
    afterEach(async () => adapter.close?.());

    it('create() stores the account so findById() returns it unchanged', async () => {
      const user = newUser({ displayName: null });
      await repo.create(user, []);
      expect(await repo.findById(user.id)).toEqual(user);
    });

    it('create() stores its events in the outbox with the account', async () => {
      const event = testEvent('user.registered');
      await repo.create(newUser(), [event]);
      const entries = await drainedIds(adapter.outbox);
      expect(entries.has(event.id)).toBe(true);
    });

    it('create() rejects a second account with the same email in another case, and stores none of its events', async () => {
      const user = newUser();
      await repo.create(user, []);
      const event = testEvent('user.registered');
      const twin = newUser({ email: user.email.toUpperCase() });
      await expect(repo.create(twin, [event])).rejects.toBeInstanceOf(EmailTakenError);
      expect(await repo.findById(twin.id)).toBeNull();
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    it('create() lets exactly one of several racing inserts of one email succeed', async () => {
      const email = `race-${crypto.randomUUID()}@example.test`;
      const variants = [email, email.toUpperCase(), email, `Race${email.slice(4)}`, email];
      const results = await Promise.allSettled(variants.map((e) => repo.create(newUser({ email: e }), [])));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(EmailTakenError);
    });

    it('create() wakes outbox listeners after the account commits', async () => {
      let woken = 0;
      const stop = adapter.outbox.onAppend(() => woken++);
      try {
        await repo.create(newUser(), [testEvent('user.registered')]);
        await eventually(() => woken > 0);
      } finally {
        stop();
      }
    });

    it('findById() returns null for an unknown id', async () => {
      expect(await repo.findById(crypto.randomUUID())).toBeNull();
    });

    it('findByEmail() finds the account whatever the case of the email', async () => {
      const user = newUser({ email: `Mixed.${crypto.randomUUID()}@Example.TEST` });
      await repo.create(user, []);
      expect(await repo.findByEmail(user.email.toLowerCase())).toEqual(user);
      expect(await repo.findByEmail(user.email.toUpperCase())).toEqual(user);
    });

    it('findByEmail() folds ASCII letters only: a spelling with `İ`, `K` (Kelvin) or full-width letters is another address', async () => {
      const local = `kvictim${crypto.randomUUID().slice(0, 8)}`;
      const user = newUser({ email: `${local}@gmail.test` });
      await repo.create(user, []);
      const spellings = [`${local.replaceAll('i', 'İ')}@gmaİl.test`, `\u212A${local.slice(1)}@gmail.test`, `${local}@ｇmail.test`];
      for (const spelling of spellings) expect(await repo.findByEmail(spelling)).toBeNull();
      // Another account may hold such a spelling: it is a different address, not a twin.
      const other = newUser({ email: `${local.replaceAll('i', 'İ')}@gmaİl.test` });
      await repo.create(other, []);
      expect(await repo.findByEmail(other.email)).toEqual(other);
      expect(await repo.findByEmail(user.email.toUpperCase())).toEqual(user);
    });

    it('findByEmail() returns null for an unknown email', async () => {
      expect(await repo.findByEmail(`nobody-${crypto.randomUUID()}@example.test`)).toBeNull();
    });

    it('update() applies the changes, sets updatedAt and returns the updated account', async () => {
      const user = newUser();
      await repo.create(user, []);
      const updatedAt = new Date();
      const updated = await repo.update(user.id, { displayName: 'Grace', updatedAt }, []);
      const expected = { ...user, displayName: 'Grace', updatedAt };
      expect(updated).toEqual(expected);
      expect(await repo.findById(user.id)).toEqual(expected);
    });

    it('update() leaves the fields it is not given unchanged', async () => {
      const user = newUser();
      await repo.create(user, []);
      const updatedAt = new Date();
      const updated = await repo.update(user.id, { passwordHash: 'new-hash', updatedAt }, []);
      expect(updated).toEqual({ ...user, passwordHash: 'new-hash', updatedAt });
    });

    it('update() changes the email and its verification: found by the new address, no longer by the old', async () => {
      const user = newUser();
      await repo.create(user, []);
      const email = `New.${crypto.randomUUID()}@Example.test`;
      const updatedAt = new Date();
      const updated = await repo.update(user.id, { email, emailVerified: true, updatedAt }, []);
      expect(updated).toEqual({ ...user, email, emailVerified: true, updatedAt });
      expect(await repo.findByEmail(email.toLowerCase())).toEqual(updated);
      expect(await repo.findByEmail(user.email)).toBeNull();
      await expect(repo.create(newUser({ email: user.email }), [])).resolves.toBeUndefined(); // the old address is free
    });

    it('update() to another account’s email (in any case) throws EmailTakenError and changes nothing, events included', async () => {
      const [user, other] = [newUser(), newUser()];
      await repo.create(user, []);
      await repo.create(other, []);
      const event = testEvent('user.email_changed');
      await expect(
        repo.update(user.id, { email: other.email.toUpperCase(), emailVerified: true, updatedAt: new Date() }, [event]),
      ).rejects.toBeInstanceOf(EmailTakenError);
      expect(await repo.findById(user.id)).toEqual(user);
      expect(await repo.findByEmail(other.email)).toEqual(other);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    it('update() to the same address in another case keeps the account its own', async () => {
      const user = newUser();
      await repo.create(user, []);
      const updatedAt = new Date();
      expect(await repo.update(user.id, { email: user.email.toUpperCase(), updatedAt }, [])).toEqual({
        ...user,
        email: user.email.toUpperCase(),
        updatedAt,
      });
      expect((await repo.findByEmail(user.email))?.id).toBe(user.id);
    });

    it('of racing changes to one new email exactly one succeeds', async () => {
      const users = [newUser(), newUser(), newUser()];
      for (const u of users) await repo.create(u, []);
      const email = `race-${crypto.randomUUID()}@example.test`;
      const results = await Promise.allSettled(users.map((u) => repo.update(u.id, { email, updatedAt: new Date() }, [])));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(EmailTakenError);
    });

    it('update() stores its events in the outbox with the change', async () => {
      const user = newUser();
      await repo.create(user, []);
      const event = testEvent('user.updated');
      await repo.update(user.id, { displayName: 'Grace', updatedAt: new Date() }, [event]);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(true);
    });

    it('update() returns null for an unknown account and stores no events', async () => {
      const event = testEvent('user.updated');
      expect(await repo.update(crypto.randomUUID(), { displayName: 'X', updatedAt: new Date() }, [event])).toBeNull();
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    it('delete() removes the account, stores its events, and frees the email for a new account', async () => {
      const user = newUser();
      await repo.create(user, []);
      const event = testEvent('user.deleted');
      expect(await repo.delete(user.id, [event])).toBe(true);
      expect(await repo.findById(user.id)).toBeNull();
      expect(await repo.findByEmail(user.email)).toBeNull();
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(true);
      await expect(repo.create(newUser({ email: user.email }), [])).resolves.toBeUndefined();
    });

    it('delete() returns false for an unknown account and stores no events', async () => {
      const event = testEvent('user.deleted');
      expect(await repo.delete(crypto.randomUUID(), [event])).toBe(false);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (make, outage) => {
      const { repo: down, outbox, close } = await make();
      try {
        const user = newUser();
        await down.create(user, []);
        const newcomer = newUser();
        const events = [testEvent('user.registered'), testEvent('user.updated'), testEvent('user.deleted')] as const;
        await expectUnavailableWhileDown(
          outage,
          {
            create: () => down.create(newcomer, [events[0]]),
            findById: () => down.findById(user.id),
            findByEmail: () => down.findByEmail(user.email),
            update: () => down.update(user.id, { displayName: 'Changed', updatedAt: new Date() }, [events[1]]),
            delete: () => down.delete(user.id, [events[2]]),
          },
          () => down.findById(user.id),
        );
        expect(await down.findById(user.id)).toEqual(user);
        expect(await down.findByEmail(newcomer.email)).toBeNull();
        const drained = await drainedIds(outbox);
        expect(events.filter((e) => drained.has(e.id))).toEqual([]);
      } finally {
        await close?.();
      }
    });
  });
}
