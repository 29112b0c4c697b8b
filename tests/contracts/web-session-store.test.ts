import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createMemoryWebSessionStore } from '../../adapters/memory/web-session-store.ts';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createPgliteDatabase } from '../../adapters/pglite/database.ts';
import { createPostgresDatabase } from '../../adapters/postgres/database.ts';
import { createRedisWebSessionStore } from '../../adapters/redis/web-session-store.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate } from '../../adapters/sql/migrations.ts';
import { createSqlWebSessionStore } from '../../adapters/sql/web-session-store.ts';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { describeWebSessionStoreContract } from './web-session-store.contract.ts';

// The memory store is one process's: its "separate stores" share one instance, as a process's callers do.
const memory = createMemoryWebSessionStore();
describeWebSessionStoreContract('memory', () => memory);

// Two clients, so the race crosses connections as it crosses gateway instances.
const prefix = `${uniqueName('web_session_contract')}:`;
let clients: Redis[];
beforeAll(async () => {
  clients = [createRedisClient({ url: testRedisUrl }), createRedisClient({ url: testRedisUrl })];
  for (const client of clients) await callRedis(client, (r) => r.ping());
});
afterAll(async () => {
  await scanKeys(clients[0]!, keysStartingWith(prefix), async (keys) => void (await clients[0]!.del(...keys)));
  for (const client of clients ?? []) client.disconnect();
});
let made = 0;
describeWebSessionStoreContract('redis', () => createRedisWebSessionStore({ redis: clients[made++ % 2]!, prefix }));

// The SQL store on both databases that run it: Postgres (the file's own schema, a small pool) and embedded PGlite.
const schema = uniqueName('web_session_contract');
let postgres: SqlDatabase;
let pglite: SqlDatabase;
beforeAll(async () => {
  [postgres, pglite] = await Promise.all([
    createPostgresDatabase({ url: testDatabaseUrl, schema, poolSize: 2 }),
    createPgliteDatabase('memory'),
  ]);
  await Promise.all([migrate(postgres), migrate(pglite)]);
});
afterAll(async () => {
  await postgres?.close();
  await pglite?.close();
  await dropTestStores([schema]);
});
describeWebSessionStoreContract('postgres', () => createSqlWebSessionStore({ db: postgres }));
describeWebSessionStoreContract('pglite', () => createSqlWebSessionStore({ db: pglite }));
