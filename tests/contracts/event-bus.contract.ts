import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createEvent,
  MalformedEventError,
  type CloudEvent,
  type EventBus,
  type EventHandler,
  type Subscription,
} from '../../modules/kernel/mod.ts';
import { expectUnavailable, itWhenStoreIsDown, recovered, timed, type StoreDown } from './support.ts';

/**
 * What an adapter's test hands the suite. The bus must allow at least 3 delivery attempts before
 * dead-lettering and should retry quickly. `close()` runs after every case, also after a case that
 * already closed the bus itself.
 */
export interface EventBusFixture {
  bus: EventBus;
  /** Dead-lettered events, where the adapter can show them. */
  deadLetters?: () => readonly { event: CloudEvent; group: string; error: string }[];
  close(): Promise<void>;
}

/** Long enough for a broker round trip or a redelivery by idle-claim; memory passes in milliseconds. */
const DEADLINE_MS = 10_000;

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: DEADLINE_MS, interval: 5 });

/** Only to give a wrong implementation the chance to misbehave before a negative check. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

/** Records what a handler is given; `delayMs` keeps it busy so events queue up behind it. */
function recorder(delayMs = 0) {
  const events: CloudEvent[] = [];
  const handler: EventHandler = async (event) => {
    events.push(event);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  };
  return { events, handler, ids: () => events.map((e) => e.id) };
}

const idsOf = (events: readonly CloudEvent[]) => events.map((e) => e.id);

