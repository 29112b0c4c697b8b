// `node_modules/.bin/tsx bench/event-bus.ts [events]`: publish→handle rate and latency of the
// EventBus adapters on this machine (Redis at TEST_REDIS_URL, default redis://127.0.0.1:6379).
import { pathToFileURL } from 'node:url';
import { createMemoryEventBus } from '../adapters/bus/memory-bus.ts';
import { createRedisStreamsEventBus } from '../adapters/bus/redis-streams-bus.ts';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../adapters/redis/client.ts';
import { createEvent, type EventBus } from '../modules/kernel/mod.ts';

const publishers = 64; // publishes in flight at once in the throughput run
const probes = 1000; // one at a time, each awaited until handled, in the latency run
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BusRow {
  bus: string;
  run: string;
  events: number;
  'publish/s': number;
  'handled/s': number;
  'p50 ms': number;
  'p99 ms': number;
}

const quantile = (sorted: Float64Array, q: number) =>
  Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(3));

/** One group, one subscription; latency is publish() call → handler entry, in this process. */
async function measure(name: string, bus: EventBus, run: 'throughput' | 'latency', n: number): Promise<BusRow> {
  const type = `bench.${run}`;
  const latencies = new Float64Array(n);
  let handled = 0;
  let onHandled = () => {};
  const subscription = bus.subscribe({
    group: `bench-${run}`,
    types: [type],
    handler: async (event) => {
      latencies[handled++] = performance.now() - (event.data.sentAt as number);
      onHandled();
    },
  });
  const handledAll = (count: number) =>
    new Promise<void>((resolve) => {
      onHandled = () => void (handled >= count && resolve());
      onHandled();
    });
  const publish = () => bus.publish(createEvent({ source: 'bench', type, data: { sentAt: performance.now(), pad: 'x'.repeat(200) } }));

  const started = performance.now();
  let published = 0;
  if (run === 'throughput') {
    await Promise.all(
      Array.from({ length: publishers }, async () => {
        while (published < n) {
          published++;
          await publish();
        }
      }),
    );
  } else {
    for (; published < n; published++) {
      await publish();
      await handledAll(published + 1);
    }
  }
  const publishedAt = performance.now();
  await handledAll(n);
  const finished = performance.now();
  await subscription.close();
  latencies.sort();
  return {
    bus: name,
    run: run === 'throughput' ? `${publishers} publishers` : 'one at a time',
    events: n,
    'publish/s': Math.round((n / (publishedAt - started)) * 1000),
    'handled/s': Math.round((n / (finished - started)) * 1000),
    'p50 ms': quantile(latencies, 0.5),
    'p99 ms': quantile(latencies, 0.99),
  };
}

async function benchBus(name: string, make: () => EventBus, events: number): Promise<BusRow[]> {
  const warmup = make();
  await measure(name, warmup, 'throughput', 2000);
  await warmup.close();
  const rows: BusRow[] = [];
  for (const run of ['throughput', 'latency'] as const) {
    const bus = make();
    rows.push(await measure(name, bus, run, run === 'throughput' ? events : probes));
    await bus.close();
  }
  return rows;
}

/** Both adapters, memory then Redis Streams (under a fresh key prefix, deleted after). */
export async function benchEventBuses(events: number): Promise<BusRow[]> {
  const redis = createRedisClient({ url: redisUrl, commandTimeoutMs: 2000 });
  const prefix = `bench-event-bus-${Date.now().toString(36)}:`;
  let buses = 0;
  try {
    await callRedis(redis, (r) => r.ping());
    return [
      ...(await benchBus('memory', () => createMemoryEventBus(), events)),
      ...(await benchBus('redis streams', () => createRedisStreamsEventBus({ redis, prefix: `${prefix}${++buses}:` }), events)),
    ];
  } finally {
    await scanKeys(redis, keysStartingWith(prefix), async (keys) => void (await redis.del(...keys)));
    redis.disconnect();
  }
}

/** Run as a script (not imported by bench/run.ts). */
if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const events = Number(process.argv[2] ?? 20_000);
  const rows = await benchEventBuses(events);
  console.log(`EventBus, one group, ${events} events (throughput) / ${probes} events (latency), Node ${process.version}`);
  console.table(rows);
}
