import type { Redis } from 'ioredis';
import type { EventBus, Subscription } from '../../modules/kernel/mod.ts';
import { callRedis, fieldsOf } from '../redis/client.ts';
import { startStreamConsumer, type RedisDeadLetter, type StreamConsumer } from './redis-streams-consumer.ts';
import { eventField, streamKeys } from './redis-streams-scripts.ts';

export type { RedisDeadLetter } from './redis-streams-consumer.ts';

/*
 * The EventBus on Redis Streams.
 *
 * - One stream per event type, `${prefix}events:${type}`: a subscription reads only the types it
 *   asked for (no filtering of foreign types, no entry it must ack unread), a hot type's trimming
 *   never evicts a quiet one's backlog, and one XREADGROUP reads several streams at once.
 * - publish = XADD … MAXLEN ~ maxLen * event <CloudEvent JSON>. It resolves when Redis has
 *   acknowledged the XADD: the event is then in the server's memory (and in its AOF as far as the
 *   server's fsync policy goes); that is what "durably accepted" means for this bus.
 * - A group per (group, stream), created by the first subscription at `$` with MKSTREAM. On a
 *   missing stream MKSTREAM makes an empty one whose last id is 0-0, so a group created before the
 *   first publish misses nothing; on an existing stream `$` skips history, so a new group (a new
 *   gateway instance) gets only what is published after it. publish() on this bus waits for group
 *   creations in flight, so an event published after subscribe() returned is never skipped.
 *   A group that vanishes (deleted, swept, lost in a restart without persistence) is created
 *   again at the last id its consumer finished, not at `$`.
 * - At-least-once: XACK after the handler succeeds. A failing handler is retried in-process with
 *   backoff; each retry re-claims the entry (XCLAIM), so the PEL's delivery count counts attempts
 *   across consumers and crashes. At maxDeliveries the entry is copied to `${prefix}dead-letter`
 *   (group, type, error, attempts, event) and acknowledged, in one script. An entry whose
 *   consumer died is taken over with XAUTOCLAIM after claimIdleMs, and dead-lettered without a
 *   handler call if it was already delivered maxDeliveries times (a poison event crashing its
 *   consumers). claimIdleMs must exceed the longest handler run, or a slow handler's event is
 *   handled twice.
 * - Trimming is by length only (Redis 7 cannot keep unacknowledged entries): a group that falls
 *   more than maxLen events behind loses the oldest. Size maxLen for the longest consumer outage.
 *   A type nobody subscribes to still keeps its last maxLen events (bounded, never read).
 * - Acks of one batch go out together (within 20 ms); a crash before they land means those
 *   entries come again, which at-least-once allows.
 * - Per-instance groups (`instanceGroup`, e.g. `gateway.<id>`) are destroyed on close() and
 *   heartbeat into `${prefix}instance-groups`; any subscription destroys those silent for
 *   instanceGroupIdleMs (their instance died without close()).
 */

export interface RedisStreamsEventBusOptions {
  /** The fail-fast command client (createRedisClient): publish, acks, claims. Not closed by the bus. */
  redis: Redis;
  /** Key prefix with its separator, e.g. `auth:` (see redisKeys). */
  prefix: string;
  /**
   * A new connection per subscription for XREADGROUP BLOCK, which must not hold up the command
   * client; closed by the bus. Default: `redis.duplicate()` with timeouts sized for blockMs.
   */
  createBlockingClient?: () => Redis;
  /** Deliveries of one entry to one group (PEL count) before it is dead-lettered. Default 5. */
  maxDeliveries?: number;
  /** An entry pending this long with a consumer is taken over by another. Default 30 s. */
  claimIdleMs?: number;
  /** Longest wait of one XREADGROUP; an idle consumer also looks for entries to take over this often. Default 5 s. */
  blockMs?: number;
  /** Entries read at once by a subscription (they wait in its queue; work sharing is per batch). Default 32. */
  readCount?: number;
  /** Approximate length cap of each event stream and of the dead-letter stream. Default 100 000. */
  maxLen?: number;
  /** Delay before delivery number `delivery + 1` of a failed event. Default 250 ms × 4^(n-1), at most claimIdleMs / 3. */
  retryDelayMs?: (delivery: number) => number;
  /** Prefix of consumer names (shown by XINFO); each subscription adds a random suffix. */
  consumerName?: string;
  /** Groups that belong to one process (fan-out), destroyed when it leaves. Default: none. */
  instanceGroup?: (group: string) => boolean;
  /** A per-instance group without heartbeat this long is destroyed. Default 10 min. */
  instanceGroupIdleMs?: number;
  onDeadLetter?: (letter: RedisDeadLetter) => void;
  /** Failures inside read loops (Redis down, a lost XACK), for logs; loops back off and go on. */
  onError?: (error: unknown) => void;
}

