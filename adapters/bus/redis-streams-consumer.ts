import type { Redis } from 'ioredis';
import { MalformedEventError, messageOf, type CloudEvent, type EventHandler } from '../../modules/kernel/mod.ts';
import { callRedis } from '../redis/client.ts';
import { compareIds, forgetIdleConsumers } from '../redis/stream-groups.ts';
import {
  claimIdle,
  destroyInstanceGroup,
  ensureGroup,
  eventField,
  isGroupGone,
  moveToDeadLetter,
  parseEvent,
  reclaimOwn,
  releaseConsumer,
  sweepInstanceGroups,
  type ReadReply,
  type StreamKeys,
} from './redis-streams-scripts.ts';

/** An event given up after maxDeliveries (or unreadable), as copied to the dead-letter stream. */
export interface RedisDeadLetter {
  group: string;
  type: string;
  /** Id of the entry in its event stream. */
  entryId: string;
  /** Null when the entry could not be read as a CloudEvent. */
  event: CloudEvent | null;
  error: string;
  attempts: number;
}

export interface StreamConsumerDeps {
  /** Fail-fast command client: acks, claims, scripts. */
  redis: Redis;
  /** This consumer's own connection, for XREADGROUP BLOCK only. */
  blocking: Redis;
  keys: StreamKeys;
  group: string;
  consumer: string;
  streams: ReadonlyArray<{ type: string; key: string }>;
  handler: EventHandler;
  maxDeliveries: number;
  claimIdleMs: number;
  blockMs: number;
  readCount: number;
  maxLen: number;
  retryDelayMs: (delivery: number) => number;
  instanceGroup: boolean;
  instanceGroupIdleMs: number;
  onDeadLetter: (letter: RedisDeadLetter) => void;
  onError: (error: unknown) => void;
}

export interface StreamConsumer {
  /** Settles once the first attempt to create the groups has (publish waits for it). */
  readonly ready: Promise<void>;
  /**
   * Resolves once the groups exist, on the first attempt or a later retry of the read loop (Redis
   * may be down at start): only then is every event published from now on bound to reach it.
   */
  readonly subscribed: Promise<void>;
  /** Stops reading, waits for the handler in flight, then releases (or destroys) the group. */
  close(destroyGroup: boolean): Promise<void>;
}

interface Entry {
  stream: { type: string; key: string };
  id: string;
  fields: string[];
  /** The PEL's delivery count, this delivery included. */
  deliveries: number;
  fetchedAt: number;
  /** Ownership is checked again (and, for a retry, a delivery counted) before the next attempt. */
  recheck?: 'retry' | 'stale';
  lastError?: string;
  /** Set once the entry is to be dead-lettered, so a Redis failure while moving it never re-runs the handler. */
  dead?: { error: string; attempts: number };
}

// Consumers of crashed processes with nothing pending are dropped after this long.
const consumerIdleLimitMs = 60 * 60 * 1000;
const maxErrorDelayMs = 2000;
const ackDelayMs = 20;

/**
 * One subscription: a consumer of `group` on each of its streams, reading new entries with
 * XREADGROUP BLOCK on its own connection, taking over entries idle past claimIdleMs with
 * XAUTOCLAIM, and handing entries to the handler one at a time.
 */
