import type { Redis } from 'ioredis';
import type { PendingLogin, PendingLoginStore } from '../../modules/auth/mod.ts';
import { callerDeadline, callRedis, fieldsOf, luaRefuseLate, luaScript } from './client.ts';

/*
 * One hash per pending login, expiring with it, and per account a set of its logins' token hashes
 * (expiring with its newest: every login lives as long), for removing them all. Writes are scripts that refuse to run past their
 * caller's deadline (ARGV[1]): a take or a failure answered 503 must not spend or count the
 * mfaToken later, when a stalled server resumes.
 */

/** KEYS: the login, its account's set. ARGV: deadline, userId, clientHash, failures, expiresAt (epoch ms), tokenHash. */
const putScript = luaScript(`${luaRefuseLate}
redis.call('HSET', KEYS[1], 'userId', ARGV[2], 'clientHash', ARGV[3], 'failures', ARGV[4], 'expiresAt', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
redis.call('PEXPIREAT', KEYS[2], ARGV[5])
return 1`);

/** KEYS: the account's set. ARGV: deadline, the logins' key prefix. Removed logins' hashes linger in the set harmlessly until it expires. */
const removeAllScript = luaScript(`${luaRefuseLate}
for _, tokenHash in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[2] .. tokenHash) end
redis.call('DEL', KEYS[1])
return 1`);

/** ARGV: deadline. Returns the hash's fields, flat, or an empty list. */
const takeScript = luaScript(`${luaRefuseLate}
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields`);

/** ARGV: deadline, limit, at (epoch ms). Returns the failures counted, or false when there is no such login unexpired at `at`. */
const failScript = luaScript(`${luaRefuseLate}
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if not expiresAt or expiresAt <= tonumber(ARGV[3]) then return false end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return failures`);

/** A pending login from HGETALL's flat answer, unless there is none or it expired at `at` (the key's own expiry may lag). */
function loginOf(tokenHash: string, flat: string[], at: Date): PendingLogin | null {
  const f = fieldsOf(flat);
  if (!f.userId) return null;
  const expiresAt = new Date(Number(f.expiresAt));
  if (expiresAt <= at) return null;
  return { tokenHash, userId: f.userId, clientHash: f.clientHash ?? '', failures: Number(f.failures), expiresAt };
}

/** Logins waiting for a second step, in Redis, shared by every auth process. */
export function createRedisPendingLoginStore({ redis, prefix }: { redis: Redis; prefix: string }): PendingLoginStore {
  const loginPrefix = `${prefix}pending-login:`;
  const key = (tokenHash: string) => [`${loginPrefix}${tokenHash}`];
  const accountKey = (userId: string) => `${prefix}pending-logins-of:${userId}`;
  return {
    async put(l) {
      const keys = [...key(l.tokenHash), accountKey(l.userId)];
      await callRedis(redis, (r) =>
        putScript.run(r, keys, [callerDeadline(r), l.userId, l.clientHash, l.failures, l.expiresAt.getTime(), l.tokenHash]),
      );
    },
    async find(tokenHash, at) {
      const flat = await callRedis(redis, (r) => r.call('HGETALL', key(tokenHash)[0]!) as Promise<string[]>);
      return loginOf(tokenHash, flat, at);
    },
    async take(tokenHash, at) {
      const flat = (await callRedis(redis, (r) => takeScript.run(r, key(tokenHash), [callerDeadline(r)]))) as string[];
      return loginOf(tokenHash, flat, at);
    },
    async fail(tokenHash, limit, at) {
      const failures = await callRedis(redis, (r) => failScript.run(r, key(tokenHash), [callerDeadline(r), limit, at.getTime()]));
      return failures === null ? null : Number(failures);
    },
    async removeAllOf(userId) {
      await callRedis(redis, (r) => removeAllScript.run(r, [accountKey(userId)], [callerDeadline(r), loginPrefix]));
    },
  };
}
