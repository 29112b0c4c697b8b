import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryWebSessionStore } from '../../adapters/memory/web-session-store.ts';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createPgliteDatabase } from '../../adapters/pglite/database.ts';
import { createPostgresDatabase } from '../../adapters/postgres/database.ts';
import { createRedisWebSessionStore } from '../../adapters/redis/web-session-store.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate } from '../../adapters/sql/migrations.ts';
import { createSqlWebSessionStore } from '../../adapters/sql/web-session-store.ts';
import { createEncryptedWebSessionStore } from '../../adapters/webcrypto/encrypted-web-session-store.ts';
import type { SignedInRecord, WebSessionStore } from '../../modules/web/mod.ts';
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

// Sealed at rest (SIGNING_KEY_ENCRYPTION_KEY): the same contract holds, and the storage holds no secret in the clear.
const encryptionKey = crypto.getRandomValues(new Uint8Array(32));
const sealed = (store: WebSessionStore, key = encryptionKey) => createEncryptedWebSessionStore({ store, encryptionKey: key });
describeWebSessionStoreContract('redis, encrypted', () => sealed(createRedisWebSessionStore({ redis: clients[made++ % 2]!, prefix })));
describeWebSessionStoreContract('postgres, encrypted', () => sealed(createSqlWebSessionStore({ db: postgres })));

describe('WebSessionStore encrypted at rest', () => {
  const signedIn = (): SignedInRecord => ({
    kind: 'signed-in',
    accessToken: `eyJhbGciOiJFZERTQSJ9.${crypto.randomUUID()}.signature`,
    refreshToken: crypto.randomUUID(),
    accessExpiresAt: Date.now() + 900_000,
    csrfToken: crypto.randomUUID(),
    totpEnrolment: { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', otpauthUrl: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
  });
  const key = () => crypto.randomUUID().replaceAll('-', '');
  const raw = {
    postgres: async (k: string) =>
      (await postgres.query<{ record: string }>('SELECT record::text AS record FROM web_sessions WHERE key = $1', [k]))[0]!.record,
    redis: async (k: string) => (await clients[0]!.get(`${prefix}web-session:${k}`))!,
  };
  const plainStores = {
    postgres: () => createSqlWebSessionStore({ db: postgres }),
    redis: () => createRedisWebSessionStore({ redis: clients[0]!, prefix }),
  };

  for (const name of ['postgres', 'redis'] as const) {
    it(`${name}: what is stored holds none of the tokens nor the TOTP secret, and reads back whole`, async () => {
      const store = sealed(plainStores[name]());
      const [k, record] = [key(), signedIn()];
      await store.set(k, record, 60);
      const stored = await raw[name](k);
      for (const secret of [record.accessToken, record.refreshToken, record.totpEnrolment!.secret]) expect(stored).not.toContain(secret);
      expect(stored).toContain('A256GCM.');
      expect(await store.get(k)).toEqual(record);

      const pending = { kind: 'second-factor' as const, mfaToken: crypto.randomUUID(), methods: ['totp'], csrfToken: 'c' };
      await store.set(k, pending, 60);
      expect(await raw[name](k)).not.toContain(pending.mfaToken);
      expect(await store.get(k)).toEqual(pending);
    });

    it(`${name}: a record under another key, or read with another key or none, is no session; one stored plain before the key is read`, async () => {
      const plain = plainStores[name]();
      const store = sealed(plain);
      const [k, moved, record] = [key(), key(), signedIn()];
      await store.set(k, record, 60);
      expect(await sealed(plain, crypto.getRandomValues(new Uint8Array(32))).get(k)).toBeNull();
      expect(await createEncryptedWebSessionStore({ store: plain }).get(k)).toBeNull();
      await plain.set(moved, (await plain.get(k))!, 60);
      expect(await store.get(moved)).toBeNull();

      const before = key();
      await plain.set(before, record, 60);
      expect(await store.get(before)).toEqual(record);
    });
  }
});