export function startStreamConsumer(deps: StreamConsumerDeps): StreamConsumer {
  const { redis, blocking, keys, group, consumer, streams, handler, maxDeliveries, claimIdleMs, blockMs, readCount, maxLen } = deps;
  const queue: Entry[] = [];
  const acks = new Set<Promise<void>>();
  // The newest id handled per stream: where to create the group again should it vanish.
  const resumeFrom = new Map<string, string>();
  const cursors = new Map<string, string>();
  const claimEveryMs = Math.min(blockMs, claimIdleMs / 2);
  const maintainEveryMs = Math.max(100, Math.min(60_000, deps.instanceGroupIdleMs / 4));
  let groupsReady = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let lastClaimAt = 0;
  let lastMaintenanceAt = 0;
  let wake = () => {};
  let markSubscribed = () => {};
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = () => {};
        resolve();
      }
      wake = done;
    });

  const handled = (entry: Entry) => {
    const seen = resumeFrom.get(entry.stream.key);
    if (!seen || compareIds(entry.id, seen) > 0) resumeFrom.set(entry.stream.key, entry.id);
  };

  async function ensureGroups() {
    for (const { key } of streams) {
      // First creation at `$`: with MKSTREAM on a missing stream that is 0-0, so nothing published
      // later is missed; on an existing stream, history is skipped. Re-creation after the group
      // vanished resumes after the last entry this consumer finished.
      const lastDelivered = await ensureGroup(redis, key, group, resumeFrom.get(key) ?? '$', consumer);
      if (lastDelivered && !resumeFrom.has(key)) resumeFrom.set(key, lastDelivered);
    }
    groupsReady = true;
    markSubscribed();
  }

  async function maintain() {
    try {
      await sweepInstanceGroups(redis, {
        registry: keys.instanceGroups,
        alive: deps.instanceGroup ? streams.map(({ key }) => ({ stream: key, group })) : [],
        maxIdleMs: deps.instanceGroupIdleMs,
      });
      for (const { key } of streams) await forgetIdleConsumers(redis, key, group, consumerIdleLimitMs);
    } catch (error) {
      if (isGroupGone(error)) throw error;
      deps.onError(error); // housekeeping only: delivery goes on
    }
  }

  async function fill() {
    const now = Date.now();
    if (now - lastMaintenanceAt >= maintainEveryMs) {
      lastMaintenanceAt = now;
      await maintain();
    }
    if (now - lastClaimAt >= claimEveryMs) {
      lastClaimAt = now;
      for (const stream of streams) {
        const claimed = await claimIdle(redis, {
          stream: stream.key,
          group,
          consumer,
          minIdleMs: claimIdleMs,
          cursor: cursors.get(stream.key) ?? '0-0',
          count: readCount,
        });
        // The cursor carries on where the last call stopped, so live consumers' entries ahead in
        // the PEL never hide a dead one's behind them.
        cursors.set(stream.key, claimed.cursor);
        queue.push(...claimed.entries.map((e) => ({ ...e, stream, fetchedAt: Date.now() })));
      }
      if (queue.length > 0) return;
    }
    // The named command, not call(): under RESP3 only it turns the map reply back into [key, entries] pairs.
    const reply = (await callRedis(blocking, (r) =>
      r.xreadgroup(
        'GROUP',
        group,
        consumer,
        'COUNT',
        readCount,
        'BLOCK',
        blockMs,
        'STREAMS',
        ...streams.map((s) => s.key),
        ...streams.map(() => '>'),
      ),
    )) as ReadReply;
    const fetchedAt = Date.now();
    const read = (reply ?? []).flatMap(([key, entries]) => {
      const stream = streams.find((s) => s.key === key)!;
      return entries.map(([id, fields]): Entry => ({ stream, id, fields, deliveries: 1, fetchedAt }));
    });
    // Stream ids share the server clock, so across types this is publish order too.
    queue.push(...read.sort((a, b) => compareIds(a.id, b.id)));
  }

  // Acks wait for the end of the batch (at most ackDelayMs) and go out as one XACK per stream, so a
  // fast handler is not held up by a round trip per entry. A crash loses those acks: the entries
  // come again, as at-least-once allows.
  const unacked = new Map<string, string[]>();
  let firstUnackedAt = 0;
  function acknowledge(entry: Entry) {
    handled(entry);
    if (unacked.size === 0) firstUnackedAt = Date.now();
    const ids = unacked.get(entry.stream.key);
    if (ids) ids.push(entry.id);
    else unacked.set(entry.stream.key, [entry.id]);
  }

  function flushAcks() {
    for (const [key, ids] of unacked) {
      const ack: Promise<void> = callRedis(redis, (r) => r.xack(key, group, ...ids))
        .then(
          () => {},
          (error: unknown) => deps.onError(error),
        )
        .finally(() => acks.delete(ack));
      acks.add(ack);
    }
    unacked.clear();
  }

  async function deadLetter(entry: Entry, event: CloudEvent | null, { error, attempts }: { error: string; attempts: number }) {
    const moved = await moveToDeadLetter(redis, {
      stream: entry.stream.key,
      deadLetter: keys.deadLetter,
      group,
      consumer,
      id: entry.id,
      maxLen,
      fields: {
        group,
        type: entry.stream.type,
        error,
        attempts: String(attempts),
        stream: entry.stream.key,
        entryId: entry.id,
        consumer,
        time: new Date().toISOString(),
        [eventField]: entry.fields[entry.fields.indexOf(eventField) + 1] ?? '',
      },
    });
    handled(entry);
    if (!moved) return;
    try {
      deps.onDeadLetter({ group, type: entry.stream.type, entryId: entry.id, event, error, attempts });
    } catch {
      // A failing observer must not stop the delivery loop.
    }
  }

  async function deliver(entry: Entry): Promise<void> {
    for (;;) {
      if (closed) return; // left pending: close() makes it claimable at once
      if (!entry.recheck && Date.now() - entry.fetchedAt > claimIdleMs / 2) entry.recheck = 'stale';
      if (entry.recheck) {
        const owned = await reclaimOwn(redis, {
          stream: entry.stream.key,
          group,
          consumer,
          id: entry.id,
          redeliver: entry.recheck === 'retry',
        });
        if (!owned) return; // a peer took it over (or it was trimmed away)
        Object.assign(
          entry,
          { deliveries: owned.deliveries, fetchedAt: Date.now(), recheck: undefined },
          owned.fields ? { fields: owned.fields } : {},
        );
      }
      // Delivered more often than allowed: earlier holders failed or died while handling it.
      if (!entry.dead && entry.deliveries > maxDeliveries) {
        entry.dead = {
          error: entry.lastError ?? `not acknowledged after ${entry.deliveries - 1} deliveries`,
          attempts: entry.deliveries - 1,
        };
      }
      const event = parseEvent(entry.fields);
      if (!entry.dead && !event) entry.dead = { error: 'unreadable entry: no CloudEvent JSON', attempts: 0 };
      if (entry.dead || !event) return deadLetter(entry, event, entry.dead!);
      try {
        await handler(event);
      } catch (error) {
        entry.lastError = messageOf(error);
        if (closed) return;
        // A malformed event fails the same way every time: no retry.
        if (entry.deliveries >= maxDeliveries || error instanceof MalformedEventError) {
          entry.dead = { error: entry.lastError, attempts: entry.deliveries };
          continue;
        }
        entry.recheck = 'retry';
        await pause(deps.retryDelayMs(entry.deliveries));
        continue;
      }
      return acknowledge(entry);
    }
  }

  async function run(ready: Promise<void>) {
    await ready.catch((error: unknown) => deps.onError(error));
    let failures = 0;
    while (!closed) {
      try {
        if (!groupsReady) await ensureGroups();
        if (queue.length === 0) await fill();
        try {
          while (queue.length > 0 && !closed) {
            await deliver(queue[0]!);
            queue.shift();
            if (unacked.size > 0 && Date.now() - firstUnackedAt >= ackDelayMs) flushAcks();
          }
        } finally {
          flushAcks();
        }
        failures = 0;
      } catch (error) {
        if (closed) break;
        const gone = isGroupGone(error);
        if (gone) {
          // Created again where this consumer left off; what it had read but not finished comes again.
          groupsReady = false;
          queue.length = 0;
        }
        failures++;
        if (gone && failures === 1) continue;
        // Redis is down or failing: back off (never spin) and try again; reconnects are ioredis's job.
        deps.onError(error);
        await pause(Math.min(maxErrorDelayMs, 50 * 2 ** failures) + Math.floor(Math.random() * 50));
      }
    }
  }

  const ready = ensureGroups();
  const done = run(ready);

  return {
    ready: ready.catch(() => {}),
    subscribed,
    close(destroyGroup) {
      closing ??= (async () => {
        closed = true;
        wake();
        blocking.disconnect(); // ends a blocked XREADGROUP at once
        await done;
        await Promise.all([...acks]);
        for (const { key } of streams) {
          try {
            if (destroyGroup) await destroyInstanceGroup(redis, { registry: keys.instanceGroups, stream: key, group });
            else await releaseConsumer(redis, key, group, consumer, claimIdleMs);
          } catch (error) {
            // Redis is down: the entries left wait for XAUTOCLAIM, the group for the instance sweep.
            deps.onError(error);
          }
        }
      })();
      return closing;
    },
  };
}
