import type { Redis } from 'ioredis';
import type { TotpReplayGuard } from '../../modules/mfa/mod.ts';
import { callerDeadline, callRedis, luaRefuseLate, luaScript } from './client.ts';

/** ARGV: deadline, step, keepUntil (epoch ms). One atomic compare-and-set of the account's last used step. */
const claimScript = luaScript(`${luaRefuseLate}
local last = tonumber(redis.call('GET', KEYS[1]))
if last and last >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
return 1`);

/** The last used step of each account in Redis, expiring once no code of it can match. */
export function createRedisTotpReplayGuard({ redis, prefix }: { redis: Redis; prefix: string }): TotpReplayGuard {
  return {
    async claim(userId, step, keepUntil) {
      const claimed = await callRedis(redis, (r) =>
        claimScript.run(r, [`${prefix}totp-step:${userId}`], [callerDeadline(r), step, keepUntil.getTime()]),
      );
      return claimed === 1;
    },
  };
}
