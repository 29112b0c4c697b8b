import type { Redis } from 'ioredis';
import type { CloudEvent, Outbox, OutboxEntry } from '../../modules/kernel/mod.ts';
import { callRedis, luaScript, redisKeys } from './client.ts';
import { compareIds, forgetIdleConsumers } from './stream-groups.ts';

/** The stream field that holds an entry's CloudEvent as JSON. */
export const outboxEventField = 'event';

/**
 * Lua: `appendEvents(stream, from, count)` XADDs ARGV[from .. from+count-1] (CloudEvent JSON) as
 * outbox entries. Repository scripts include it so a state change and its events are one script.
 */
export const luaAppendEvents = `
local function appendEvents(stream, from, count)
  for i = from, from + count - 1 do redis.call('XADD', stream, '*', '${outboxEventField}', ARGV[i]) end
end`;

/** The Redis outbox, plus the hook a repository writing to its stream calls after each commit. */
export interface RedisOutbox extends Outbox {
  /** The stream repositories XADD their events to (see luaAppendEvents). */
  readonly streamKey: string;
  /** Wakes this process's onAppend listeners; call after a write that added entries. */
  notifyAppended(): void;
}

export interface RedisOutboxDeps {
  redis: Redis;
  /** Key prefix shared with the repositories writing to this outbox (see redisKeys). */
  prefix: string;
  /**
   * Entries pending this long with another relay are taken over (that relay is presumed dead).
   * Must exceed the longest `publish`, or a slow relay's batch is published twice. Default 30 s.
   */
  claimIdleMs?: number;
  /** Consumer group of the relays; default `outbox-relay`. */
  group?: string;
  /** This relay's name in the group; default random per instance. */
  consumer?: string;
}

const append = luaScript(`${luaAppendEvents}
appendEvents(KEYS[1], 1, #ARGV)
return #ARGV`);

// Marks sent only what this call acknowledged: an entry taken over and acked by another relay
// (then maybe pruned) must not be counted twice, or backlog would drift below the truth.
const acknowledge = luaScript(`
for i = 3, #ARGV do
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[i]) end
end
return 0`);

// One round trip per claim: this relay's own pending entries first (a failed publish is retried by
// the same relay at once), then entries pending longer than ARGV[4] with another relay (one that
// crashed), then new ones, until ARGV[3] are found. ARGV[6..] are entries a drain of this instance
// is publishing now: it shares the consumer, so its pending list shows them, and they are skipped.
// The takeover cursor (ARGV[5]) carries on where the last claim stopped: each scans a bounded
// slice of the pending list, and entries of live relays ahead must not hide a dead relay's behind
// them. Entries deleted while pending are acknowledged away. Returns {cursor, entries}.
const claimScript = luaScript(`
local stream, group, consumer, limit = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local skip, batch, garbage = {}, {}, {}
for i = 6, #ARGV do skip[ARGV[i]] = true end
local function take(entries)
  for _, entry in ipairs(entries) do
    local id = entry[1]
    if not entry[2] then garbage[#garbage + 1] = id
    elseif not skip[id] then
      skip[id] = true
      batch[#batch + 1] = entry
    end
  end
end
local function read(id, count)
  local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, id)
  if reply then take(reply[1][2]) end
end
read('0', limit + #ARGV - 5)
local cursor = ARGV[5]
if #batch < limit then
  local claimed = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[4], cursor, 'COUNT', limit - #batch)
  cursor = claimed[1]
  take(claimed[2])
end
if #batch < limit then read('>', limit - #batch) end
if #garbage > 0 then redis.call('XACK', stream, group, unpack(garbage)) end
return {cursor, batch}`);

const backlog = luaScript(`return redis.call('XLEN', KEYS[1]) - redis.call('ZCARD', KEYS[2])`);

const prune = luaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 500)
if #ids == 0 then return 0 end
redis.call('XDEL', KEYS[1], unpack(ids))
redis.call('ZREM', KEYS[2], unpack(ids))
return #ids`);

// Consumers of restarted relays are dropped after an hour idle with nothing pending.
const consumerIdleLimitMs = 60 * 60 * 1000;

