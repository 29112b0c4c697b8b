import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError, type Outbox, type OutboxEntry } from '../../modules/kernel/mod.ts';
import {
  drainAll,
  eventually,
  expectUnavailable,
  itWhenStoreIsDown,
  recovered,
  testEvent,
  unavailableChangesNothing,
  type ContractAdapter,
  type MakeAdapter,
  type StoreDown,
} from './support.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Outbox contract (modules/kernel/events.ts). `makeAdapter` (and `storeDown.make`) must return
 * an outbox holding no entries, since backlog and prune count every entry; `repo` and `outbox` are
 * the same object.
 */
export function describeOutboxContract(name: string, makeAdapter: MakeAdapter<Outbox>, storeDown: StoreDown<MakeAdapter<Outbox>>) {
  describe(`Outbox contract: ${name}`, () => {
    let adapter: ContractAdapter<Outbox>;
    let outbox: Outbox;
    beforeEach(async () => {
      adapter = await makeAdapter();
      outbox = adapter.repo;
    });
    afterEach(async () => adapter.close?.());

    it('append() stores each event as an entry whose id is the event id, with the event intact', async () => {
      const events = [testEvent('a'), testEvent('b')];
      await outbox.append(events);
      expect(await drainAll(outbox)).toEqual(events.map((event) => ({ id: event.id, event })));
    });

    it('drain() publishes unsent entries oldest first and marks them sent', async () => {
      const [first, second, third] = [testEvent(), testEvent(), testEvent()];
      await outbox.append([first!]);
      await outbox.append([second!, third!]);
      let published: OutboxEntry[] = [];
      const drained = await outbox.drain(10, async (entries) => {
        published = entries;
      });
      expect(drained).toBe(3);
      expect(published.map((e) => e.id)).toEqual([first!.id, second!.id, third!.id]);
      expect(await outbox.backlog()).toBe(0);
      expect(await drainAll(outbox)).toEqual([]);
    });

    it('drain() publishes at most `limit` entries and leaves the rest for the next call', async () => {
      const events = Array.from({ length: 5 }, () => testEvent());
      await outbox.append(events);
      let published: OutboxEntry[] = [];
      const drained = await outbox.drain(2, async (entries) => {
        published = entries;
      });
      expect(drained).toBe(2);
      expect(published.map((e) => e.id)).toEqual(events.slice(0, 2).map((e) => e.id));
      expect((await drainAll(outbox)).map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
    });

    it('drain() returns 0 without calling publish when no entry is unsent', async () => {
      let calls = 0;
      expect(await outbox.drain(10, async () => void calls++)).toBe(0);
      expect(calls).toBe(0);
    });

    it('drain() leaves the entries unsent when publish throws', async () => {
      const events = [testEvent(), testEvent()];
      await outbox.append(events);
      await expect(outbox.drain(10, async () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
      expect(await outbox.backlog()).toBe(2);
      expect((await drainAll(outbox)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    it('drain() run by concurrent relays never publishes one entry twice', async () => {
      const events = Array.from({ length: 10 }, () => testEvent());
      await outbox.append(events);
      const published: string[] = [];
      const relay = () =>
        outbox.drain(4, async (entries) => {
          await sleep(10);
          published.push(...entries.map((e) => e.id));
        });
      const counts = await Promise.all([relay(), relay(), relay(), relay()]);
      published.push(...(await drainAll(outbox)).map((e) => e.id));
      expect(new Set(published).size).toBe(published.length);
      expect(published.sort()).toEqual(events.map((e) => e.id).sort());
      expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
    });

    it('backlog() counts the unsent entries', async () => {
      expect(await outbox.backlog()).toBe(0);
      await outbox.append([testEvent(), testEvent(), testEvent()]);
      expect(await outbox.backlog()).toBe(3);
      await outbox.drain(1, async () => {});
      expect(await outbox.backlog()).toBe(2);
    });

    it('prune() deletes only entries sent before `olderThan` and returns how many', async () => {
      const beforeSend = new Date(Date.now() - 1);
      await outbox.append([testEvent(), testEvent()]);
      await drainAll(outbox);
      const unsent = testEvent();
      await outbox.append([unsent]);
      expect(await outbox.prune(beforeSend)).toBe(0);
      expect(await outbox.prune(new Date(Date.now() + 60_000))).toBe(2);
      expect(await outbox.prune(new Date(Date.now() + 60_000))).toBe(0);
      expect(await outbox.backlog()).toBe(1);
      expect((await drainAll(outbox)).map((e) => e.id)).toEqual([unsent.id]);
    });

    it('onAppend() calls the listener after each append that added entries, until unsubscribed', async () => {
      let calls = 0;
      const stop = outbox.onAppend(() => calls++);
      await outbox.append([testEvent()]);
      await eventually(() => calls === 1);
      await outbox.append([]);
      stop();
      await outbox.append([testEvent()]);
      await sleep(20);
      expect(calls).toBe(1);
    });

    itWhenStoreIsDown(`${unavailableChangesNothing} (onAppend() never fails)`, storeDown, async (make, outage) => {
      const { repo: down, close } = await make();
      try {
        const events = [testEvent(), testEvent()];
        await down.append(events);
        const published: OutboxEntry[] = [];
        outage.cut();
        try {
          expect(() => down.onAppend(() => {})()).not.toThrow();
          await expectUnavailable(outage.failsWithinMs, {
            append: () => down.append([testEvent()]),
            drain: () => down.drain(10, async (entries) => void published.push(...entries)),
            backlog: () => down.backlog(),
            prune: () => down.prune(new Date(Date.now() + 60_000)),
          });
        } finally {
          outage.restore();
        }
        await recovered(() => down.backlog());
        expect(published).toEqual([]);
        expect(await down.backlog()).toBe(2);
        expect((await drainAll(down)).map((e) => e.id)).toEqual(events.map((e) => e.id));
      } finally {
        await close?.();
      }
    });

    itWhenStoreIsDown(
      'drain() rejects when the store goes away during publish, and the entries stay unsent for the next drain',
      storeDown,
      async (make, outage) => {
        const { repo: down, close } = await make();
        try {
          const events = [testEvent(), testEvent()];
          await down.append(events);
          const failure = await down
            .drain(10, async () => {
              outage.cut(); // published, but the store is gone before they are marked sent
            })
            .then(
              () => null,
              (error: unknown) => error,
            );
          outage.restore();
          expect(failure).toBeInstanceOf(UnavailableError);
          await recovered(() => down.backlog());
          expect((await drainAll(down)).map((e) => e.id)).toEqual(events.map((e) => e.id));
        } finally {
          await close?.();
        }
      },
    );
  });
}