/**
 * Creates the Redis Streams EventBus (see the file comment for the design). Delivery order is
 * publish order per event type; across types, the order of the server's stream ids.
 */
export function createRedisStreamsEventBus({
  redis,
  prefix,
  createBlockingClient,
  maxDeliveries = 5,
  claimIdleMs = 30_000,
  blockMs = 5_000,
  readCount = 32,
  maxLen = 100_000,
  // ~15 s of retries before the fifth delivery fails: long enough to ride out a database blip.
  retryDelayMs = (delivery) => Math.min(claimIdleMs / 3, 250 * 4 ** (delivery - 1)),
  consumerName = `bus-${crypto.randomUUID().slice(0, 8)}`,
  instanceGroup = () => false,
  instanceGroupIdleMs = 10 * 60 * 1000,
  onDeadLetter = () => {},
  onError = () => {},
}: RedisStreamsEventBusOptions): EventBus {
  const keys = streamKeys(prefix);
  type OpenSubscription = { group: string; consumer: StreamConsumer; streams: Array<{ type: string; key: string }> };
  const open = new Set<OpenSubscription>();
  const groupCreations = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;

  const blockingClient =
    createBlockingClient ??
    (() => {
      const margin = redis.options.commandTimeout ?? 1000;
      const client = redis.duplicate({
        commandTimeout: blockMs + margin,
        // Still drops a half-open socket, but never a healthy one waiting out its BLOCK.
        socketTimeout: blockMs + 2 * margin,
        connectionName: `${consumerName}-blocking`,
      });
      client.on('error', () => {}); // failures surface in the read loop (onError)
      return client;
    });

  async function closeOne(subscription: OpenSubscription) {
    if (!open.delete(subscription)) return subscription.consumer.close(false);
    const destroy = instanceGroup(subscription.group) && ![...open].some((other) => other.group === subscription.group);
    await subscription.consumer.close(destroy);
  }

  return {
    async publish(event) {
      if (groupCreations.size > 0) await Promise.all(groupCreations);
      await callRedis(redis, (r) => r.xadd(keys.events(event.type), 'MAXLEN', '~', maxLen, '*', eventField, JSON.stringify(event)));
    },

    subscribe({ group, types, handler }): Subscription {
      if (closing !== undefined) throw new Error('The event bus is closed.');
      const streams = [...new Set(types)].map((type) => ({ type, key: keys.events(type) }));
      if (streams.length === 0) return { ready: Promise.resolve(), close: async () => {} };
      const consumer = startStreamConsumer({
        redis,
        blocking: blockingClient(),
        keys,
        group,
        consumer: `${consumerName}-${crypto.randomUUID().slice(0, 8)}`,
        streams,
        handler,
        maxDeliveries,
        claimIdleMs,
        blockMs,
        readCount,
        maxLen,
        retryDelayMs,
        instanceGroup: instanceGroup(group),
        instanceGroupIdleMs,
        onDeadLetter,
        onError,
      });
      groupCreations.add(consumer.ready);
      void consumer.ready.then(() => groupCreations.delete(consumer.ready));
      const subscription = { group, consumer, streams };
      open.add(subscription);
      return { ready: consumer.subscribed, close: () => closeOne(subscription) };
    },

    async stats() {
      const seen = new Map<string, { group: string; type: string; key: string }>();
      for (const { group, streams } of open) for (const { type, key } of streams) seen.set(`${group}\n${key}`, { group, type, key });
      const rows = await Promise.all(
        [...seen.values()].map(async ({ group, type, key }) => {
          const groups = (await callRedis(redis, (r) => r.xinfo('GROUPS', key))) as unknown[][];
          const info = groups.map(fieldsOf);
          const mine = info.find((g) => g.name === group);
          return { group, type, pending: Number(mine?.pending ?? 0), lag: Number(mine?.lag ?? 0) };
        }),
      );
      return rows;
    },

    close() {
      closing ??= Promise.all([...open].map(closeOne)).then(() => {});
      return closing;
    },
  };
}
