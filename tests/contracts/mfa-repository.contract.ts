import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MfaRepository, PasskeyRecord, TotpRecord } from '../../modules/mfa/mod.ts';
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

const hashes = (label: string, n = 3) => Array.from({ length: n }, (_, i) => `${label}-${i}-${crypto.randomUUID()}`);

function enrolment(userId: string, at: Date): TotpRecord {
  return { id: crypto.randomUUID(), userId, secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', createdAt: at, enabledAt: null };
}

function passkey(userId: string, at: Date, overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return {
    id: crypto.randomUUID(),
    userId,
    credentialId: `cred-${crypto.randomUUID()}`,
    publicKey: 'pQECAyYgASFYIA',
    counter: 0,
    transports: ['internal', 'hybrid'],
    name: 'Laptop',
    backedUp: true,
    createdAt: at,
    lastUsedAt: null,
    ...overrides,
  };
}

/** The MfaRepository contract (modules/mfa/ports.ts): every adapter passes it. */
export function describeMfaRepositoryContract(
  name: string,
  makeAdapter: MakeAdapter<MfaRepository>,
  storeDown: StoreDown<MakeAdapter<MfaRepository>>,
) {
  describe(`MfaRepository contract: ${name}`, () => {
    let adapter: ContractAdapter<MfaRepository>;
    let repo: MfaRepository;
    let userId: string;
    let now: Date;
    beforeEach(async () => {
      adapter = await makeAdapter();
      repo = adapter.repo;
      userId = crypto.randomUUID();
      now = new Date(Math.floor(Date.now() / 1000) * 1000);
    });
    afterEach(async () => adapter.close?.());

    /** An account with TOTP enabled and three recovery codes. */
    async function withTotp(codes = hashes('code')) {
      const e = enrolment(userId, now);
      await repo.startTotp(e);
      expect(await repo.enableTotp({ userId, enrolmentId: e.id, at: now, recoveryCodeHashes: codes }, [])).toBe(true);
      return { enrolment: e, codes };
    }

    it('get() of an account without factors has none', async () => {
      expect(await repo.get(userId)).toEqual({ totp: null, passkeys: [], recoveryCodes: [] });
    });

    it('presence() says which factors the account has: an enabled TOTP, a passkey, an unused recovery code', async () => {
      const none = { totp: false, passkey: false, unusedRecoveryCode: false };
      expect(await repo.presence(userId)).toEqual(none);
      await repo.startTotp(enrolment(userId, now));
      expect(await repo.presence(userId)).toEqual(none); // pending is not enabled
      const { codes } = await withTotp(hashes('code', 1));
      expect(await repo.presence(userId)).toEqual({ totp: true, passkey: false, unusedRecoveryCode: true });
      await repo.useRecoveryCode(userId, codes[0]!, now);
      expect(await repo.presence(userId)).toEqual({ totp: true, passkey: false, unusedRecoveryCode: false });
      await repo.addPasskey(passkey(userId, now), []);
      await repo.removeTotp(userId, []);
      expect(await repo.presence(userId)).toEqual({ totp: false, passkey: true, unusedRecoveryCode: false });
      expect(await repo.presence(crypto.randomUUID())).toEqual(none);
    });

    it('startTotp() stores a pending enrolment, replacing a pending one', async () => {
      const first = enrolment(userId, now);
      expect(await repo.startTotp(first)).toBe(true);
      expect((await repo.get(userId)).totp).toEqual(first);
      const second = { ...enrolment(userId, secondsFrom(now, 1)), secret: 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA' };
      expect(await repo.startTotp(second)).toBe(true);
      expect((await repo.get(userId)).totp).toEqual(second);
    });

    it('enableTotp() enables the pending enrolment, replaces the recovery codes and stores its events', async () => {
      const e = enrolment(userId, now);
      await repo.startTotp(e);
      const event = testEvent('user.mfa_enabled', userId);
      const codes = hashes('code');
      expect(await repo.enableTotp({ userId, enrolmentId: e.id, at: secondsFrom(now, 5), recoveryCodeHashes: codes }, [event])).toBe(true);
      const stored = await repo.get(userId);
      expect(stored.totp).toEqual({ ...e, enabledAt: secondsFrom(now, 5) });
      expect(stored.recoveryCodes.map((c) => c.hash).sort()).toEqual([...codes].sort());
      expect(stored.recoveryCodes.every((c) => c.usedAt === null)).toBe(true);
      expect(await drainedIds(adapter.outbox)).toContain(event.id);
    });

    it('startTotp() refuses while TOTP is enabled, and leaves it as it was', async () => {
      const { enrolment: enabled } = await withTotp();
      expect(await repo.startTotp(enrolment(userId, secondsFrom(now, 1)))).toBe(false);
      expect((await repo.get(userId)).totp).toEqual({ ...enabled, enabledAt: now });
    });

    it('enableTotp() refuses an enrolment that is no longer the pending one, storing nothing', async () => {
      const replaced = enrolment(userId, now);
      await repo.startTotp(replaced);
      await repo.startTotp(enrolment(userId, secondsFrom(now, 1)));
      const event = testEvent('user.mfa_enabled', userId);
      expect(await repo.enableTotp({ userId, enrolmentId: replaced.id, at: now, recoveryCodeHashes: hashes('x') }, [event])).toBe(false);
      expect(await repo.get(userId)).toMatchObject({ totp: { enabledAt: null }, recoveryCodes: [] });
      expect(await drainedIds(adapter.outbox)).not.toContain(event.id);
    });

    it('of concurrent enableTotp() calls for one enrolment exactly one succeeds', async () => {
      const e = enrolment(userId, now);
      await repo.startTotp(e);
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          repo.enableTotp({ userId, enrolmentId: e.id, at: now, recoveryCodeHashes: hashes(`r${i}`) }, []),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await repo.get(userId)).recoveryCodes).toHaveLength(3);
    });

    it('removeTotp() removes an enabled TOTP with its events, and the recovery codes when no passkey is left', async () => {
      await withTotp();
      const event = testEvent('user.mfa_disabled', userId);
      expect(await repo.removeTotp(userId, [event])).toBe(true);
      expect(await repo.get(userId)).toEqual({ totp: null, passkeys: [], recoveryCodes: [] });
      expect(await drainedIds(adapter.outbox)).toContain(event.id);
    });

    it('removeTotp() keeps the recovery codes while a passkey is left', async () => {
      const { codes } = await withTotp();
      await repo.addPasskey(passkey(userId, now), []);
      expect(await repo.removeTotp(userId, [])).toBe(true);
      expect((await repo.get(userId)).recoveryCodes.map((c) => c.hash).sort()).toEqual([...codes].sort());
    });

    it('removeTotp() of a pending enrolment removes it but answers false and stores no event', async () => {
      await repo.startTotp(enrolment(userId, now));
      const event = testEvent('user.mfa_disabled', userId);
      expect(await repo.removeTotp(userId, [event])).toBe(false);
      expect((await repo.get(userId)).totp).toBeNull();
      expect(await repo.removeTotp(crypto.randomUUID(), [])).toBe(false);
      expect(await drainedIds(adapter.outbox)).not.toContain(event.id);
    });

    it('replaceRecoveryCodes() needs a second factor: TOTP enabled or a passkey', async () => {
      const event = testEvent('user.recovery_codes_regenerated', userId);
      expect(await repo.replaceRecoveryCodes(userId, hashes('a'), [event])).toBe(false);
      await repo.startTotp(enrolment(userId, now));
      expect(await repo.replaceRecoveryCodes(userId, hashes('a'), [event])).toBe(false); // pending is not enabled
      expect((await repo.get(userId)).recoveryCodes).toEqual([]);
      expect(await drainedIds(adapter.outbox)).not.toContain(event.id);

      await repo.addPasskey(passkey(userId, now), []);
      const fresh = hashes('b');
      expect(await repo.replaceRecoveryCodes(userId, fresh, [event])).toBe(true);
      expect((await repo.get(userId)).recoveryCodes.map((c) => c.hash).sort()).toEqual([...fresh].sort());
      expect(await drainedIds(adapter.outbox)).toContain(event.id);
    });

    it('replaceRecoveryCodes() drops the old codes, used or not', async () => {
      const { codes } = await withTotp();
      await repo.useRecoveryCode(userId, codes[0]!, now);
      const fresh = hashes('new');
      await repo.replaceRecoveryCodes(userId, fresh, []);
      expect(await repo.get(userId)).toMatchObject({ recoveryCodes: fresh.sort().map((hash) => ({ hash, usedAt: null })) });
      expect(await repo.useRecoveryCode(userId, codes[1]!, now)).toBe(false);
    });

    it('useRecoveryCode() spends a code once, and only the account’s own', async () => {
      const { codes } = await withTotp();
      expect(await repo.useRecoveryCode(crypto.randomUUID(), codes[0]!, now)).toBe(false);
      expect(await repo.useRecoveryCode(userId, 'no-such-code', now)).toBe(false);
      expect(await repo.useRecoveryCode(userId, codes[0]!, secondsFrom(now, 3))).toBe(true);
      expect(await repo.useRecoveryCode(userId, codes[0]!, now)).toBe(false);
      const stored = (await repo.get(userId)).recoveryCodes.find((c) => c.hash === codes[0]);
      expect(stored).toEqual({ hash: codes[0], usedAt: secondsFrom(now, 3) });
    });

    it('of concurrent useRecoveryCode() calls with one code exactly one succeeds', async () => {
      const { codes } = await withTotp();
      const results = await Promise.all(Array.from({ length: 10 }, () => repo.useRecoveryCode(userId, codes[1]!, now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('addPasskey() stores the passkey with its events; findPasskey() finds it by credential id', async () => {
      const p = passkey(userId, now, { counter: 7 });
      const event = testEvent('user.passkey_added', userId);
      expect(await repo.addPasskey(p, [event])).toBe(true);
      expect(await repo.findPasskey(p.credentialId)).toEqual(p);
      expect(await repo.findPasskey('unknown')).toBeNull();
      expect((await repo.get(userId)).passkeys).toEqual([p]);
      expect(await drainedIds(adapter.outbox)).toContain(event.id);
    });

    it('addPasskey() refuses a credential registered already, to this account or another, storing nothing', async () => {
      const p = passkey(userId, now);
      await repo.addPasskey(p, []);
      const event = testEvent('user.passkey_added', userId);
      const other = crypto.randomUUID();
      expect(await repo.addPasskey({ ...passkey(other, now), credentialId: p.credentialId }, [event])).toBe(false);
      expect(await repo.addPasskey({ ...passkey(userId, now), credentialId: p.credentialId }, [event])).toBe(false);
      expect((await repo.get(other)).passkeys).toEqual([]);
      expect((await repo.get(userId)).passkeys).toEqual([p]);
      expect(await drainedIds(adapter.outbox)).not.toContain(event.id);
    });

    it('get() lists several passkeys oldest first', async () => {
      const later = passkey(userId, secondsFrom(now, 10), { name: 'Phone' });
      const earlier = passkey(userId, now, { name: 'Key' });
      await repo.addPasskey(later, []);
      await repo.addPasskey(earlier, []);
      expect((await repo.get(userId)).passkeys).toEqual([earlier, later]);
    });

    it('recordPasskeyUse() accepts a counter that grew, and refuses one that did not', async () => {
      const p = passkey(userId, now, { counter: 5 });
      await repo.addPasskey(p, []);
      expect(await repo.recordPasskeyUse(p.id, 5, now)).toBe(false);
      expect(await repo.recordPasskeyUse(p.id, 4, now)).toBe(false);
      expect(await repo.recordPasskeyUse(p.id, 0, now)).toBe(false);
      expect(await repo.findPasskey(p.credentialId)).toEqual(p);
      expect(await repo.recordPasskeyUse(p.id, 6, secondsFrom(now, 2))).toBe(true);
      expect(await repo.findPasskey(p.credentialId)).toEqual({ ...p, counter: 6, lastUsedAt: secondsFrom(now, 2) });
      expect(await repo.recordPasskeyUse(p.id, 2 ** 32 - 1, now)).toBe(true); // the counter is 32-bit unsigned
      expect((await repo.findPasskey(p.credentialId))?.counter).toBe(2 ** 32 - 1);
      expect(await repo.recordPasskeyUse('unknown', 9, now)).toBe(false);
    });

    it('recordPasskeyUse() keeps accepting an authenticator that keeps no counter (0 and 0)', async () => {
      const p = passkey(userId, now);
      await repo.addPasskey(p, []);
      expect(await repo.recordPasskeyUse(p.id, 0, now)).toBe(true);
      expect(await repo.recordPasskeyUse(p.id, 0, secondsFrom(now, 1))).toBe(true);
      expect((await repo.findPasskey(p.credentialId))?.lastUsedAt).toEqual(secondsFrom(now, 1));
    });

    it('of concurrent recordPasskeyUse() calls with one counter value exactly one succeeds', async () => {
      const p = passkey(userId, now, { counter: 1 });
      await repo.addPasskey(p, []);
      const results = await Promise.all(Array.from({ length: 10 }, () => repo.recordPasskeyUse(p.id, 2, now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('removePasskey() removes only the account’s own, with its events; the last factor takes the codes with it', async () => {
      const p = passkey(userId, now);
      await repo.addPasskey(p, []);
      await repo.replaceRecoveryCodes(userId, hashes('c'), []);
      const event = testEvent('user.passkey_removed', userId);
      expect(await repo.removePasskey(crypto.randomUUID(), p.id, [event])).toBe(false);
      expect(await repo.removePasskey(userId, 'unknown', [event])).toBe(false);
      expect(await drainedIds(adapter.outbox)).not.toContain(event.id);
      expect(await repo.removePasskey(userId, p.id, [event])).toBe(true);
      expect(await repo.get(userId)).toEqual({ totp: null, passkeys: [], recoveryCodes: [] });
      expect(await repo.findPasskey(p.credentialId)).toBeNull();
      expect(await drainedIds(adapter.outbox)).toContain(event.id);
      expect(await repo.addPasskey({ ...passkey(userId, now), credentialId: p.credentialId }, [])).toBe(true); // free again
    });

    it('removePasskey() keeps the recovery codes while TOTP is enabled', async () => {
      const { codes } = await withTotp();
      const p = passkey(userId, now);
      await repo.addPasskey(p, []);
      await repo.removePasskey(userId, p.id, []);
      expect((await repo.get(userId)).recoveryCodes).toHaveLength(codes.length);
    });

    it('removeAll() removes every factor of the account and no other’s; twice is harmless', async () => {
      await withTotp();
      const p = passkey(userId, now);
      await repo.addPasskey(p, []);
      const other = crypto.randomUUID();
      const kept = passkey(other, now);
      await repo.addPasskey(kept, []);
      await repo.removeAll(userId);
      await repo.removeAll(userId);
      expect(await repo.get(userId)).toEqual({ totp: null, passkeys: [], recoveryCodes: [] });
      expect(await repo.findPasskey(p.credentialId)).toBeNull();
      expect((await repo.get(other)).passkeys).toEqual([kept]);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (makeDown, outage) => {
      const down = (await makeDown()).repo;
      const { enrolment: enabled, codes } = await withTotp();
      const p = passkey(userId, now, { counter: 1 });
      await repo.addPasskey(p, []);
      const before = await repo.get(userId);
      await expectUnavailableWhileDown(
        outage,
        {
          get: () => down.get(userId),
          presence: () => down.presence(userId),
          startTotp: () => down.startTotp(enrolment(crypto.randomUUID(), now)),
          enableTotp: () => down.enableTotp({ userId, enrolmentId: enabled.id, at: now, recoveryCodeHashes: hashes('z') }, []),
          removeTotp: () => down.removeTotp(userId, []),
          replaceRecoveryCodes: () => down.replaceRecoveryCodes(userId, hashes('z'), []),
          useRecoveryCode: () => down.useRecoveryCode(userId, codes[0]!, now),
          addPasskey: () => down.addPasskey(passkey(userId, now), []),
          findPasskey: () => down.findPasskey(p.credentialId),
          recordPasskeyUse: () => down.recordPasskeyUse(p.id, 2, now),
          removePasskey: () => down.removePasskey(userId, p.id, []),
          removeAll: () => down.removeAll(userId),
        },
        () => down.get(userId),
      );
      expect(await repo.get(userId)).toEqual(before);
    });
  });
}
