import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createRedisStreamsEventBus,
  type RedisDeadLetter,
  type RedisStreamsEventBusOptions,
} from '../../adapters/bus/redis-streams-bus.ts';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createEvent, type CloudEvent, type EventBus } from '../../modules/kernel/mod.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { startOwnRedis } from '../support/redis-server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { describeEventBusContract } from './event-bus.contract.ts';

// One key prefix for the file (files run in parallel on one server), a sub-prefix per bus. The
// store-down cases reach Redis through a TCP proxy they cut.
const filePrefix = `${uniqueName('event-bus')}:`;
let buses = 0;
const nextPrefix = () => `${filePrefix}${++buses}:`;
let redis: Redis;
let proxy: TcpProxy;
let viaProxy: Redis;

beforeAll(async () => {
  redis = createRedisClient({ url: testRedisUrl });
  await callRedis(redis, (r) => r.ping());
  proxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
  viaProxy = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}` });
});
afterAll(async () => {
  await scanKeys(redis, keysStartingWith(filePrefix), async (keys) => void (await redis.del(...keys)));
  redis.disconnect();
  viaProxy?.disconnect();
  await proxy?.close();
});

// Test-time settings: a dead consumer's entries are taken over within a second, retries are quick.
const fast = { claimIdleMs: 1000, blockMs: 200, retryDelayMs: () => 5 } satisfies Partial<RedisStreamsEventBusOptions>;

/** A bus whose connections all go through the proxy (its blocking clients duplicate `viaProxy`). */
const busViaProxy = (options: Partial<RedisStreamsEventBusOptions> = {}): EventBus =>
  createRedisStreamsEventBus({ redis: viaProxy, prefix: nextPrefix(), ...fast, ...options });

describeEventBusContract(
  'redis streams',
  async () => {
    const letters: RedisDeadLetter[] = [];
    const bus = createRedisStreamsEventBus({ redis, prefix: nextPrefix(), ...fast, onDeadLetter: (letter) => letters.push(letter) });
    return {
      bus,
      deadLetters: () => letters.flatMap((l) => (l.event ? [{ group: l.group, event: l.event, error: l.error }] : [])),
      close: () => bus.close(),
    };
  },
  {
    // The command client's timeout (500 ms), the wait for a reconnect as long again, and a margin.
    outage: { cut: () => proxy.pause(), restore: () => proxy.resume(), failsWithinMs: 1500 },
    make: async () => {
      const bus = busViaProxy();
      return { bus, close: () => bus.close() };
    },
  },
);

const event = (type: string, data: Record<string, unknown> = {}) => createEvent({ source: 'redis-test', type, subject: 'user-1', data });
const eventually = (assertion: () => void | Promise<void>, timeout = 10_000) => vi.waitFor(assertion, { timeout, interval: 20 });
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
};
const fieldsOf = (flat: string[]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
const groupNames = async (stream: string) => ((await redis.xinfo('GROUPS', stream)) as string[][]).map((g) => fieldsOf(g).name);

// Every bus a case starts is closed after it, also when the case fails: a loop left running would
// create its group (and stream) again after the file's keys are deleted.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
function busFor(options: RedisStreamsEventBusOptions): EventBus {
  const bus = createRedisStreamsEventBus(options);
  cleanups.push(() => bus.close());
  return bus;
}

/** A bus with its own connections, so a test can cut them as a crash would (no close()). */
function killableBus(options: Partial<RedisStreamsEventBusOptions> & { prefix: string }) {
  const own = createRedisClient({ url: testRedisUrl });
  const blocking: Redis[] = [];
  const bus = createRedisStreamsEventBus({
    redis: own,
    ...options,
    createBlockingClient: () => {
      const client = createRedisClient({ url: testRedisUrl, commandTimeoutMs: 2000, socketTimeoutMs: 4000 });
      blocking.push(client);
      return client;
    },
  });
  cleanups.push(async () => {
    await bus.close();
    own.disconnect();
  });
  return {
    bus,
    kill: () => {
      for (const client of [own, ...blocking]) client.disconnect();
    },
  };
}

describe('Redis Streams EventBus, beyond the contract', () => {
  it('a consumer that dies with an entry pending has it taken over by another consumer of its group (XAUTOCLAIM)', async () => {
    const prefix = nextPrefix();
    const type = 'test.takeover';
    const stuck = gate();
    const dying = killableBus({ prefix, ...fast, claimIdleMs: 300 });
    cleanups.push(async () => stuck.open());
    const seenByDying: string[] = [];
    dying.bus.subscribe({
      group: 'workers',
      types: [type],
      handler: async (e) => {
        seenByDying.push(e.id);
        await stuck.wait();
      },
    });
    const events = Array.from({ length: 5 }, (_, n) => event(type, { n }));
    for (const e of events) await dying.bus.publish(e);
    await eventually(() => expect(seenByDying).toEqual([events[0]!.id]));
    dying.kill();

    const survivor = busFor({ redis, prefix, ...fast, claimIdleMs: 300 });
    const handled: string[] = [];
    survivor.subscribe({ group: 'workers', types: [type], handler: async (e) => void handled.push(e.id) });

    await eventually(() => expect([...handled].sort()).toEqual(events.map((e) => e.id).sort()));
    await eventually(async () => expect((await redis.xpending(`${prefix}events:${type}`, 'workers'))[0]).toBe(0));
  });

  it('close() hands what it leaves pending to the rest of the group at once, and removes its consumer', async () => {
    const prefix = nextPrefix();
    const type = 'test.handover';
    const stream = `${prefix}events:${type}`;
    // Far longer than the test: only the hand-over on close() can move the entry in time.
    const bus = busFor({ redis, prefix, ...fast, claimIdleMs: 60_000 });
    const release = gate();
    const seen: string[] = [];
    const closing = bus.subscribe({
      group: 'handover',
      types: [type],
      handler: async (e) => {
        seen.push(e.id);
        await release.wait();
        throw new Error('shutting down');
      },
    });
    const interrupted = event(type);
    await bus.publish(interrupted);
    await eventually(() => expect(seen).toEqual([interrupted.id]));
    const successor: string[] = [];
    const next = bus.subscribe({ group: 'handover', types: [type], handler: async (e) => void successor.push(e.id) });
    const closed = closing.close();
    release.open();
    await closed;

    await eventually(() => expect(successor).toEqual([interrupted.id]), 3000);
    await next.close();
    await eventually(async () => expect((await redis.xpending(stream, 'handover'))[0]).toBe(0));
    // The successor closed clean and is gone; the first stays (idle, nothing pending) until the
    // idle-consumer sweep, since deleting a consumer with entries pending would drop them.
    const consumers = ((await redis.xinfo('CONSUMERS', stream, 'handover')) as string[][]).map(fieldsOf);
    expect(consumers).toEqual([expect.objectContaining({ pending: 0 })]);
  });

  it('dead-letters an entry after maxDeliveries failed deliveries, with group, type, error, attempts and the event', async () => {
    const prefix = nextPrefix();
    const type = 'test.poison';
    const letters: RedisDeadLetter[] = [];
    const bus = busFor({ redis, prefix, ...fast, maxDeliveries: 3, onDeadLetter: (l) => letters.push(l) });
    const attempts: CloudEvent[] = [];
    bus.subscribe({
      group: 'failing',
      types: [type],
      handler: async (e) => {
        attempts.push(e);
        throw new Error('boom');
      },
    });
    const poison = { ...event(type, { n: 1 }), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    await bus.publish(poison);

    await eventually(async () => expect(await redis.xlen(`${prefix}dead-letter`)).toBe(1));
    const [[, flat]] = (await redis.xrange(`${prefix}dead-letter`, '-', '+')) as [[string, string[]]];
    const letter = fieldsOf(flat);
    expect(letter).toMatchObject({ group: 'failing', type, error: 'boom', attempts: '3' });
    expect(JSON.parse(letter.event!)).toStrictEqual(poison);
    expect(attempts).toStrictEqual([poison, poison, poison]);
    expect(letters).toEqual([expect.objectContaining({ group: 'failing', type, event: poison, attempts: 3 })]);
    expect((await redis.xpending(`${prefix}events:${type}`, 'failing'))[0]).toBe(0);
  });

  it('dead-letters without calling the handler an entry already delivered maxDeliveries times to consumers that died', async () => {
    const prefix = nextPrefix();
    const type = 'test.crasher';
    const stream = `${prefix}events:${type}`;
    const bus = busFor({ redis, prefix, ...fast, maxDeliveries: 3 });
    const crasher = event(type);
    await bus.publish(crasher);
    // Three consumers took it and died: the PEL says so.
    await redis.xgroup('CREATE', stream, 'crashing', '0');
    await redis.xreadgroup('GROUP', 'crashing', 'ghost', 'COUNT', 1, 'STREAMS', stream, '>');
    const [[id]] = (await redis.xrange(stream, '-', '+')) as [[string, string[]]];
    await redis.xclaim(stream, 'crashing', 'ghost', 0, id, 'IDLE', 60_000, 'RETRYCOUNT', 3, 'JUSTID');

    const calls: string[] = [];
    bus.subscribe({ group: 'crashing', types: [type], handler: async (e) => void calls.push(e.id) });

    await eventually(async () => expect(await redis.xlen(`${prefix}dead-letter`)).toBe(1));
    const [[, flat]] = (await redis.xrange(`${prefix}dead-letter`, '-', '+')) as [[string, string[]]];
    expect(fieldsOf(flat)).toMatchObject({ group: 'crashing', attempts: '3', error: 'not acknowledged after 3 deliveries' });
    expect(calls).toEqual([]);
  });

  it('MAXLEN trimming keeps each event stream bounded, newest entries kept', async () => {
    const prefix = nextPrefix();
    const type = 'test.trim';
    const bus = busFor({ redis, prefix, maxLen: 100 });
    const events = Array.from({ length: 1000 }, (_, n) => event(type, { n }));
    for (let i = 0; i < events.length; i += 50) await Promise.all(events.slice(i, i + 50).map((e) => bus.publish(e)));

    const length = await redis.xlen(`${prefix}events:${type}`);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300); // `~` trims whole nodes (100 entries each by default)
    const [[, last]] = (await redis.xrevrange(`${prefix}events:${type}`, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    expect(JSON.parse(fieldsOf(last).event!).id).toBe(events.at(-1)!.id);
  });

  it('destroys a per-instance group on close(), keeps a shared one, and sweeps the group of an instance that died', async () => {
    const prefix = nextPrefix();
    const type = 'session.revoked';
    const stream = `${prefix}events:${type}`;
    const options = { prefix, ...fast, instanceGroup: (g: string) => g.startsWith('gateway.'), instanceGroupIdleMs: 600 };
    const dead = killableBus(options);
    dead.bus.subscribe({ group: 'gateway.dead', types: [type], handler: async () => {} });
    const bus = busFor({ redis, ...options });
    const live = bus.subscribe({ group: 'gateway.live', types: [type], handler: async () => {} });
    const leaving = bus.subscribe({ group: 'gateway.leaving', types: [type], handler: async () => {} });
    const shared = bus.subscribe({ group: 'audit', types: [type], handler: async () => {} });
    await bus.publish(event(type));
    await eventually(async () =>
      expect((await groupNames(stream)).sort()).toEqual(['audit', 'gateway.dead', 'gateway.leaving', 'gateway.live']),
    );
    await eventually(async () => expect(await redis.zcard(`${prefix}instance-groups`)).toBe(3));

    await Promise.all([leaving.close(), shared.close()]);
    expect((await groupNames(stream)).sort()).toEqual(['audit', 'gateway.dead', 'gateway.live']);

    dead.kill();
    await eventually(async () => expect((await groupNames(stream)).sort()).toEqual(['audit', 'gateway.live']));
    expect(await redis.zrange(`${prefix}instance-groups`, '0', '-1')).toEqual([JSON.stringify([stream, 'gateway.live'])]);
    await live.close();
    expect(await groupNames(stream)).toEqual(['audit']);
  });

  it('a new group starts at the end of its stream: it gets what is published after subscribe(), not the history', async () => {
    const prefix = nextPrefix();
    const type = 'test.late';
    const bus = busFor({ redis, prefix, ...fast });
    const history = event(type);
    await bus.publish(history);
    const handled: string[] = [];
    bus.subscribe({ group: 'late', types: [type], handler: async (e) => void handled.push(e.id) });
    const fresh = event(type);
    await bus.publish(fresh);

    await eventually(() => expect(handled).toEqual([fresh.id]));
  });

  it('a group deleted under a running subscription is created again where its consumer left off, not at the end', async () => {
    const prefix = nextPrefix();
    const type = 'test.regroup';
    const bus = busFor({ redis, prefix, ...fast });
    const handled: string[] = [];
    const busy = gate();
    const first = event(type);
    bus.subscribe({
      group: 'regroup',
      types: [type],
      handler: async (e) => {
        if (e.id === first.id) await busy.wait();
        handled.push(e.id);
      },
    });
    await bus.publish(first);
    await vi.waitFor(async () => expect((await redis.xpending(`${prefix}events:${type}`, 'regroup'))[0]).toBe(1));

    // Gone while its consumer is busy; what is published meanwhile must still come.
    await redis.xgroup('DESTROY', `${prefix}events:${type}`, 'regroup');
    const second = event(type);
    await bus.publish(second);
    busy.open();

    await eventually(() => expect(handled).toEqual([first.id, second.id]));
  });

  it('a read loop backs off while Redis is away instead of spinning (the contract checks it delivers again after)', async () => {
    const errors: unknown[] = [];
    const bus = busViaProxy({ onError: (e) => errors.push(e) });
    cleanups.push(() => bus.close());
    await bus.subscribe({ group: 'outage', types: ['test.outage'], handler: async () => {} }).ready;
    proxy.pause();
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      proxy.resume();
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThan(30); // backoff, not a busy loop
  });

  it('a Redis restart loses no acknowledged publish: a group created before the crash receives every event after recovery', async () => {
    const server = await startOwnRedis({ durable: true });
    const client = createRedisClient({ url: server.url });
    const recovered = gate();
    let bus: EventBus | undefined;
    try {
      await eventually(async () => void (await callRedis(client, (r) => r.ping())));
      bus = createRedisStreamsEventBus({ redis: client, prefix: 'restart:', ...fast });
      const handled = new Set<string>();
      // Held until after the restart, so every event is handled after recovery.
      bus.subscribe({
        group: 'durable',
        types: ['test.restart'],
        handler: async (e) => {
          await recovered.wait();
          handled.add(e.id);
        },
      });
      const events = Array.from({ length: 200 }, (_, n) => event('test.restart', { n }));
      for (const e of events) await bus.publish(e);

      await server.crashAndRestart();
      await eventually(async () => void (await callRedis(client, (r) => r.ping())));
      expect(await client.xlen('restart:events:test.restart')).toBe(events.length);
      recovered.open();

      await eventually(() => expect([...handled].sort()).toEqual(events.map((e) => e.id).sort()));
    } finally {
      recovered.open();
      await bus?.close();
      client.disconnect();
      await server.stop();
    }
  });
});
