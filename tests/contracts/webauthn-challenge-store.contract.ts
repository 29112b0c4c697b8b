import { describe, expect, it } from 'vitest';
import type { ChallengeRecord, WebAuthnChallengeStore } from '../../modules/mfa/mod.ts';
import { expectUnavailableWhileDown, itWhenStoreIsDown, unavailableChangesNothing, type StoreDown } from './support.ts';

/** Makes a store over the suite's storage; challenges are fresh per test, so stores may share it. */
export type MakeWebAuthnChallengeStore = () => WebAuthnChallengeStore;

function challenge(overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    challenge: crypto.randomUUID().replaceAll('-', ''),
    purpose: 'registration',
    userId: crypto.randomUUID(),
    expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000),
    ...overrides,
  };
}

/** The WebAuthnChallengeStore contract (modules/mfa/ports.ts): every adapter passes it. */
export function describeWebAuthnChallengeStoreContract(
  name: string,
  make: MakeWebAuthnChallengeStore,
  storeDown: StoreDown<MakeWebAuthnChallengeStore>,
) {
  describe(`WebAuthnChallengeStore contract: ${name}`, () => {
    it('take() returns a stored challenge once, unchanged', async () => {
      const store = make();
      const registration = challenge();
      const passwordless = challenge({ purpose: 'authentication', userId: null });
      await store.put(registration);
      await store.put(passwordless);
      expect(await store.take(registration.challenge, new Date())).toEqual(registration);
      expect(await store.take(registration.challenge, new Date())).toBeNull();
      expect(await store.take(passwordless.challenge, new Date())).toEqual(passwordless);
    });

    it('take() returns null for an unknown challenge', async () => {
      expect(await make().take('never-issued', new Date())).toBeNull();
    });

    it('take() returns null for a challenge past its expiry, and it stays gone', async () => {
      const store = make();
      const expiring = challenge();
      await store.put(expiring);
      expect(await store.take(expiring.challenge, new Date(expiring.expiresAt.getTime() + 1))).toBeNull();
      expect(await store.take(expiring.challenge, new Date())).toBeNull();
    });

    it('of concurrent takes of one challenge, through separate stores as through one, exactly one gets it', async () => {
      const stores = [make(), make()];
      const record = challenge();
      await stores[0]!.put(record);
      const taken = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.take(record.challenge, new Date())));
      expect(taken.filter((t) => t !== null)).toEqual([record]);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (makeDown, outage) => {
      const down = makeDown();
      const stored = challenge();
      await down.put(stored);
      const unstored = challenge();
      await expectUnavailableWhileDown(outage, { put: () => down.put(unstored), take: () => down.take(stored.challenge, new Date()) }, () =>
        down.take('probe', new Date()),
      );
      expect(await down.take(stored.challenge, new Date())).toEqual(stored);
      expect(await down.take(unstored.challenge, new Date())).toBeNull();
    });
  });
}
