import { describe, expect, it } from 'vitest';
import type { PasswordAttemptStore, PasswordThrottlePolicy } from '../../modules/kernel/mod.ts';
import { expectUnavailableWhileDown, itWhenStoreIsDown, unavailableChangesNothing, type StoreDown } from './support.ts';

/** Makes a store with `policy` whose accounts no other call of it shares. */
export type MakePasswordAttemptStore = (policy: PasswordThrottlePolicy) => PasswordAttemptStore;

const policy: PasswordThrottlePolicy = { freeFailures: 3, windowMs: 60_000, maxBlockMs: 8000, lockoutFailures: 50, lockoutMs: 60_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The PasswordAttemptStore contract (modules/kernel/password-throttle.ts): every adapter passes it. */
export function describePasswordAttemptStoreContract(
  name: string,
  make: MakePasswordAttemptStore,
  storeDown: StoreDown<MakePasswordAttemptStore>,
) {
  describe(`PasswordAttemptStore contract: ${name}`, () => {
    const account = () => crypto.randomUUID();
    const holder = () => crypto.randomUUID();
    /** What begin() answers a fresh holder, releasing the slot again if it got it. */
    async function probe(store: PasswordAttemptStore, a: string) {
      const h = holder();
      const start = await store.begin(a, h, 10_000);
      if (start.started) await store.release(a, h);
      return start;
    }
    const fail = (store: PasswordAttemptStore, a: string) => store.finish(a, holder(), false);

    it('begin() gives the slot to one holder; others are told it is busy until it is finished', async () => {
      const store = make(policy);
      const a = account();
      const first = holder();
      expect(await store.begin(a, first, 10_000)).toEqual({ started: true });
      const busy = await store.begin(a, holder(), 10_000);
      expect(busy).toMatchObject({ started: false, reason: 'busy' });
      expect(busy.started === false && busy.retryAfterMs).toBeGreaterThan(0);
      expect(busy.started === false && busy.retryAfterMs).toBeLessThanOrEqual(10_000);
      expect(await probe(store, account())).toEqual({ started: true }); // other accounts are unaffected
      await store.finish(a, first, true);
      expect(await probe(store, a)).toEqual({ started: true });
    });

    it('of concurrent begin() calls on one account exactly one gets the slot', async () => {
      const store = make(policy);
      const a = account();
      const starts = await Promise.all(Array.from({ length: 20 }, () => store.begin(a, holder(), 10_000)));
      expect(starts.filter((s) => s.started)).toHaveLength(1);
    });

    it('release() frees the slot for its holder only, and records nothing', async () => {
      const store = make(policy);
      const a = account();
      const h = holder();
      await store.begin(a, h, 10_000);
      await store.release(a, holder());
      expect(await probe(store, a)).toMatchObject({ started: false, reason: 'busy' });
      await store.release(a, h);
      for (let i = 0; i < policy.freeFailures; i++) await fail(store, a);
      expect(await probe(store, a)).toEqual({ started: true }); // no failure was counted for the release
    });

    // A throttle asks again to free a slot the store did not free when asked (it was not
    // answering), and frees the slot of a begin() whose answer it never got: such a late release
    // must change nothing for whoever holds the slot now.
    it('a late release() by a holder whose slot freed itself leaves the next holder its slot', async () => {
      const store = make(policy);
      const a = account();
      const late = holder();
      await store.begin(a, late, 100);
      await sleep(200);
      expect(await store.begin(a, holder(), 10_000)).toEqual({ started: true });
      await store.release(a, late);
      expect(await probe(store, a)).toMatchObject({ started: false, reason: 'busy' });
    });

    it('release() on an account no check has begun leaves nothing behind', async () => {
      const store = make(policy);
      const a = account();
      await store.release(a, holder());
      expect(await probe(store, a)).toEqual({ started: true });
    });

    it('a slot never released frees itself after holdMs', async () => {
      const store = make(policy);
      const a = account();
      await store.begin(a, holder(), 150);
      expect(await probe(store, a)).toMatchObject({ started: false, reason: 'busy' });
      await sleep(250);
      expect(await probe(store, a)).toEqual({ started: true });
    });

    it('the free failures leave the account open; each further one blocks it twice as long, up to maxBlockMs', async () => {
      const store = make(policy);
      const a = account();
      for (let i = 0; i < policy.freeFailures; i++) {
        await fail(store, a);
        expect(await probe(store, a)).toEqual({ started: true });
      }
      const blocks: number[] = [];
      for (let i = 0; i < 5; i++) {
        await fail(store, a);
        const start = await probe(store, a);
        expect(start).toMatchObject({ started: false, reason: 'blocked' });
        blocks.push(start.started ? 0 : start.retryAfterMs);
      }
      const expected = [2000, 4000, 8000, 8000, 8000];
      blocks.forEach((ms, i) => {
        expect(ms).toBeGreaterThan(expected[i]! - 500);
        expect(ms).toBeLessThanOrEqual(expected[i]!);
      });
    });

    it('a pass forgets the failures and the block', async () => {
      const store = make(policy);
      const a = account();
      for (let i = 0; i <= policy.freeFailures; i++) await fail(store, a);
      expect(await probe(store, a)).toMatchObject({ started: false, reason: 'blocked' });
      await store.finish(a, holder(), true); // a check that began before the block
      expect(await probe(store, a)).toEqual({ started: true });
      for (let i = 0; i < policy.freeFailures; i++) await fail(store, a);
      expect(await probe(store, a)).toEqual({ started: true });
    });

    it('failures older than windowMs no longer count', async () => {
      const store = make({ ...policy, windowMs: 200 });
      const a = account();
      for (let i = 0; i < policy.freeFailures; i++) await fail(store, a);
      await sleep(300);
      for (let i = 0; i < policy.freeFailures; i++) await fail(store, a);
      expect(await probe(store, a)).toEqual({ started: true });
    });

    it('lockoutFailures consecutive failures refuse the account until lockoutMs after the first, whatever the blocks', async () => {
      const store = make({ ...policy, windowMs: 1, maxBlockMs: 1, lockoutFailures: 5, lockoutMs: 60_000 });
      const a = account();
      for (let i = 0; i < 4; i++) await fail(store, a);
      await sleep(5);
      expect(await probe(store, a)).toEqual({ started: true });
      await fail(store, a);
      await sleep(5);
      const start = await probe(store, a);
      expect(start).toMatchObject({ started: false, reason: 'blocked' });
      expect(start.started === false && start.retryAfterMs).toBeGreaterThan(50_000);
    });

    it('finish() records the outcome even when the slot has passed to another holder, and leaves that holder its slot', async () => {
      const store = make(policy);
      const a = account();
      const slow = holder();
      await store.begin(a, slow, 100);
      await sleep(200);
      const next = holder();
      expect(await store.begin(a, next, 10_000)).toEqual({ started: true });
      for (let i = 0; i <= policy.freeFailures; i++) await store.finish(a, slow, false);
      expect(await store.begin(a, holder(), 10_000)).toMatchObject({ started: false, reason: 'blocked' });
      await store.finish(a, next, true);
      expect(await probe(store, a)).toEqual({ started: true });
    });

    it('clear() forgets the failures, the block and the lockout, as a pass does', async () => {
      const store = make({ ...policy, lockoutFailures: policy.freeFailures + 2 });
      const a = account();
      for (let i = 0; i < policy.freeFailures + 2; i++) await fail(store, a);
      expect(await probe(store, a)).toMatchObject({ started: false, reason: 'blocked' });
      await store.clear(a);
      expect(await probe(store, a)).toEqual({ started: true });
      for (let i = 0; i < policy.freeFailures; i++) await fail(store, a);
      expect(await probe(store, a)).toEqual({ started: true }); // the free failures are free again
      await store.clear(account()); // an account with no record: nothing to forget
    });

    it('clear() leaves the slot to the holder of a check in flight', async () => {
      const store = make(policy);
      const a = account();
      const h = holder();
      for (let i = 0; i <= policy.freeFailures; i++) await fail(store, a);
      await store.clear(a);
      expect(await store.begin(a, h, 10_000)).toEqual({ started: true });
      await store.clear(a);
      expect(await probe(store, a)).toMatchObject({ started: false, reason: 'busy' });
      await store.finish(a, h, true);
      expect(await probe(store, a)).toEqual({ started: true });
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (makeDown, outage) => {
      const store = makeDown(policy);
      const failing = account(); // as many failures as are free: one more would block it
      for (let i = 0; i < policy.freeFailures; i++) await fail(store, failing);
      const held = account();
      const holding = holder();
      await store.begin(held, holding, 10_000);
      const blocked = account();
      for (let i = 0; i <= policy.freeFailures; i++) await fail(store, blocked);
      await expectUnavailableWhileDown(
        outage,
        {
          begin: () => store.begin(failing, holder(), 10_000),
          finish: () => store.finish(failing, holder(), false),
          release: () => store.release(held, holding),
          clear: () => store.clear(blocked),
        },
        () => probe(store, account()),
      );
      expect(await probe(store, failing)).toEqual({ started: true }); // neither blocked nor busy
      expect(await probe(store, held)).toMatchObject({ started: false, reason: 'busy' });
      expect(await probe(store, blocked)).toMatchObject({ started: false, reason: 'blocked' }); // not cleared
    });
  });
}