/** The suite every EventBus adapter must pass, one case per rule documented on the port. */
export function describeEventBusContract(
  name: string,
  makeBus: () => Promise<EventBusFixture>,
  storeDown: StoreDown<() => Promise<EventBusFixture>>,
) {
  describe(`EventBus contract: ${name}`, () => {
    let fixture: EventBusFixture;
    let bus: EventBus;
    // Unique names per case, so a shared broker never mixes cases.
    let typeA: string;
    let typeB: string;
    let group: (label: string) => string;

    const event = (type: string, data: Record<string, unknown> = {}) => createEvent({ source: 'contract', type, subject: 'user-1', data });

    const publishAll = async (events: readonly CloudEvent[]) => {
      for (const e of events) await bus.publish(e);
    };

    beforeEach(async () => {
      fixture = await makeBus();
      bus = fixture.bus;
      const tag = crypto.randomUUID().slice(0, 8);
      typeA = `contract.${tag}.a`;
      typeB = `contract.${tag}.b`;
      group = (label) => `${label}-${tag}`;
    });

    afterEach(async () => {
      await fixture.close();
    });

    it('delivers a published event with the whole CloudEvent intact, unaffected by later mutation', async () => {
      const published: CloudEvent = {
        ...event(typeA, {
          userId: 'user-1',
          count: 42,
          ratio: 0.5,
          active: true,
          missing: null,
          tags: ['a', 'b'],
          nested: { deep: { text: 'héllo ✓ "quoted"\n' } },
        }),
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      };
      const expected = structuredClone(published);
      const mutating = recorder();
      const reading = recorder();
      bus.subscribe({
        group: group('mutating'),
        types: [typeA],
        handler: async (e) => {
          e.data.count = -1;
          await mutating.handler(e);
        },
      });
      bus.subscribe({ group: group('reading'), types: [typeA], handler: reading.handler });

      await bus.publish(published);
      published.data.count = 0;

      await eventually(() => expect(reading.events).toStrictEqual([expected]));
      await eventually(() => expect(mutating.ids()).toEqual([expected.id]));
    });

    it('hands one subscription its events one at a time, in publish order', async () => {
      const events = Array.from({ length: 50 }, (_, n) => event(typeA, { n }));
      const handled: string[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      bus.subscribe({
        group: group('ordered'),
        types: [typeA],
        handler: async (e) => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          handled.push(e.id);
          inFlight--;
        },
      });

      await publishAll(events);

      await eventually(() => expect(handled).toEqual(idsOf(events)));
      expect(maxInFlight).toBe(1);
    });

    it('delivers every event of concurrent publishers exactly once per group, each publisher in order', async () => {
      const publishers = 5;
      const perPublisher = 50;
      const shared: CloudEvent[] = [];
      const single = recorder();
      const sharedHandler: EventHandler = async (e) => {
        shared.push(e);
      };
      bus.subscribe({ group: group('shared'), types: [typeA], handler: sharedHandler });
      bus.subscribe({ group: group('shared'), types: [typeA], handler: sharedHandler });
      bus.subscribe({ group: group('single'), types: [typeA], handler: single.handler });

      const published = await Promise.all(
        Array.from({ length: publishers }, async (_, p) => {
          const events = Array.from({ length: perPublisher }, (_, i) => event(typeA, { p, i }));
          await publishAll(events);
          return events;
        }),
      );
      const all = idsOf(published.flat()).sort();

      await eventually(() => {
        expect(idsOf(shared).sort()).toEqual(all);
        expect(single.ids().sort()).toEqual(all);
      });
      for (let p = 0; p < publishers; p++) {
        const sequence = single.events.filter((e) => e.data.p === p).map((e) => e.data.i);
        expect(sequence).toEqual(Array.from({ length: perPublisher }, (_, i) => i));
      }
    });

    it('delivers every event to each of several groups', async () => {
      const events = Array.from({ length: 10 }, (_, n) => event(typeA, { n }));
      const groups = [recorder(), recorder(), recorder()];
      for (const [i, r] of groups.entries()) bus.subscribe({ group: group(`group-${i}`), types: [typeA], handler: r.handler });

      await publishAll(events);

      await eventually(() => {
        for (const r of groups) expect(r.ids()).toEqual(idsOf(events));
      });
    });

    it('shares the work between subscriptions of one group: each event is handled once, by one of them', async () => {
      const shared = group('workers');
      const handledBy: Record<'x' | 'y', string[]> = { x: [], y: [] };
      const busy = gate();
      const first = event(typeA, { n: 0 });
      const worker =
        (name: 'x' | 'y'): EventHandler =>
        async (e) => {
          handledBy[name].push(e.id);
          if (e.id === first.id) await busy.wait();
        };
      bus.subscribe({ group: shared, types: [typeA], handler: worker('x') });
      bus.subscribe({ group: shared, types: [typeA], handler: worker('y') });

      await bus.publish(first);
      await eventually(() => expect([...handledBy.x, ...handledBy.y]).toEqual([first.id]));
      const busyOne = handledBy.x.includes(first.id) ? 'x' : 'y';
      const idleOne = busyOne === 'x' ? 'y' : 'x';

      // While one subscription is busy, the group's next event can only be handled by the other.
      const second = event(typeA, { n: 1 });
      await bus.publish(second);
      await eventually(() => expect(handledBy[idleOne]).toEqual([second.id]));
      busy.open();

      const rest = Array.from({ length: 40 }, (_, n) => event(typeA, { n: n + 2 }));
      await Promise.all(rest.map((e) => bus.publish(e)));
      const all = idsOf([first, second, ...rest]).sort();
      await eventually(() => expect([...handledBy.x, ...handledBy.y].sort()).toEqual(all));
    });

    it('redelivers an event whose handler threw until it succeeds, and keeps delivering later events', async () => {
      const flaky = event(typeA, { n: 0 });
      const later = event(typeA, { n: 1 });
      const attempts: CloudEvent[] = [];
      const handled: string[] = [];
      bus.subscribe({
        group: group('flaky'),
        types: [typeA],
        handler: async (e) => {
          if (e.id === flaky.id) {
            attempts.push(e);
            if (attempts.length <= 2) throw new Error('transient failure');
          }
          handled.push(e.id);
        },
      });

      await publishAll([flaky, later]);

      await eventually(() => expect([...handled].sort()).toEqual([flaky.id, later.id].sort()));
      expect(attempts).toStrictEqual([flaky, flaky, flaky]);
    });

    it('dead-letters an event whose handler keeps failing after bounded attempts, without blocking later events or other groups', async () => {
      const poison = event(typeA, { n: 0 });
      const later = [1, 2, 3].map((n) => event(typeA, { n }));
      const attempts: CloudEvent[] = [];
      const failingGroupHandled: string[] = [];
      const other = recorder();
      bus.subscribe({
        group: group('failing'),
        types: [typeA],
        handler: async (e) => {
          if (e.id === poison.id) {
            attempts.push(e);
            throw new Error('permanent failure');
          }
          failingGroupHandled.push(e.id);
        },
      });
      bus.subscribe({ group: group('other'), types: [typeA], handler: other.handler });

      await publishAll([poison, ...later]);

      await eventually(() => {
        expect(failingGroupHandled).toEqual(idsOf(later));
        expect(other.ids()).toEqual(idsOf([poison, ...later]));
        expect(attempts.length).toBeGreaterThan(1);
      });
      expect(attempts).toStrictEqual(attempts.map(() => poison));
      if (!fixture.deadLetters) return;

      const deadLetters = fixture.deadLetters;
      await eventually(() => expect(deadLetters()).toContainEqual(expect.objectContaining({ group: group('failing'), event: poison })));
      // Bounded: once dead-lettered, the event is not attempted again (a later event marks "later").
      const attemptsWhenDeadLettered = attempts.length;
      const marker = event(typeA, { n: 4 });
      await bus.publish(marker);
      await eventually(() => expect(failingGroupHandled).toContain(marker.id));
      expect(attempts).toHaveLength(attemptsWhenDeadLettered);
      expect(deadLetters().filter((letter) => letter.event.id === poison.id)).toHaveLength(1);
    });

    it('dead-letters at once, with its reason, an event its handler finds malformed, and goes on with later events', async () => {
      const malformed = event(typeA, { n: 0 });
      const later = event(typeA, { n: 1 });
      let attempts = 0;
      const handled: string[] = [];
      bus.subscribe({
        group: group('strict'),
        types: [typeA],
        handler: async (e) => {
          if (e.id !== malformed.id) return void handled.push(e.id);
          attempts++;
          throw new MalformedEventError(`${typeA}: payload does not match its schema: n: expected string`);
        },
      });
      await publishAll([malformed, later]);
      await eventually(() => expect(handled).toEqual([later.id]));
      expect(attempts).toBe(1);
      if (!fixture.deadLetters) return;
      const deadLetters = fixture.deadLetters;
      await eventually(() =>
        expect(deadLetters()).toContainEqual(
          expect.objectContaining({
            group: group('strict'),
            event: malformed,
            error: expect.stringContaining('does not match its schema'),
          }),
        ),
      );
    });

    it('delivers events published while a group had no subscriber to the next subscription of that group', async () => {
      const shared = group('restarting');
      const before = [0, 1, 2].map((n) => event(typeA, { n }));
      const between = [3, 4, 5].map((n) => event(typeA, { n }));
      const after = [6, 7].map((n) => event(typeA, { n }));
      const first = recorder();
      const subscription = bus.subscribe({ group: shared, types: [typeA], handler: first.handler });
      await publishAll(before);
      await eventually(() => expect(first.ids()).toEqual(idsOf(before)));
      await subscription.close();

      await publishAll(between);
      const second = recorder();
      bus.subscribe({ group: shared, types: [typeA], handler: second.handler });
      await publishAll(after);

      await eventually(() => expect(second.ids()).toEqual(idsOf([...between, ...after])));
      expect(first.ids()).toEqual(idsOf(before));
    });

    it('redelivers an event whose handler failed while its subscription was closing to another subscription of the group', async () => {
      const shared = group('handover');
      const interrupted = event(typeA, { n: 0 });
      const release = gate();
      const firstSeen: string[] = [];
      const closing = bus.subscribe({
        group: shared,
        types: [typeA],
        handler: async (e) => {
          firstSeen.push(e.id);
          await release.wait();
          throw new Error('shutting down');
        },
      });
      await bus.publish(interrupted);
      await eventually(() => expect(firstSeen).toEqual([interrupted.id]));

      const successor = recorder();
      bus.subscribe({ group: shared, types: [typeA], handler: successor.handler });
      const closed = closing.close();
      release.open();
      await closed;

      await eventually(() => expect(successor.events).toStrictEqual([interrupted]));
      expect(firstSeen).toEqual([interrupted.id]);
    });

    it('never hands a subscription an event of a type it did not subscribe to, even when its group subscribes to that type', async () => {
      // Different speeds, so each subscription is idle while the other's events wait in the group.
      const onlyA = recorder(3);
      const onlyB = recorder();
      const otherGroupA = recorder();
      const both = recorder();
      bus.subscribe({ group: group('mixed'), types: [typeA], handler: onlyA.handler });
      bus.subscribe({ group: group('mixed'), types: [typeB], handler: onlyB.handler });
      bus.subscribe({ group: group('a-only'), types: [typeA], handler: otherGroupA.handler });
      bus.subscribe({ group: group('both'), types: [typeA, typeB], handler: both.handler });
      const events = Array.from({ length: 20 }, (_, n) => event(n % 2 === 0 ? typeA : typeB, { n }));
      const ofType = (type: string) => idsOf(events.filter((e) => e.type === type));

      await publishAll(events);

      await eventually(() => {
        expect(onlyA.ids()).toEqual(ofType(typeA));
        expect(onlyB.ids()).toEqual(ofType(typeB));
        expect(otherGroupA.ids()).toEqual(ofType(typeA));
        expect(both.ids().sort()).toEqual(idsOf(events).sort());
      });
    });

    it('close() of a subscription resolves only after its handler in flight has finished, and stops delivery', async () => {
      const log: string[] = [];
      const release = gate();
      const subscription = bus.subscribe({
        group: group('closing'),
        types: [typeA],
        handler: async (e) => {
          log.push(`start ${e.data.n}`);
          await release.wait();
          log.push(`end ${e.data.n}`);
        },
      });
      await bus.publish(event(typeA, { n: 1 }));
      await eventually(() => expect(log).toEqual(['start 1']));

      const closed = subscription.close().then(() => log.push('closed'));
      await pause(50);
      expect(log).toEqual(['start 1']);
      release.open();
      await closed;
      expect(log).toEqual(['start 1', 'end 1', 'closed']);

      // Another group's delivery of a later event shows the bus has moved on without the closed one.
      const witness = recorder();
      bus.subscribe({ group: group('witness'), types: [typeA], handler: witness.handler });
      const later = event(typeA, { n: 2 });
      await bus.publish(later);
      await eventually(() => expect(witness.ids()).toContain(later.id));
      expect(log).toEqual(['start 1', 'end 1', 'closed']);
    });

    it('stats() counts events a group has not handled yet, and nothing once they are handled', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      const subscription = bus.subscribe({
        group: group('stats'),
        types: [typeA],
        handler: async (e) => {
          await gate;
          handled.push(e.id);
        },
      });
      await subscription.ready;
      await publishAll([event(typeA), event(typeA), event(typeA)]);
      const waiting = async () => {
        const row = (await bus.stats()).find((r) => r.group === group('stats') && r.type === typeA);
        return (row?.pending ?? 0) + (row?.lag ?? 0);
      };
      // The event in the handler may count or not; the two behind it must.
      await vi.waitFor(async () => expect(await waiting()).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      release();
      await vi.waitFor(() => expect(handled).toHaveLength(3), { timeout: 10_000 });
      await vi.waitFor(async () => expect(await waiting()).toBe(0), { timeout: 10_000 });
    });

    it('close() of the bus stops every subscription once their handlers in flight have finished', async () => {
      const log: string[] = [];
      const release = gate();
      for (const label of ['one', 'two']) {
        bus.subscribe({
          group: group(label),
          types: [typeA],
          handler: async () => {
            log.push(`start ${label}`);
            await release.wait();
            log.push(`end ${label}`);
          },
        });
      }
      await bus.publish(event(typeA));
      await eventually(() => expect([...log].sort()).toEqual(['start one', 'start two']));

      const closed = bus.close().then(() => log.push('closed'));
      await pause(50);
      expect(log).not.toContain('closed');
      release.open();
      await closed;
      expect(log.at(-1)).toBe('closed');
      expect([...log].sort()).toEqual(['closed', 'end one', 'end two', 'start one', 'start two']);
    });

    itWhenStoreIsDown(
      'publish() and stats() reject with UnavailableError in time, subscribe() and close() still answer, and delivery resumes once the broker is back, without the refused event',
      storeDown,
      async (makeDown, outage) => {
        const down = await makeDown();
        try {
          const steady = recorder();
          await down.bus.subscribe({ group: group('steady'), types: [typeA], handler: steady.handler }).ready;
          const leaving = down.bus.subscribe({ group: group('leaving'), types: [typeA], handler: async () => {} });
          await leaving.ready;
          const before = event(typeA);
          await down.bus.publish(before);
          await eventually(() => expect(steady.ids()).toEqual([before.id]));

          const late = recorder();
          let lateSubscription: Subscription;
          outage.cut();
          try {
            await expectUnavailable(outage.failsWithinMs, { publish: () => down.bus.publish(event(typeA)), stats: () => down.bus.stats() });
            const leave = await timed(() => leaving.close());
            expect(leave.error).toBeNull();
            expect(leave.ms).toBeLessThan(outage.failsWithinMs);
            lateSubscription = down.bus.subscribe({ group: group('late'), types: [typeA], handler: late.handler });
          } finally {
            outage.restore();
          }
          await lateSubscription.ready;
          const after = event(typeA);
          await recovered(() => down.bus.publish(after));
          await eventually(() => expect(steady.ids()).toEqual([before.id, after.id]));
          await eventually(() => expect(late.ids()).toEqual([after.id]));
        } finally {
          await down.close();
        }
      },
    );
  });
}
