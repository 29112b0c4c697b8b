import type { Redis } from 'ioredis';
import type { CloudEvent } from '../../modules/kernel/mod.ts';
import { callRedis, luaScript } from '../redis/client.ts';

/** The stream field that holds an entry's CloudEvent as JSON. */
export const eventField = 'event';

/** An XREADGROUP reply: entries per stream key, or null when the BLOCK ran out. */
export type ReadReply = Array<[key: string, entries: Array<[id: string, fields: string[]]>]> | null;

/** The CloudEvent of an entry's fields, or null when it has none that parses (a foreign writer). */
export function parseEvent(fields: string[]): CloudEvent | null {
  const index = fields.indexOf(eventField);
  if (index < 0 || index % 2 === 1) return null;
  try {
    return JSON.parse(fields[index + 1]!) as CloudEvent;
  } catch {
    return null;
  }
}

/** The keys of the Redis Streams event bus, under the deployment's prefix. */
export function streamKeys(prefix: string) {
  return {
    /** Stream: every event of one type, in publish order. */
    events: (type: string) => `${prefix}events:${type}`,
    /** Stream: entries given up after maxDeliveries, with group, type, error and attempts. */
    deadLetter: `${prefix}dead-letter`,
    /** Sorted set: JSON [stream, group] of per-instance groups, scored by last heartbeat (server ms). */
    instanceGroups: `${prefix}instance-groups`,
  };
}

export type StreamKeys = ReturnType<typeof streamKeys>;

/** A group or its stream vanished (deleted, destroyed by cleanup, lost in a restart without persistence). */
export const isGroupGone = (error: unknown) => error instanceof Error && /^(NOGROUP|UNBLOCKED)\b/.test(error.message);

// Creates the group (BUSYGROUP is fine) and this subscription's consumer in one step, so a group
// never exists without a consumer, and returns the group's last-delivered-id: where to create it
// again should it vanish.
const ensureGroupScript = luaScript(`
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP', 1, true) then return created end
redis.call('XGROUP', 'CREATECONSUMER', KEYS[1], ARGV[1], ARGV[3])
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  if info.name == ARGV[1] then return info['last-delivered-id'] end
end
return false`);

export async function ensureGroup(redis: Redis, stream: string, group: string, startId: string, consumer: string): Promise<string | null> {
  return (await callRedis(redis, (r) => ensureGroupScript.run(r, [stream], [group, startId, consumer]))) as string | null;
}

// XAUTOCLAIM does not say how often an entry was delivered; the PEL does (the count is what bounds
// redelivery across consumers that die). Entries trimmed away are dropped from the PEL by XAUTOCLAIM.
const claimScript = luaScript(`
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, e in ipairs(r[2]) do
  if e[2] then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    out[#out + 1] = {e[1], e[2], p[1][4]}
  end
end
return {r[1], out}`);

export interface ClaimedEntry {
  id: string;
  fields: string[];
  deliveries: number;
}

/** Takes entries pending longer than `minIdleMs` with any consumer of the group (one that died). */
export async function claimIdle(
  redis: Redis,
  {
    stream,
    group,
    consumer,
    minIdleMs,
    cursor,
    count,
  }: { stream: string; group: string; consumer: string; minIdleMs: number; cursor: string; count: number },
): Promise<{ cursor: string; entries: ClaimedEntry[] }> {
  const [next, entries] = (await callRedis(redis, (r) => claimScript.run(r, [stream], [group, consumer, minIdleMs, cursor, count]))) as [
    string,
    Array<[string, string[], number]>,
  ];
  return { cursor: next, entries: entries.map(([id, fields, deliveries]) => ({ id, fields, deliveries: Number(deliveries) })) };
}

// Only while the entry is still ours: a peer that claimed it meanwhile owns it now. ARGV[4] = '1'
// counts a new delivery (a retry) and returns the entry; '0' only resets its idle time.
const reclaimScript = luaScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return false end
if ARGV[4] == '1' then
  local e = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3])
  if #e == 0 or not e[1] or not e[1][2] then return false end
  return {p[1][4] + 1, e[1][2]}
