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
    roles: [],
    createdAt: at,
    updatedAt: at,
    lastLoginAt: null,
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

    it('create() keeps roles, status and lastLoginAt as given', async () => {
      const user = newUser({ roles: ['admin', 'support'], status: 'disabled', lastLoginAt: new Date(Date.now() - 1000) });
      await repo.create(user, []);
      expect(await repo.findById(user.id)).toEqual(user);
      expect(await repo.findByEmail(user.email)).toEqual(user);
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

    it('update() disables and enables an account (status)', async () => {
      const user = newUser();
      await repo.create(user, []);
      const updatedAt = new Date();
      expect(await repo.update(user.id, { status: 'disabled', updatedAt }, [])).toEqual({ ...user, status: 'disabled', updatedAt });
      expect(await repo.findById(user.id)).toEqual({ ...user, status: 'disabled', updatedAt });
      expect((await repo.update(user.id, { status: 'active', updatedAt }, []))?.status).toBe('active');
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

    it('recordLogin() sets lastLoginAt only, and returns the account; null for an unknown one', async () => {
      const user = newUser();
      await repo.create(user, []);
      const at = new Date();
      expect(await repo.recordLogin(user.id, at)).toEqual({ ...user, lastLoginAt: at });
      expect(await repo.findById(user.id)).toEqual({ ...user, lastLoginAt: at });
      expect(await repo.recordLogin(crypto.randomUUID(), at)).toBeNull();
    });

    it('setRole() grants a role once, sets updatedAt and stores the events it makes of the updated account', async () => {
      const user = newUser({ roles: ['support'] });
      await repo.create(user, []);
      const at = new Date();
      const event = testEvent('user.roles_changed');
      const made: string[][] = [];
      const events = (updated: UserRecord) => {
        made.push(updated.roles);
        return [event];
      };
      const granted = await repo.setRole(user.id, { role: 'admin', granted: true, at }, events);
      expect(granted).toEqual({ user: { ...user, roles: ['support', 'admin'], updatedAt: at }, changed: true });
      expect(made).toEqual([['support', 'admin']]);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(true);

      const again = testEvent('user.roles_changed');
      const twice = await repo.setRole(user.id, { role: 'admin', granted: true, at: new Date() }, () => [again]);
      expect(twice).toEqual({ user: { ...user, roles: ['support', 'admin'], updatedAt: at }, changed: false });
      expect((await drainedIds(adapter.outbox)).has(again.id)).toBe(false);
      expect(await repo.findById(user.id)).toEqual({ ...user, roles: ['support', 'admin'], updatedAt: at });
    });

    it('setRole() revokes a role; revoking one it lacks changes nothing and stores no events', async () => {
      const user = newUser({ roles: ['admin', 'support'] });
      await repo.create(user, []);
      const at = new Date();
      expect(await repo.setRole(user.id, { role: 'admin', granted: false, at }, () => [])).toEqual({
        user: { ...user, roles: ['support'], updatedAt: at },
        changed: true,
      });
      const event = testEvent('user.roles_changed');
      expect((await repo.setRole(user.id, { role: 'admin', granted: false, at: new Date() }, () => [event]))?.changed).toBe(false);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    it('setRole() returns null for an unknown account and stores no events', async () => {
      const event = testEvent('user.roles_changed');
      expect(await repo.setRole(crypto.randomUUID(), { role: 'admin', granted: true, at: new Date() }, () => [event])).toBeNull();
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    it('setRole() calls racing on one account lose none of their changes', async () => {
      const user = newUser();
      await repo.create(user, []);
      const roles = ['r1', 'r2', 'r3', 'r4', 'r5'];
      await Promise.all(roles.map((role) => repo.setRole(user.id, { role, granted: true, at: new Date() }, () => [])));
      expect((await repo.findById(user.id))?.roles.sort()).toEqual(roles);
    });

    describe('search()', () => {
      // Other tests (and files) share the store: every account here carries this test's marker.
      let marker: string;
      let at: Date;
      const marked = (overrides: Partial<UserRecord> = {}) =>
        newUser({ email: `${marker}-${crypto.randomUUID().slice(0, 8)}@example.test`, createdAt: at, updatedAt: at, ...overrides });
      beforeEach(() => {
        marker = `m${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
        at = new Date(Date.now() - 3_600_000);
      });
      const ids = (users: UserRecord[]) => users.map((u) => u.id);

      it('finds accounts whose email or display name contains the folded query, and no others', async () => {
        const byEmail = marked({ email: `Ada.${marker}@Example.test`, displayName: null });
        const byName = marked({ email: `x-${crypto.randomUUID()}@example.test`, displayName: `Grace ${marker.toUpperCase()} Hopper` });
        const neither = marked({ email: `y-${crypto.randomUUID()}@example.test`, displayName: 'Someone else' });
        for (const u of [byEmail, byName, neither]) await repo.create(u, []);
        const found = await repo.search({ query: marker, after: null, limit: 10 });
        expect(found.map((u) => u.id).sort()).toEqual([byEmail.id, byName.id].sort());
        expect(found.find((u) => u.id === byEmail.id)).toEqual(byEmail);
        expect(ids(await repo.search({ query: `ada.${marker}@example`, after: null, limit: 10 }))).toEqual([byEmail.id]);
        expect(ids(await repo.search({ query: `grace ${marker}`, after: null, limit: 10 }))).toEqual([byName.id]);
      });

      it('takes % and _ in the query literally', async () => {
        const literal = marked({ displayName: `100%_${marker}` });
        const lookalike = marked({ displayName: `100ab${marker}` });
        for (const u of [literal, lookalike]) await repo.create(u, []);
        expect(ids(await repo.search({ query: `100%_${marker}`, after: null, limit: 10 }))).toEqual([literal.id]);
        expect(ids(await repo.search({ query: `0_${marker}`, after: null, limit: 10 }))).toEqual([]);
      });

      it('folds ASCII letters only: a name with `İ` or full-width letters is not found by its ASCII look-alike', async () => {
        const dotted = marked({ displayName: `İnci ${marker}` });
        await repo.create(dotted, []);
        expect(ids(await repo.search({ query: `inci ${marker}`, after: null, limit: 10 }))).toEqual([]);
        expect(ids(await repo.search({ query: `İnci ${marker}`, after: null, limit: 10 }))).toEqual([dotted.id]);
      });

      it('orders newest first, ties by id in byte order, and pages after a position without gaps or repeats', async () => {
        const older = marked({ createdAt: new Date(at.getTime() - 5000) });
        const tiedA = marked({ id: `${marker}-A` });
        const tiedB = marked({ id: `${marker}-a` }); // 'a' > 'A' in byte order (not in every collation)
        const newer = marked({ createdAt: new Date(at.getTime() + 5000) });
        for (const u of [tiedA, older, newer, tiedB]) await repo.create(u, []);
        const all = await repo.search({ query: marker, after: null, limit: 10 });
        expect(ids(all)).toEqual([newer.id, tiedB.id, tiedA.id, older.id]);
        const first = await repo.search({ query: marker, after: null, limit: 2 });
        expect(ids(first)).toEqual([newer.id, tiedB.id]);
        const rest = await repo.search({ query: marker, after: { createdAt: tiedB.createdAt, id: tiedB.id }, limit: 2 });
        expect(ids(rest)).toEqual([tiedA.id, older.id]);
        expect(await repo.search({ query: marker, after: { createdAt: older.createdAt, id: older.id }, limit: 2 })).toEqual([]);
      });

      it('an empty query matches every account', async () => {
        const user = marked({ createdAt: new Date(Date.now() + 3_600_000) }); // newer than any other
        await repo.create(user, []);
        expect(ids(await repo.search({ query: '', after: null, limit: 1 }))).toEqual([user.id]);
      });
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
            recordLogin: () => down.recordLogin(user.id, new Date()),
            setRole: () => down.setRole(user.id, { role: 'admin', granted: true, at: new Date() }, () => [events[1]]),
            search: () => down.search({ query: '', after: null, limit: 1 }),
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
