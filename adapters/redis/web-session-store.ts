import type { Redis } from 'ioredis';
import type { WebSessionRecord, WebSessionStore } from '../../modules/web/mod.ts';
import { callRedis } from './client.ts';

/**
 * Browser sessions in Redis, shared by every gateway instance; each key expires by itself. The
 * refresh claim is SET NX PX, so of instances racing to refresh one session exactly one does.
 */
export function createRedisWebSessionStore({ redis, prefix }: { redis: Redis; prefix: string }): WebSessionStore {
  const key = (id: string) => `${prefix}web-session:${id}`;
  const claim = (id: string) => `${prefix}web-session-refresh:${id}`;
  return {
    async get(id) {
      const stored = await callRedis(redis, (r) => r.get(key(id)));
      return stored ? (JSON.parse(stored) as WebSessionRecord) : null;
    },
    async set(id, record, ttlSeconds) {
      await callRedis(redis, (r) => r.set(key(id), JSON.stringify(record), 'EX', ttlSeconds));
    },
    async delete(id) {
      await callRedis(redis, (r) => r.del(key(id)));
    },
    async claimRefresh(id, ttlMs) {
      return (await callRedis(redis, (r) => r.set(claim(id), '1', 'PX', ttlMs, 'NX'))) === 'OK';
    },
    async releaseRefresh(id) {
      await callRedis(redis, (r) => r.del(claim(id)));
    },
  };
}
