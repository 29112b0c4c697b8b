import type { Redis } from 'ioredis';
import type { PasswordAttemptStart, PasswordAttemptStore, PasswordThrottlePolicy } from '../../modules/kernel/mod.ts';
import { callerDeadline, callRedis, luaRefuseLate, luaScript } from './client.ts';

/*
 * One hash per account: failures in the window and when it ends, consecutive failures and when
 * the lockout window ends, the end of the current block, and the slot's holder and its end. Times
 * are the server's epoch ms, so every process agrees on them. Each script is one atomic step that
 * refuses to run past the caller's deadline (ARGV[1]).
 */
const prelude = `${luaRefuseLate}
local function int(n) return string.format('%d', n) end
local f = redis.call('HMGET', KEYS[1], 'failures', 'windowEnds', 'consecutive', 'lockoutEnds', 'blockedUntil', 'holder', 'heldUntil')
local failures, windowEnds = tonumber(f[1]) or 0, tonumber(f[2]) or 0
local consecutive, lockoutEnds = tonumber(f[3]) or 0, tonumber(f[4]) or 0
local blockedUntil, holder, heldUntil = tonumber(f[5]) or 0, f[6], tonumber(f[7]) or 0
if windowEnds <= now then failures = 0 end
if lockoutEnds <= now then consecutive = 0 end
if heldUntil <= now or holder == '' then holder, heldUntil = false, 0 end
local function save()
  local keep = math.max(windowEnds, lockoutEnds, blockedUntil, heldUntil)
  if keep <= now then return redis.call('DEL', KEYS[1]) end
  redis.call('HSET', KEYS[1], 'failures', int(failures), 'windowEnds', int(windowEnds), 'consecutive', int(consecutive),
    'lockoutEnds', int(lockoutEnds), 'blockedUntil', int(blockedUntil), 'holder', holder or '', 'heldUntil', int(heldUntil))
  redis.call('PEXPIREAT', KEYS[1], int(keep))
end
`;

/** ARGV: deadline, holder, holdMs, lockoutFailures. Returns {'started'} | {'blocked'|'busy', retryAfterMs}. */
const beginScript = luaScript(`${prelude}
if blockedUntil > now then return {'blocked', blockedUntil - now} end
if consecutive >= tonumber(ARGV[4]) then return {'blocked', lockoutEnds - now} end
if holder then return {'busy', heldUntil - now} end
holder, heldUntil = ARGV[2], now + tonumber(ARGV[3])
save()
return {'started'}`);

/** ARGV: deadline, holder, passed (1|0), freeFailures, windowMs, maxBlockMs, lockoutMs. */
const finishScript = luaScript(`${prelude}
if holder == ARGV[2] then holder, heldUntil = false, 0 end
if ARGV[3] == '1' then
  failures, windowEnds, consecutive, lockoutEnds, blockedUntil = 0, 0, 0, 0, 0
else
  if failures == 0 then windowEnds = now + tonumber(ARGV[5]) end
  if consecutive == 0 then lockoutEnds = now + tonumber(ARGV[7]) end
  failures, consecutive = failures + 1, consecutive + 1
  local over = failures - tonumber(ARGV[4])
  if over > 0 then blockedUntil = now + math.min(tonumber(ARGV[6]), 1000 * 2 ^ math.min(over, 30)) end
end
save()
return 1`);

/** ARGV: deadline, holder. */
const releaseScript = luaScript(`${prelude}
if holder == ARGV[2] then
  holder, heldUntil = false, 0
  save()
end
return 1`);

/** ARGV: deadline. */
const clearScript = luaScript(`${prelude}
failures, windowEnds, consecutive, lockoutEnds, blockedUntil = 0, 0, 0, 0, 0
save()
return 1`);

/** Each account's record in Redis, shared by every instance (see PasswordAttemptStore). */
export function createRedisPasswordAttemptStore({
  redis,
  prefix,
  policy,
}: {
  redis: Redis;
  prefix: string;
  policy: PasswordThrottlePolicy;
}): PasswordAttemptStore {
  const key = (account: string) => [`${prefix}password-attempts:${account}`];
  const run = (script: typeof beginScript, account: string, ...args: Array<string | number>) =>
    callRedis(redis, (r) => script.run(r, key(account), [callerDeadline(r), ...args]));

  return {
    policy,
    async begin(account, holder, holdMs) {
      const [outcome, retryAfterMs] = (await run(beginScript, account, holder, holdMs, policy.lockoutFailures)) as [string, number?];
      if (outcome === 'started') return { started: true };
      return {
        started: false,
        reason: outcome as Extract<PasswordAttemptStart, { started: false }>['reason'],
        retryAfterMs: Number(retryAfterMs),
      };
    },
    async finish(account, holder, passed) {
      await run(finishScript, account, holder, passed ? 1 : 0, policy.freeFailures, policy.windowMs, policy.maxBlockMs, policy.lockoutMs);
    },
    async release(account, holder) {
      await run(releaseScript, account, holder);
    },
    async clear(account) {
      await run(clearScript, account);
    },
  };
}
