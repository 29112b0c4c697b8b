import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../modules/kernel/mod.ts';
import type { SessionRecord, SessionRepository } from '../../modules/session/mod.ts';
import {
  drainedIds,
  expectUnavailableWhileDown,
  itWhenStoreIsDown,
  secondsFrom,
  testEvent,
  unavailableChangesNothing,
  type ContractAdapter,
  type MakeAdapter,
  type StoreDown,
} from './support.ts';

export const randomHash = () => crypto.randomUUID().replaceAll('-', '') + crypto.randomUUID().replaceAll('-', '');

type Rotation = Parameters<SessionRepository['rotate']>[0];

/**
 * The rotation of `session`'s refresh token as a refresh makes it: to a new hash at `at` (now),
 * its expiry an hour later, no events; `changes` applied.
 */
export function rotationOf(session: SessionRecord, changes: Partial<Rotation> = {}): Rotation {
  const at = changes.at ?? new Date();
  return {
    sessionId: session.id,
    fromHash: session.refreshHash,
    toHash: randomHash(),
    at,
    expiresAt: secondsFrom(at, 3600),
    events: [],
    ...changes,
  };
}

/** A fresh, active session record created at `createdAt`, with `overrides` applied. */
export function newSession(createdAt: Date, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    createdAt,
    lastUsedAt: createdAt,
    expiresAt: secondsFrom(createdAt, 3600),
    userAgent: 'contract-test',
    ip: '203.0.113.7',
    revokedAt: null,
    revokeReason: null,
    refreshHash: randomHash(),
    rotationKey: randomHash(),
    rotatedAt: createdAt,
    amr: ['pwd', 'otp'],
    ...overrides,
  };
}

