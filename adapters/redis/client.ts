import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { DomainError, UnavailableError } from '../../modules/kernel/mod.ts';
import { remainingMs } from '../http/deadline.ts';

export interface RedisClientOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** A command (or the wait for a connection before it) fails after this long. Default 500 ms. */
  commandTimeoutMs?: number;
  /** One connection attempt gives up after this long, then the backoff retries. Default 1000 ms. */
  connectTimeoutMs?: number;
  /** Cap of the reconnect backoff (50 ms doubling, plus jitter). Default 2000 ms. */
  maxReconnectDelayMs?: number;
  /**
   * A connection that sends no data this long while a reply is awaited is dropped and
   * reconnected (a half-open socket never closes by itself). Default 2 × commandTimeoutMs. A client
   * used for blocking reads (XREADGROUP BLOCK) needs its own client with a larger value.
   */
  socketTimeoutMs?: number;
  /** Shown in CLIENT LIST. */
  connectionName?: string;
  /** Connection errors (each failed reconnect) — for logs; they are also what callers see. */
  onError?: (error: Error) => void;
}

/** ioredis, loaded at the first client: a process without REDIS_URL never reads its fifty files. */
const ioredis = () => createRequire(import.meta.url)('ioredis') as typeof import('ioredis');

/**
 * An ioredis client that fails fast and recovers. Commands are never queued while disconnected
 * (no offline queue, no resend after a reconnect): a command that already failed for its caller
 * must not run seconds later, since a rotate or revoke executed behind the caller's back would
 * break the caller's view of the session. `callRedis` waits at most commandTimeoutMs for a
 * connection instead. Reconnects go on forever with a capped backoff.
 */
export function createRedisClient({
  url,
  commandTimeoutMs = 500,
  connectTimeoutMs = 1000,
  maxReconnectDelayMs = 2000,
  socketTimeoutMs = commandTimeoutMs * 2,
  connectionName,
  onError = () => {},
}: RedisClientOptions): Redis {
  const redis = new (ioredis().Redis)(url, {
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    socketTimeout: socketTimeoutMs,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // Commands in flight when the connection drops are rejected at once, not kept for the next one.
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 16), maxReconnectDelayMs) + Math.floor(Math.random() * 100),
    ...(connectionName ? { connectionName } : {}),
  });
  // Without a listener ioredis prints every failed reconnect to stderr.
  redis.on('error', onError);
  redis.on('ready', () => void measureServerClock(redis));
  return redis;
}

/** Per client: how far the server's clock is ahead of this process's, in ms (TIME at each connect). */
const serverClockOffsets = new WeakMap<Redis, number>();

async function measureServerClock(redis: Redis): Promise<void> {
  const sent = Date.now();
  const [seconds, micros] = await redis.time().catch(() => [NaN, NaN]);
  const received = Date.now();
  const serverMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  if (Number.isFinite(serverMs)) serverClockOffsets.set(redis, serverMs - (sent + received) / 2);
}

/**
 * The server time (epoch ms) after which a command sent now has already failed for its caller:
 * write scripts take it and refuse to run later. A command stuck behind a stalled server (paused,
 * not dead) is delivered when the server resumes, long after its caller answered 503; it must
 * then change nothing. The caller is this client's command timeout, or the call being served if
 * its caller (another process) gives up sooner (see deadline.ts). A margin before that covers the
 * reply's way back.
 */
export function callerDeadline(redis: Redis): number {
  const timeoutMs = redis.options.commandTimeout ?? 1000;
  const marginMs = Math.min(100, timeoutMs / 5);
  return Math.floor(Date.now() + (serverClockOffsets.get(redis) ?? 0) + Math.min(timeoutMs, remainingMs()) - marginMs);
}

/**
 * Lua that refuses to run past the deadline in ARGV[1] (see callerDeadline); `now` is the
 * server's time in ms. Every write script starts with it.
 */
export const luaRefuseLate = `
local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if now > tonumber(ARGV[1]) then return redis.error_reply('LATE the caller gave up before this reached Redis') end
`;

/** Reply errors that mean "this server cannot serve now", as opposed to a bug in the command. */
const unavailableReplies = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|OOM|LATE)\b/;

/**
 * Maps a failed Redis call to what a port promises: connection losses, timeouts and "server busy"
 * replies become UnavailableError (with the original as `cause`); domain errors and other reply
 * errors (a wrong command is a bug, not an outage) pass through unchanged.
 */
export function toUnavailable(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof Error && error.name === 'ReplyError' && !unavailableReplies.test(error.message)) return error;
  return new UnavailableError('Redis is unavailable; try again shortly.', { cause: error });
}

const readySignals = new WeakMap<Redis, Promise<void>>();

