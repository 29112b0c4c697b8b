import type { Redis } from 'ioredis';
import { callRedis, luaScript } from './client.ts';

// Consumers of crashed or restarted processes would pile up in a group. One is dropped only with
// nothing pending, checked in the same script, so no entry it was just handed can vanish with it.
// Redis 7.0 does not refresh `idle` on an empty blocking read, so a live quiet consumer may be
// dropped too: harmless, Redis creates it again when it next reads.
const forgetIdleConsumersScript = luaScript(`
local dropped = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if tonumber(info.pending) == 0 and tonumber(info.idle) > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info.name)
    dropped = dropped + 1
  end
end
return dropped`);

/** Drops the group's consumers idle longer than `idleMs` that hold no pending entry. */
export async function forgetIdleConsumers(redis: Redis, stream: string, group: string, idleMs: number): Promise<void> {
  await callRedis(redis, (r) => forgetIdleConsumersScript.run(r, [stream], [group, idleMs]));
}

/** Orders two stream entry ids (`<ms>-<seq>`) as Redis does; BigInt, since both parts are 64-bit. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}