end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return {p[1][4]}`);

/** Re-takes one of our pending entries; null when it is no longer ours (or was trimmed away). */
export async function reclaimOwn(
  redis: Redis,
  { stream, group, consumer, id, redeliver }: { stream: string; group: string; consumer: string; id: string; redeliver: boolean },
): Promise<{ deliveries: number; fields?: string[] } | null> {
  const reply = (await callRedis(redis, (r) => reclaimScript.run(r, [stream], [group, consumer, id, redeliver ? '1' : '0']))) as
    | [number, string[]?]
    | null;
  if (!reply) return null;
  return reply[1] ? { deliveries: Number(reply[0]), fields: reply[1] } : { deliveries: Number(reply[0]) };
}

// Copy and acknowledge in one step, and only by the entry's owner: an entry is dead-lettered once.
const deadLetterScript = luaScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 5))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
return 1`);

/** Moves a pending entry of ours to the dead-letter stream; false when it was not ours to move. */
export async function moveToDeadLetter(
  redis: Redis,
  {
    stream,
    deadLetter,
    group,
    consumer,
    id,
    maxLen,
    fields,
  }: { stream: string; deadLetter: string; group: string; consumer: string; id: string; maxLen: number; fields: Record<string, string> },
): Promise<boolean> {
  const args = [group, consumer, id, maxLen, ...Object.entries(fields).flat()];
  return Number(await callRedis(redis, (r) => deadLetterScript.run(r, [stream, deadLetter], args))) === 1;
}

// A closing consumer with nothing pending is deleted. One with entries left (a batch read ahead, a
// handler that failed during close) keeps them, but marked idle for claimIdleMs so that a peer's
// next XAUTOCLAIM takes them at once. JUSTID: this is not a delivery, so the count stays.
const releaseScript = luaScript(`
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1000, ARGV[2])
if #pending == 0 then return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
for _, p in ipairs(pending) do args[#args + 1] = p[1] end
args[#args + 1] = 'IDLE'
args[#args + 1] = ARGV[3]
args[#args + 1] = 'JUSTID'
redis.call(unpack(args))
return #pending`);

export async function releaseConsumer(redis: Redis, stream: string, group: string, consumer: string, idleMs: number): Promise<void> {
  await callRedis(redis, (r) => releaseScript.run(r, [stream], [group, consumer, idleMs]));
}

// Server time, so instances with skewed clocks agree on who is stale.
const heartbeatScript = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, 100)`);

const member = (stream: string, group: string) => JSON.stringify([stream, group]);

/**
 * Records that this process's per-instance groups are alive, and destroys those whose instance
 * sent no heartbeat for `maxIdleMs` (it died without close()). A live instance whose group was
 * destroyed anyway (a long partition) creates it again where it left off.
 */
export async function sweepInstanceGroups(
  redis: Redis,
  { registry, alive, maxIdleMs }: { registry: string; alive: ReadonlyArray<{ stream: string; group: string }>; maxIdleMs: number },
): Promise<void> {
  const stale = (await callRedis(redis, (r) =>
    heartbeatScript.run(r, [registry], [maxIdleMs, ...alive.map((a) => member(a.stream, a.group))]),
  )) as string[];
  for (const entry of stale) {
    const [stream, group] = JSON.parse(entry) as [string, string];
    await destroyInstanceGroup(redis, { registry, stream, group });
  }
}

/** Destroys a per-instance group and forgets it; a stream that is already gone is fine. */
export async function destroyInstanceGroup(
  redis: Redis,
  { registry, stream, group }: { registry: string; stream: string; group: string },
): Promise<void> {
  await callRedis(redis, (r) => r.xgroup('DESTROY', stream, group)).catch((error: unknown) => {
    if (!(error instanceof Error && /requires the key to exist/.test(error.message))) throw error;
  });
  await callRedis(redis, (r) => r.zrem(registry, member(stream, group)));
}
