import { describe, expect, it } from 'vitest';
import type { TotpReplayGuard } from '../../modules/mfa/mod.ts';
import { expectUnavailableWhileDown, itWhenStoreIsDown, unavailableChangesNothing, type StoreDown } from './support.ts';

/** Makes a guard over the suite's store; accounts are fresh per test, so guards may share it. */
export type MakeTotpReplayGuard = () => TotpReplayGuard;

const step = Math.floor(Date.now() / 30_000);
const keepUntil = new Date((step + 2) * 30_000);

/** The TotpReplayGuard contract (modules/mfa/ports.ts): every adapter passes it. */
export function describeTotpReplayGuardContract(name: string, make: MakeTotpReplayGuard, storeDown: StoreDown<MakeTotpReplayGuard>) {
  describe(`TotpReplayGuard contract: ${name}`, () => {
    const account = () => crypto.randomUUID();

    it('claim() accepts a step once; the same step again, or an earlier one, is refused', async () => {
      const guard = make();
      const a = account();
      expect(await guard.claim(a, step, keepUntil)).toBe(true);
      expect(await guard.claim(a, step, keepUntil)).toBe(false);
      expect(await guard.claim(a, step - 1, keepUntil)).toBe(false);
    });

    it('claim() accepts a later step, after which the earlier ones are refused', async () => {
      const guard = make();
      const a = account();
      expect(await guard.claim(a, step - 1, keepUntil)).toBe(true);
      expect(await guard.claim(a, step + 1, keepUntil)).toBe(true);
      expect(await guard.claim(a, step, keepUntil)).toBe(false);
    });

    it('accounts are independent', async () => {
      const guard = make();
      const [a, b] = [account(), account()];
      expect(await guard.claim(a, step, keepUntil)).toBe(true);
      expect(await guard.claim(b, step, keepUntil)).toBe(true);
    });

    it('of concurrent claims of one step exactly one succeeds, through separate guards as through one', async () => {
      const a = account();
      const guards = [make(), make()];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => guards[i % 2]!.claim(a, step, keepUntil)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    itWhenStoreIsDown(unavailableChangesNothing, storeDown, async (makeDown, outage) => {
      const down = makeDown();
      const a = account();
      await expectUnavailableWhileDown(outage, { claim: () => down.claim(a, step, keepUntil) }, () =>
        down.claim(account(), step, keepUntil),
      );
      expect(await down.claim(a, step, keepUntil)).toBe(true); // the failed claim recorded nothing
    });
  });
}
