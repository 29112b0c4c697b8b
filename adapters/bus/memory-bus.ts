import mitt from 'mitt';
import {
  detached,
  MalformedEventError,
  messageOf,
  type CloudEvent,
  type EventBus,
  type EventHandler,
  type Subscription,
} from '../../modules/kernel/mod.ts';

export interface DeadLetter {
  group: string;
  event: CloudEvent;
  error: string;
  attempts: number;
}

export interface MemoryEventBusOptions {
  /** Deliveries of one event to one group before it is dead-lettered. */
  maxAttempts?: number;
  /** Delay before redelivery number `attempt` (1-based). */
  retryDelayMs?: (attempt: number) => number;
  /** Dead letters kept for inspection; the oldest are dropped past this. */
  deadLetterLimit?: number;
  onDeadLetter?: (letter: DeadLetter) => void;
}

export interface MemoryEventBus extends EventBus {
  deadLetters(): readonly DeadLetter[];
}

interface Consumer {
  group: Group;
  types: ReadonlySet<string>;
  handler: EventHandler;
  closed: boolean;
  /** True while its delivery loop runs; `idle` settles when the loop ends. */
  running: boolean;
  idle: Promise<void>;
}

interface Group {
  name: string;
  types: Set<string>;
  queue: CloudEvent[];
  consumers: Consumer[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * In-process EventBus on mitt. mitt's emit is synchronous and drops rejected promises, so mitt
 * only routes an event to each subscribed group's queue; every consumer pulls from its group's
 * queue on its own async loop, retries a failing handler with backoff and then dead-letters the
 * event. A group's queue outlives its consumers, so a consumer that starts after another closed
 * picks up what arrived in between.
 */
export function createMemoryEventBus({
  // ~25 s of retries in all: long enough to ride out a database blip before an event is given up.
  maxAttempts = 10,
  retryDelayMs = (attempt) => Math.min(5000, 25 * 2 ** attempt),
  deadLetterLimit = 1000,
  onDeadLetter,
}: MemoryEventBusOptions = {}): MemoryEventBus {
  const emitter = mitt<Record<string, CloudEvent>>();
  const groups = new Map<string, Group>();
  const deadLetters: DeadLetter[] = [];

  function groupFor(name: string): Group {
    let group = groups.get(name);
    if (!group) {
      group = { name, types: new Set(), queue: [], consumers: [] };
      groups.set(name, group);
    }
    return group;
  }

  function route(group: Group, type: string) {
    if (group.types.has(type)) return;
    group.types.add(type);
    emitter.on(type, (event) => {
      group.queue.push(event);
      group.consumers.forEach(pump);
    });
  }

  function deadLetter(letter: DeadLetter) {
    deadLetters.push(letter);
    if (deadLetters.length > deadLetterLimit) deadLetters.shift();
    try {
      onDeadLetter?.(letter);
    } catch {
      // A failing observer must not stop the subscription's delivery loop.
    }
  }

  async function deliver(consumer: Consumer, event: CloudEvent): Promise<void> {
    const { group } = consumer;
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.handler(structuredClone(event));
        return;
      } catch (error) {
        if (consumer.closed) {
          // Hand it to whoever consumes the group next: a peer may be idle already, so wake it.
          group.queue.unshift(event);
          group.consumers.forEach(pump);
          return;
        }
        // A malformed event fails the same way every time: no retry.
        if (attempt >= maxAttempts || error instanceof MalformedEventError) {
          deadLetter({ group: group.name, event, error: messageOf(error), attempts: attempt });
          return;
        }
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  /** A group's queue also holds the types of its other subscriptions: take only our own. */
  function take(consumer: Consumer): CloudEvent | undefined {
    const { queue } = consumer.group;
    const index = queue.findIndex((event) => consumer.types.has(event.type));
    return index < 0 ? undefined : queue.splice(index, 1)[0];
  }

  function pump(consumer: Consumer) {
    if (consumer.running || consumer.closed) return;
    consumer.running = true;
    // Woken by whichever publish came first; the loop then serves every later event, too.
    consumer.idle = detached(async () => {
      while (!consumer.closed) {
        const event = take(consumer);
        if (!event) break;
        await deliver(consumer, event);
      }
      consumer.running = false;
    });
  }

  async function stop(consumer: Consumer) {
    consumer.closed = true;
    consumer.group.consumers = consumer.group.consumers.filter((c) => c !== consumer);
    await consumer.idle;
  }

  const bus: MemoryEventBus = {
    async publish(event) {
      // A copy, so the publisher's object is not shared; a type no group takes (session.refreshed
      // in a monolith) needs none, and a structured clone is the dearest step of a publish.
      if (emitter.all.has(event.type)) emitter.emit(event.type, structuredClone(event));
    },

    subscribe({ group: name, types, handler }): Subscription {
      const group = groupFor(name);
      for (const type of types) route(group, type);
      const consumer: Consumer = { group, types: new Set(types), handler, closed: false, running: false, idle: Promise.resolve() };
      group.consumers.push(consumer);
      pump(consumer);
      return { ready: Promise.resolve(), close: () => stop(consumer) };
    },

    async close() {
      await Promise.all([...groups.values()].flatMap((group) => group.consumers.map(stop)));
      emitter.all.clear();
      groups.clear();
    },

    async stats() {
      // In memory an event waits in its group's queue until handed to a consumer: that is its lag.
      return [...groups.values()].flatMap((group) =>
        [...group.types].map((type) => ({ group: group.name, type, pending: 0, lag: group.queue.filter((e) => e.type === type).length })),
      );
    },

    deadLetters: () => deadLetters,
  };
  return bus;
}
