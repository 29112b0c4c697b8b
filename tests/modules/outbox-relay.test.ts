import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryEventBus } from '../../adapters/bus/memory-bus.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../../adapters/bus/outbox-relay.ts';
import { remainingMs, withBudget } from '../../adapters/http/deadline.ts';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createEvent, type CloudEvent, type EventBus, type Outbox } from '../../modules/kernel/mod.ts';

const TYPE = 'user.registered';

const eventually = (assertion: () => void | Promise<void>, timeout = 2_000) => vi.waitFor(assertion, { timeout, interval: 5 });

/** Only to give a wrong implementation the chance to misbehave before a negative check. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const events = (count: number) =>
  Array.from({ length: count }, (_, n) => createEvent({ source: 'user', type: TYPE, subject: `user-${n}`, data: { n } }));

const idsOf = (list: readonly CloudEvent[]) => list.map((e) => e.id);

/** A memory outbox and bus with one subscriber recording what reaches it. */
function setup() {
  const outbox = createMemoryOutbox();
  const bus = createMemoryEventBus({ maxAttempts: 1 });
  const received: CloudEvent[] = [];
  bus.subscribe({ group: 'test', types: [TYPE], handler: async (event) => void received.push(event) });
  return { outbox, bus, received };
}

/** The outbox with every drain's count of published rows recorded, in order. */
function countingDrains(outbox: Outbox) {
  const drained: number[] = [];
  const counted: Outbox = {
    ...outbox,
    drain: async (limit, publish) => {
      const count = await outbox.drain(limit, publish);
      drained.push(count);
      return count;
    },
  };
  return { counted, drained };
}