const eventOf = (fields: string[]): CloudEvent => JSON.parse(fields[fields.indexOf(outboxEventField) + 1]!) as CloudEvent;

/**
 * The outbox as a Redis stream drained through a consumer group: a relay reads its own pending
 * entries first (a failed publish is retried by the same relay at once), then takes over entries
 * pending longer than `claimIdleMs` with another relay (one that crashed), then reads new ones.
 * Published entries are acknowledged and recorded as sent; they stay in the stream, for
 * inspection, until `prune` deletes them. Delivery is at-least-once: a relay that dies between
 * publish and acknowledge has its batch published again by another.
 */
export function createRedisOutbox({
  redis,
  prefix,
  claimIdleMs = 30_000,
  group = 'outbox-relay',
  consumer = `relay-${crypto.randomUUID()}`,
}: RedisOutboxDeps): RedisOutbox {
  const keys = redisKeys(prefix);
  const stream = keys.outbox;
  const listeners = new Set<() => void>();
  // Entries this instance is publishing now: concurrent drains here share one consumer name, so
  // its pending list shows them to every drain.
  const inFlight = new Set<string>();
  let claiming: Promise<unknown> = Promise.resolve();
  let groupReady: Promise<void> | undefined;
  let lastCleanup = 0;
  let takeoverCursor = '0-0';

  function ensureGroup(): Promise<void> {
    groupReady ??= callRedis(redis, (r) => r.xgroup('CREATE', stream, group, '0', 'MKSTREAM')).then(
      () => {},
      (error: unknown) => {
        if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
        groupReady = undefined;
        throw error;
      },
    );
    return groupReady;
  }

  async function claim(limit: number): Promise<Array<[string, string[]]>> {
    const [cursor, batch] = (await callRedis(redis, (r) =>
      claimScript.run(r, [stream], [group, consumer, limit, claimIdleMs, takeoverCursor, ...inFlight]),
    )) as [string, Array<[string, string[]]>];
    takeoverCursor = cursor;
    if (Date.now() - lastCleanup > claimIdleMs) {
      lastCleanup = Date.now();
      await forgetIdleConsumers(redis, stream, group, consumerIdleLimitMs);
    }
    const taken = batch.sort((a, b) => compareIds(a[0], b[0])).slice(0, limit);
    for (const [id] of taken) inFlight.add(id);
    return taken;
  }

  function claimSerially(limit: number) {
    // One claim at a time per instance: a drain must mark its entries in flight before another
    // drain here reads the consumer's pending list.
    const next = claiming.then(() => claim(limit));
    claiming = next.catch(() => {});
    return next;
  }

  function notifyAppended() {
    queueMicrotask(() => {
      for (const listener of listeners) listener();
    });
  }

  return {
    streamKey: stream,
    notifyAppended,

    async drain(limit, publish) {
      try {
        await ensureGroup();
        const batch = await claimSerially(limit);
        if (batch.length === 0) return 0;
        try {
          await publish(
            batch.map(([, fields]): OutboxEntry => {
              const event = eventOf(fields);
              return { id: event.id, event };
            }),
          );
          const ids = batch.map(([id]) => id);
          await callRedis(redis, (r) => acknowledge.run(r, [stream, keys.outboxSent], [group, Date.now(), ...ids]));
        } finally {
          for (const [id] of batch) inFlight.delete(id);
        }
        return batch.length;
      } catch (error) {
        // The stream (and its group) was deleted: create the group again on the next drain.
        if (error instanceof Error && error.message.startsWith('NOGROUP')) groupReady = undefined;
        throw error;
      }
    },

    async append(events) {
      if (events.length === 0) return;
      await callRedis(redis, (r) =>
        append.run(
          r,
          [stream],
          events.map((e) => JSON.stringify(e)),
        ),
      );
      notifyAppended();
    },

    async backlog() {
      return Number(await callRedis(redis, (r) => backlog.run(r, [stream, keys.outboxSent], [])));
    },

    async prune(olderThan) {
      let total = 0;
      for (;;) {
        const pruned = Number(await callRedis(redis, (r) => prune.run(r, [stream, keys.outboxSent], [olderThan.getTime()])));
        total += pruned;
        if (pruned < 500) return total;
      }
    },

    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
