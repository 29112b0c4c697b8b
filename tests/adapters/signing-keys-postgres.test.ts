import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2PasswordHasher } from '../../adapters/argon2/password-hasher.ts';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createPostgresDatabase } from '../../adapters/postgres/database.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate } from '../../adapters/sql/migrations.ts';
import { createSqlSigningKeyRepository } from '../../adapters/sql/signing-key-repository.ts';
import { createEncryptedSigningKeyRepository } from '../../adapters/webcrypto/encrypted-signing-key-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { publicationLeadMs, rotateSigningKey } from '../../modules/auth/mod.ts';
import { createSessionService } from '../../modules/session/mod.ts';
import { createUserService } from '../../modules/user/mod.ts';
import { manualClock, lifecycleDeps, passwordAuth } from '../modules/fixtures.ts';
import { dropTestStores, testDatabaseUrl, uniqueName } from '../support/services.ts';

const schema = uniqueName('signing_keys');
const databases: SqlDatabase[] = [];
const open = async () => {
  const db = await createPostgresDatabase({ url: testDatabaseUrl, schema, poolSize: 2 });
  databases.push(db);
  return db;
};

beforeAll(async () => void (await migrate(await open())));
afterAll(async () => {
  await Promise.all(databases.map((db) => db.close()));
  await dropTestStores([schema]);
});

describe('signing keys on Postgres', () => {
  it('auth processes whose rotation falls due together store exactly one next key and all publish it', async () => {
    const clock = manualClock();
    const outbox = createMemoryOutbox();
    const users = createUserService({
      users: createMemoryUserRepository({ outbox }),
      hasher: createArgon2PasswordHasher(),
      commonPasswords: createCommonPasswordList(),
      ...lifecycleDeps(),
    });
    const sessions = createSessionService({
      sessions: createMemorySessionRepository({ outbox }),
      refreshTtlSeconds: 3600,
      reuseGraceSeconds: 0,
      maxAgeSeconds: 30 * 24 * 3600,
    });
    const tokens = { issuer: 'iss', audience: 'aud', accessTokenTtlSeconds: 900, keyRotationDays: 30 };
    // Each "process" has its own connections, so their statements really run at once.
    const processes = await Promise.all(
      Array.from({ length: 4 }, async () =>
        passwordAuth({
          userApi: users,
          sessionApi: sessions,
          keys: createSqlSigningKeyRepository({ db: await open() }),
          outbox,
          tokens,
          clock,
        }),
      ),
    );
    const [first] = (await processes[0]!.jwks()).keys;

    clock.advance(30 * 24 * 3600_000 - publicationLeadMs);
    const published = await Promise.all(processes.map((p) => p.jwks()));
    const kids = published.map((jwks) => jwks.keys.map((k) => k.kid));
    expect(new Set(kids.map((k) => k.join()))).toEqual(new Set([kids[0]!.join()]));
    expect(kids[0]).toHaveLength(2);
    expect(kids[0]![1]).toBe(first!.kid);
    const rows = await databases[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM signing_keys');
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('with an encryption key, the private_jwk column holds ciphertext, never the private key', async () => {
    const db = await open();
    await db.exec('DELETE FROM signing_keys');
    const keys = createEncryptedSigningKeyRepository({
      keys: createSqlSigningKeyRepository({ db }),
      encryptionKey: crypto.getRandomValues(new Uint8Array(32)),
    });
    const [key] = await rotateSigningKey(keys, new Date());
    const rows = await db.query<{ kid: string; private_jwk: Record<string, unknown> }>('SELECT kid, private_jwk FROM signing_keys');
    expect(rows).toEqual([{ kid: key!.kid, private_jwk: { enc: 'A256GCM', iv: expect.any(String), ciphertext: expect.any(String) } }]);
    expect(JSON.stringify(rows)).not.toContain(String(key!.privateJwk.d));
  });
});