describe('outbox relay', () => {
  const relays: OutboxRelay[] = [];
  const buses: EventBus[] = [];

  function relay(options: OutboxRelayOptions): OutboxRelay {
    const created = createOutboxRelay(options);
    relays.push(created);
    buses.push(options.bus);
    return created;
  }

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  it('publishes appended events promptly after onAppend, without waiting for the poll', async () => {
    const { outbox, bus, received } = setup();
    const relayed = relay({ outbox, bus, pollIntervalMs: 60_000 });
    const [first, second, third] = [events(1), events(1), events(2)];

    relayed.start();
    await outbox.append(first);
    await eventually(() => expect(received).toEqual(first), 1_000);
    await outbox.append(second);
    await eventually(() => expect(received).toEqual([...first, ...second]), 1_000);
    outbox.write(third);
    await eventually(() => expect(received).toEqual([...first, ...second, ...third]), 1_000);
    expect(await outbox.backlog()).toBe(0);
  });

  it('publishes the appends of one coalesceMs in one drain', async () => {
    const { outbox, bus, received } = setup();
    const { counted, drained } = countingDrains(outbox);
    const relayed = relay({ outbox: counted, bus, pollIntervalMs: 60_000, coalesceMs: 200 });
    relayed.start();
    await relayed.flush();
    const appended = events(5);
    for (const event of appended) await outbox.append([event]);
    await eventually(() => expect(received).toEqual(appended), 1_000);
    expect(drained.filter((count) => count > 0)).toEqual([5]);
  });

  it('ends a wake with a batch short of full, without a claim that would find nothing', async () => {
    const { outbox, bus, received } = setup();
    const { counted, drained } = countingDrains(outbox);
    const relayed = relay({ outbox: counted, bus, batchSize: 2, pollIntervalMs: 60_000 });
    relayed.start();
    await relayed.flush();
    drained.length = 0;
    const appended = events(3);
    await outbox.append(appended);
    await eventually(() => expect(received).toEqual(appended), 1_000);
    await relayed.flush();
    // A full batch asks again; the short one after it took the rest. The flush's own wake claims once more.
    expect(drained).toEqual([2, 1, 0]);
  });

  it('publishes what a call woke it for under no deadline of that call (which may run out first)', async () => {
    const { outbox, bus, received } = setup();
    const budgets: number[] = [];
    const watched: Outbox = {
      ...outbox,
      drain: (limit, publish) => {
        budgets.push(remainingMs());
        return outbox.drain(limit, publish);
      },
    };
    const relayed = relay({ outbox: watched, bus, pollIntervalMs: 60_000 });
    relayed.start();
    await relayed.flush(); // the drains at start are over: the append below wakes a new one
    const appended = events(1);
    await withBudget(10, () => outbox.append(appended));
    await eventually(() => expect(received).toEqual(appended), 1_000);
    expect(budgets.every((ms) => ms === Infinity)).toBe(true);
  });

  it('publishes rows on the poll when no append wakes it', async () => {
    const { outbox, bus, received } = setup();
    // Rows written by another process: this relay is never told about them.
    const unannounced: Outbox = { ...outbox, onAppend: () => () => {} };
    relay({ outbox: unannounced, bus, pollIntervalMs: 20 }).start();
    const written = events(3);

    await outbox.append(written);

    await eventually(() => expect(received).toEqual(written));
    expect(await outbox.backlog()).toBe(0);
  });

  it('leaves rows unsent while the bus fails to publish, and publishes them once it recovers', async () => {
    const { outbox, bus, received } = setup();
    let down = true;
    const flaky: EventBus = {
      ...bus,
      async publish(event) {
        if (down) throw new Error('bus unavailable');
        await bus.publish(event);
      },
    };
    const errors: unknown[] = [];
    relay({ outbox, bus: flaky, pollIntervalMs: 20, onError: (error) => errors.push(error) }).start();
    const written = events(3);

    await outbox.append(written);
    await eventually(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    expect(await outbox.backlog()).toBe(3);
    expect(received).toEqual([]);

    down = false;
    await eventually(async () => {
      expect(received).toEqual(written);
      expect(await outbox.backlog()).toBe(0);
    });
  });

  it('flush() resolves only once the backlog is 0, including rows appended while it runs', async () => {
    const { outbox, bus } = setup();
    const published: CloudEvent[] = [];
    const late = events(40);
    const slow: EventBus = {
      ...bus,
      async publish(event) {
        await new Promise((resolve) => setImmediate(resolve));
        published.push(event);
        if (published.length === 10) outbox.write(late);
        await bus.publish(event);
      },
    };
    const relayed = relay({ outbox, bus: slow, batchSize: 25, pollIntervalMs: 60_000 });
    const early = events(110);

    relayed.start();
    await outbox.append(early);
    await relayed.flush();

    expect(await outbox.backlog()).toBe(0);
    expect(idsOf(published).sort()).toEqual(idsOf([...early, ...late]).sort());
  });

  it('flush() publishes the backlog of a relay that was never started', async () => {
    const { outbox, bus, received } = setup();
    const written = events(5);
    await outbox.append(written);

    await relay({ outbox, bus }).flush();

    expect(await outbox.backlog()).toBe(0);
    expect(received).toEqual(written);
  });

  it('stop() waits for the publish in flight and nothing is published after it resolves', async () => {
    const { outbox, bus, received } = setup();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gated: EventBus = {
      ...bus,
      async publish(event) {
        await released;
        await bus.publish(event);
      },
    };
    const relayed = relay({ outbox, bus: gated, pollIntervalMs: 10 });
    const before = events(2);

    relayed.start();
    await outbox.append(before.slice(0, 1));
    await outbox.append(before.slice(1));
    const stopped = relayed.stop();
    release();
    await stopped;
    const publishedAtStop = received.length;
    await outbox.append(events(2));
    await pause(100);

    expect(received).toHaveLength(publishedAtStop);
    expect(await outbox.backlog()).toBe(2 + before.length - publishedAtStop);
  });

  it('prunes sent rows once they are older than retainSentMs', async () => {
    const { outbox, bus } = setup();
    const retainSentMs = 100;
    let pruned = 0;
    let prunedAt = 0;
    const counting: Outbox = {
      ...outbox,
      async prune(olderThan) {
        const count = await outbox.prune(olderThan);
        if (count > 0) [pruned, prunedAt] = [pruned + count, Date.now()];
        return count;
      },
    };
    const relayed = relay({ outbox: counting, bus, pollIntervalMs: 10, retainSentMs });
    const startedAt = Date.now();

    relayed.start();
    await outbox.append(events(5));
    await relayed.flush();
    expect(pruned).toBe(0);

    await eventually(() => expect(pruned).toBe(5));
    expect(prunedAt - startedAt).toBeGreaterThanOrEqual(retainSentMs);
    expect(await outbox.prune(new Date(Date.now() + 60_000))).toBe(0);
  });
});
