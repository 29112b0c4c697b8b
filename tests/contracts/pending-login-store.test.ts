import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createMemoryPendingLoginStore } from '../../adapters/memory/pending-login-store.ts';
import { createPgliteDatabase } from '../../adapters/pglite/database.ts';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createRedisPendingLoginStore } from '../../adapters/redis/pending-login-store.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate } from '../../adapters/sql/migrations.ts';
import { createSqlPendingLoginStore } from '../../adapters/sql/pending-login-store.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { describePendingLoginStoreContract } from './pending-login-store.contract.ts';

// The auth module's pending logins on memory, embedded PGlite and Redis (Postgres runs in
// postgres.test.ts, on its schema, pool and proxy). Where the contract races two processes'
// stores, memory shares one instance and Redis uses two clients; a third Redis client goes through
// a TCP proxy the store-down case cuts.
const memory = createMemoryPendingLoginStore();
describePendingLoginStoreContract('memory', () => memory, {
  noStore: 'in-memory: the data lives in this process, there is no store to lose',
});

let db: SqlDatabase;
describePendingLoginStoreContract('pglite', () => createSqlPendingLoginStore({ db }), {
  noStore: 'embedded PGlite runs in this process, there is no server to lose',
});

const prefix = `${uniqueName('pending_logins')}:`;
let clients: Redis[];
let proxy: TcpProxy;
let viaProxy: Redis;
beforeAll(async () => {
  db = await createPgliteDatabase('memory');
  await migrate(db);
  clients = [createRedisClient({ url: testRedisUrl }), createRedisClient({ url: testRedisUrl })];
  for (const client of clients) await callRedis(client, (r) => r.ping());
  proxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
  viaProxy = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 500 });
});
afterAll(async () => {
  await scanKeys(clients[0]!, keysStartingWith(prefix), async (keys) => void (await clients[0]!.del(...keys)));
  for (const client of clients ?? []) client.disconnect();
  viaProxy?.disconnect();
  await proxy?.close();
  await db?.close();
});

let made = 0;
describePendingLoginStoreContract('redis', () => createRedisPendingLoginStore({ redis: clients[made++ % 2]!, prefix }), {
  // commandTimeoutMs (500), the wait for a reconnect as long again, and a margin.
  outage: { cut: () => proxy.pause(), restore: () => proxy.resume(), failsWithinMs: 1500 },
  make: () => createRedisPendingLoginStore({ redis: viaProxy, prefix }),
});