/** One shared promise per client for its next 'ready', so many waiters add one listener, not many. */
function nextReady(redis: Redis): Promise<void> {
  let signal = readySignals.get(redis);
  if (!signal) {
    signal = new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        redis.off('ready', onReady);
        redis.off('end', onEnd);
        readySignals.delete(redis);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new Error('Connection is closed.'));
      redis.on('ready', onReady);
      redis.on('end', onEnd);
    });
    signal.catch(() => {});
    readySignals.set(redis, signal);
  }
  return signal;
}

async function whenReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') throw new Error('Connection is closed.');
  if (redis.status === 'wait') void redis.connect().catch(() => {});
  const timeoutMs = redis.options.commandTimeout ?? 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      nextReady(redis),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Not connected to Redis within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Clients whose last command timed out, with the probe that clears them once the server answers. */
const unresponsive = new WeakMap<Redis, Promise<void>>();

const isTimeout = (error: unknown) => error instanceof Error && /timed out|within \d+ ms/i.test(error.message);

/**
 * Marks the client unresponsive until a PING answers (polled every 100 ms). Meanwhile calls fail
 * at once: a request's second and third Redis call (limiters, throttle, sessions) must not each
 * wait out a timeout of its own while the server stalls, and other requests get a fast 503.
 */
function suspend(redis: Redis): void {
  if (unresponsive.has(redis)) return;
  const probe = (async () => {
    while (redis.status !== 'end') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (
        await redis.ping().then(
          () => true,
          () => false,
        )
      )
        break;
    }
    unresponsive.delete(redis);
  })();
  unresponsive.set(redis, probe);
}

/**
 * Holds the client's writes until this turn of the event loop ends, so the commands of every
 * request served in it go out in one write: a write per command took about a tenth of a
 * refresh's busy time, nearly all of it in the system call. (ioredis's autopipelining does the
 * same at twice the CPU per command, and holds each batch until the one before is answered.)
 */
function batchWrites(redis: Redis): void {
  const { stream } = redis;
  if (stream.writableCorked > 0) return;
  stream.cork();
  setImmediate(() => stream.uncork());
}

/**
 * Runs `call` once the client is connected (waiting at most its command timeout) and turns
 * transport failures into UnavailableError. Every adapter call goes through here. While the
 * server is not answering (a call timed out and no PING has answered since), it fails at once.
 */
export async function callRedis<T>(redis: Redis, call: (redis: Redis) => Promise<T>): Promise<T> {
  if (unresponsive.has(redis)) throw new UnavailableError('Redis is not answering; try again shortly.');
  try {
    await whenReady(redis);
    batchWrites(redis);
    return await call(redis);
  } catch (error) {
    if (isTimeout(error)) suspend(redis);
    throw toUnavailable(error);
  }
}

/** A Lua script run by EVALSHA, loaded again with EVAL when the server does not know it yet. */
export interface LuaScript {
  run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
}

export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        // The script cache is empty after a restart or SCRIPT FLUSH: EVAL sends the source once.
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}

/** A hash as Redis lists it to a Lua script or XINFO, `[name, value, name, value, …]`, as a record. */
export function fieldsOf<T>(flat: readonly T[]): Record<string, T> {
  const fields: Record<string, T> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1]!;
  return fields;
}

/**
 * Every key this system writes to Redis, under one prefix (which carries its own separator, e.g.
 * `auth:`), so that deployments and test files sharing a server never meet.
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    /** Hash: one session's fields, times as epoch ms, null fields absent. */
    session: (id: string) => `${prefix}session:${id}`,
    /** String: the id of the session whose current refresh token has this hash. */
    refresh: (hash: string) => `${prefix}refresh:${hash}`,
    /** Hash {sessionId, rotatedAt}: a refresh-token hash its family has rotated away. */
    rotated: (hash: string) => `${prefix}rotated:${hash}`,
    /** Sorted set: a user's session ids scored by createdAt. */
    userSessions: (userId: string) => `${prefix}user-sessions:${userId}`,
    /** Sorted set: ids of recently revoked sessions scored by revokedAt. */
    revokedSessions: `${prefix}revoked-sessions`,
    /** Stream: the outbox of events written with session changes. */
    outbox: `${prefix}outbox`,
    /** Sorted set: ids of outbox entries already published, scored by when (for prune). */
    outboxSent: `${prefix}outbox-sent`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** A SCAN MATCH pattern for keys starting with `literal` (glob characters in it escaped). */
export function keysStartingWith(literal: string): string {
  return `${literal.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/**
 * Calls `onBatch` with each batch of keys matching `pattern`, walking the keyspace with SCAN (never
 * KEYS, which blocks the server). A key written meanwhile may be missed; none is seen twice in a
 * batch, though SCAN may repeat one across batches.
 */
export async function scanKeys(redis: Redis, pattern: string, onBatch: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await callRedis(redis, (r) => r.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
    cursor = next;
    if (keys.length > 0) await onBatch(keys);
  } while (cursor !== '0');
}