/** The SessionRepository contract (modules/session/ports.ts): every adapter passes it. */
export function describeSessionRepositoryContract(
  name: string,
  makeAdapter: MakeAdapter<SessionRepository>,
  storeDown: StoreDown<MakeAdapter<SessionRepository>>,
) {
  describe(`SessionRepository contract: ${name}`, () => {
    let adapter: ContractAdapter<SessionRepository>;
    let repo: SessionRepository;
    let now: Date;
    beforeEach(async () => {
      adapter = await makeAdapter();
      repo = adapter.repo;
      now = new Date();
    });
    afterEach(async () => adapter.close?.());

    const stored = async (overrides: Partial<SessionRecord> = {}) => {
      const session = newSession(secondsFrom(now, -60), overrides);
      await repo.create(session, []);
      return session;
    };
    const revokedEvents = (log: CloudEvent[]) => (s: SessionRecord) => {
      const event = testEvent('session.revoked', s.userId);
      log.push(event);
      return [event];
    };

    it('create() stores the session so findById() returns it unchanged, with its events', async () => {
      const session = newSession(now, { userAgent: null, ip: null });
      const event = testEvent('session.created');
      await repo.create(session, [event]);
      expect(await repo.findById(session.id)).toEqual(session);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(true);
    });

    it('findById() returns a revoked session too, and null for an unknown id', async () => {
      const session = await stored();
      await repo.revoke(session.id, 'logout', now, () => []);
      expect(await repo.findById(session.id)).toMatchObject({ id: session.id, revokedAt: now, revokeReason: 'logout' });
      expect(await repo.findById(crypto.randomUUID())).toBeNull();
    });

    it("findByRefreshHash() returns 'current' for the hash that may be presented next", async () => {
      const session = await stored();
      expect(await repo.findByRefreshHash(session.refreshHash)).toEqual({ state: 'current', session });
    });

    it("findByRefreshHash() returns 'rotated' with rotatedAt for a hash the family has rotated away", async () => {
      const session = await stored();
      const first = randomHash();
      const second = randomHash();
      const at1 = secondsFrom(now, -30);
      await repo.rotate({
        sessionId: session.id,
        fromHash: session.refreshHash,
        toHash: first,
        at: at1,
        expiresAt: secondsFrom(now, 3600),
        events: [],
      });
      await repo.rotate({ sessionId: session.id, fromHash: first, toHash: second, at: now, expiresAt: secondsFrom(now, 3600), events: [] });
      const original = await repo.findByRefreshHash(session.refreshHash);
      expect(original).toMatchObject({ state: 'rotated', rotatedAt: at1, session: { id: session.id, refreshHash: second } });
      expect(await repo.findByRefreshHash(first)).toMatchObject({ state: 'rotated', rotatedAt: now });
      expect(await repo.findByRefreshHash(second)).toMatchObject({ state: 'current', session: { id: session.id } });
    });

    it('findByRefreshHash() returns null for a hash no session knows', async () => {
      expect(await repo.findByRefreshHash(randomHash())).toBeNull();
    });

    it('rotate() replaces the current hash and sets lastUsedAt, rotatedAt and the new expiry', async () => {
      const session = await stored();
      const toHash = randomHash();
      const expiresAt = secondsFrom(now, 7200);
      const event = testEvent('session.refreshed');
      const rotated = await repo.rotate({
        sessionId: session.id,
        fromHash: session.refreshHash,
        toHash,
        at: now,
        expiresAt,
        events: [event],
      });
      const expected = { ...session, refreshHash: toHash, lastUsedAt: now, rotatedAt: now, expiresAt };
      expect(rotated).toEqual(expected);
      expect(await repo.findById(session.id)).toEqual(expected);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(true);
    });

    it('rotate() returns null and stores no events when fromHash is no longer current', async () => {
      const session = await stored();
      const next = randomHash();
      await repo.rotate(rotationOf(session, { toHash: next, at: now }));
      const event = testEvent('session.refreshed');
      const again = await repo.rotate(rotationOf(session, { at: now, events: [event] }));
      expect(again).toBeNull();
      expect((await repo.findById(session.id))?.refreshHash).toBe(next);
      expect((await drainedIds(adapter.outbox)).has(event.id)).toBe(false);
    });

    it('rotate() returns null for a revoked session', async () => {
      const session = await stored();
      await repo.revoke(session.id, 'logout', now, () => []);
      const rotated = await repo.rotate(rotationOf(session, { at: now }));
      expect(rotated).toBeNull();
    });

    it('rotate() returns null for a session expired at `at`', async () => {
      const session = await stored({ expiresAt: secondsFrom(now, -1) });
      const rotated = await repo.rotate(rotationOf(session, { at: now }));
      expect(rotated).toBeNull();
      expect((await repo.findById(session.id))?.refreshHash).toBe(session.refreshHash);
    });

    it('rotate() called by 10 racers with one fromHash updates exactly one and stores only its events', async () => {
      const session = await stored();
      const racers = Array.from({ length: 10 }, () => ({ toHash: randomHash(), event: testEvent('session.refreshed') }));
      const results = await Promise.all(
        racers.map((r) =>
          repo.rotate({
            sessionId: session.id,
            fromHash: session.refreshHash,
            toHash: r.toHash,
            at: now,
            expiresAt: secondsFrom(now, 3600),
            events: [r.event],
          }),
        ),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const winner = racers[results.findIndex((r) => r !== null)]!;
      expect((await repo.findById(session.id))?.refreshHash).toBe(winner.toHash);
      const drained = await drainedIds(adapter.outbox);
      expect(racers.filter((r) => drained.has(r.event.id))).toEqual([winner]);
    });

    it('revoke() ends an active session, returns it, and stores the events built from it', async () => {
      const session = await stored();
      const log: CloudEvent[] = [];
      const revoked = await repo.revoke(session.id, 'user_revoked', now, revokedEvents(log));
      expect(revoked).toEqual({ ...session, revokedAt: now, revokeReason: 'user_revoked' });
      expect(log).toHaveLength(1);
      expect((await drainedIds(adapter.outbox)).has(log[0]!.id)).toBe(true);
    });

    it('revoke() returns null for an already revoked, an expired or an unknown session', async () => {
      const revoked = await stored();
      await repo.revoke(revoked.id, 'logout', now, () => []);
      const expired = await stored({ expiresAt: secondsFrom(now, -1) });
      const log: CloudEvent[] = [];
      expect(await repo.revoke(revoked.id, 'logout', now, revokedEvents(log))).toBeNull();
      expect(await repo.revoke(expired.id, 'logout', now, revokedEvents(log))).toBeNull();
      expect(await repo.revoke(crypto.randomUUID(), 'logout', now, revokedEvents(log))).toBeNull();
      expect(log).toHaveLength(0);
      expect((await repo.findById(revoked.id))?.revokeReason).toBe('logout');
    });

    it('revoke() called by 10 racers on one session revokes it for exactly one of them', async () => {
      const session = await stored();
      const log: CloudEvent[] = [];
      const results = await Promise.all(Array.from({ length: 10 }, () => repo.revoke(session.id, 'logout', now, revokedEvents(log))));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const drained = await drainedIds(adapter.outbox);
      expect(log.filter((e) => drained.has(e.id))).toHaveLength(1);
    });

    it('revokeAllForUser() revokes every active session of the user but the excepted one and returns those', async () => {
      const userId = crypto.randomUUID();
      const [a, b, keep] = [await stored({ userId }), await stored({ userId }), await stored({ userId })];
      const alreadyRevoked = await stored({ userId });
      await repo.revoke(alreadyRevoked.id, 'logout', now, () => []);
      await stored({ userId, expiresAt: secondsFrom(now, -1) });
      const otherUsers = await stored();
      const log: CloudEvent[] = [];
      const revoked = await repo.revokeAllForUser(
        userId,
        { exceptSessionId: keep!.id, reason: 'password_changed', at: now },
        revokedEvents(log),
      );
      expect(revoked.map((s) => s.id).sort()).toEqual([a!.id, b!.id].sort());
      for (const s of revoked) expect(s).toMatchObject({ revokedAt: now, revokeReason: 'password_changed' });
      expect((await repo.listActive(userId, now)).map((s) => s.id)).toEqual([keep!.id]);
      expect(await repo.findById(otherUsers.id)).toEqual(otherUsers);
      const drained = await drainedIds(adapter.outbox);
      expect(log).toHaveLength(2);
      expect(log.every((e) => drained.has(e.id))).toBe(true);
    });

    it('revokeAllForUser() without an exception revokes every active session', async () => {
      const userId = crypto.randomUUID();
      await stored({ userId });
      await stored({ userId });
      const revoked = await repo.revokeAllForUser(userId, { reason: 'user_deleted', at: now }, () => []);
      expect(revoked).toHaveLength(2);
      expect(await repo.listActive(userId, now)).toEqual([]);
    });

    it('listActive() returns the sessions neither revoked nor expired at `at`, newest first', async () => {
      const userId = crypto.randomUUID();
      const older = newSession(secondsFrom(now, -300), { userId });
      const newer = newSession(secondsFrom(now, -100), { userId });
      const expired = newSession(secondsFrom(now, -200), { userId, expiresAt: now });
      const revoked = newSession(secondsFrom(now, -50), { userId });
      for (const s of [older, newer, expired, revoked]) await repo.create(s, []);
      await repo.revoke(revoked.id, 'logout', now, () => []);
      expect(await repo.listActive(userId, now)).toEqual([newer, older]);
    });

    it('listRevokedSince() returns the ids of sessions revoked at or after `since`', async () => {
      const [before, atSince, after, active] = [await stored(), await stored(), await stored(), await stored()];
      await repo.revoke(before.id, 'logout', secondsFrom(now, -10), () => []);
      await repo.revoke(atSince.id, 'logout', now, () => []);
      await repo.revoke(after.id, 'logout', secondsFrom(now, 10), () => []);
      const ids = await repo.listRevokedSince(now);
      expect(ids).toEqual(expect.arrayContaining([atSince.id, after.id]));
      expect(ids).not.toContain(before.id);
      expect(ids).not.toContain(active.id);
    });

    it('purgeEnded() deletes sessions that ended before `before` with their rotated hashes, and returns how many', async () => {
      // Times far in the past, so other tests' sessions sharing the store cannot end in this window.
      const base = new Date(Date.UTC(2001, 0, 1));
      const at = (s: number) => secondsFrom(base, s);
      const expired = newSession(at(0), { expiresAt: at(10) });
      const revoked = newSession(at(0), { expiresAt: at(1000) });
      const endsLater = newSession(at(0), { expiresAt: at(100) });
      for (const s of [expired, revoked, endsLater]) await repo.create(s, []);
      const rotatedTo = randomHash();
      await repo.rotate({
        sessionId: revoked.id,
        fromHash: revoked.refreshHash,
        toHash: rotatedTo,
        at: at(5),
        expiresAt: at(1000),
        events: [],
      });
      await repo.revoke(revoked.id, 'logout', at(20), () => []);
      expect(await repo.purgeEnded(at(50))).toBe(2);
      expect(await repo.findById(expired.id)).toBeNull();
      expect(await repo.findById(revoked.id)).toBeNull();
      expect(await repo.findByRefreshHash(revoked.refreshHash)).toBeNull();
      expect(await repo.findByRefreshHash(rotatedTo)).toBeNull();
      expect(await repo.findById(endsLater.id)).toEqual(endsLater);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (make, outage) => {
      const { repo: down, outbox, close } = await make();
      try {
        const session = newSession(secondsFrom(now, -60));
        await down.create(session, []);
        const newcomer = newSession(now);
        const log: CloudEvent[] = [];
        const created = testEvent('session.created');
        const refreshed = testEvent('session.refreshed');
        const rotation = {
          sessionId: session.id,
          fromHash: session.refreshHash,
          toHash: randomHash(),
          at: now,
          expiresAt: secondsFrom(now, 7200),
        };
        await expectUnavailableWhileDown(
          outage,
          {
            create: () => down.create(newcomer, [created]),
            findById: () => down.findById(session.id),
            findByRefreshHash: () => down.findByRefreshHash(session.refreshHash),
            rotate: () => down.rotate({ ...rotation, events: [refreshed] }),
            revoke: () => down.revoke(session.id, 'logout', now, revokedEvents(log)),
            revokeAllForUser: () => down.revokeAllForUser(session.userId, { reason: 'user_deleted', at: now }, revokedEvents(log)),
            listActive: () => down.listActive(session.userId, now),
            listRevokedSince: () => down.listRevokedSince(secondsFrom(now, -60)),
            purgeEnded: () => down.purgeEnded(secondsFrom(now, 1e6)),
          },
          () => down.findById(session.id),
        );
        expect(await down.findById(session.id)).toEqual(session);
        expect(await down.findByRefreshHash(session.refreshHash)).toEqual({ state: 'current', session });
        expect(await down.findById(newcomer.id)).toBeNull();
        const drained = await drainedIds(outbox);
        expect([created, refreshed, ...log].filter((e) => drained.has(e.id))).toEqual([]);
      } finally {
        await close?.();
      }
    });
  });
}
