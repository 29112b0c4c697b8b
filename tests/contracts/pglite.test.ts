import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase } from '../../adapters/pglite/database.ts';
import { createSqlAccountTokenRepository } from '../../adapters/sql/account-token-repository.ts';
import { createSqlAuditRepository } from '../../adapters/sql/audit-repository.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate, migrations } from '../../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../../adapters/sql/outbox.ts';
import { createSqlSessionRepository } from '../../adapters/sql/session-repository.ts';
import { createSqlSigningKeyRepository } from '../../adapters/sql/signing-key-repository.ts';
import { createSqlUserRepository } from '../../adapters/sql/user-repository.ts';
import { describeAccountTokenRepositoryContract } from './account-token-repository.contract.ts';
import { describeAuditRepositoryContract } from './audit-repository.contract.ts';
import { describeOutboxContract } from './outbox.contract.ts';
import { describeSessionRepositoryContract } from './session-repository.contract.ts';
import { describeSigningKeyRepositoryContract } from './signing-key-repository.contract.ts';
import { describeSqlDatabaseContract } from './sql-database.contract.ts';
import { describeUserRepositoryContract } from './user-repository.contract.ts';

// One in-memory PGlite for the whole file (opening one takes about two seconds). Tests use fresh
// ids; the suites that need an empty store (signing keys, outbox) get their table emptied.
let db: SqlDatabase;
beforeAll(async () => {
  db = await createPgliteDatabase('memory');
  await migrate(db);
});
afterAll(async () => db?.close());

const withOutbox =
  <Repo>(repo: (deps: { db: SqlDatabase }) => Repo) =>
  () => ({
    repo: repo({ db }),
    outbox: createSqlOutbox({ db }),
  });
const emptied = (table: string) => async () => void (await db.exec(`DELETE FROM ${table}`));
// PGlite runs inside this process: no server or link that can fail apart from the process itself
// (close() ends it for good). The same SQL meets a real outage in postgres.test.ts.
const embedded = { noStore: 'embedded PGlite runs in this process, there is no server to lose' };

describeSqlDatabaseContract('pglite', () => db, embedded);

describeUserRepositoryContract('pglite', withOutbox(createSqlUserRepository), embedded);

describeAccountTokenRepositoryContract('pglite', withOutbox(createSqlAccountTokenRepository), embedded);

describeSessionRepositoryContract('pglite', withOutbox(createSqlSessionRepository), embedded);

describeAuditRepositoryContract('pglite', withOutbox(createSqlAuditRepository), embedded);

describeSigningKeyRepositoryContract(
  'pglite',
  async () => {
    await emptied('signing_keys')();
    return withOutbox(createSqlSigningKeyRepository)();
  },
  embedded,
);

describeOutboxContract(
  'pglite',
  async () => {
    await emptied('outbox')();
    const outbox = createSqlOutbox({ db });
    return { repo: outbox, outbox };
  },
  embedded,
);

describe('PGlite database', () => {
  it('a directory database keeps its data across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglite-contract-'));
    try {
      const first = await createPgliteDatabase(dir);
      expect(await migrate(first)).toEqual(migrations.map((m) => m.version));
      const users = createSqlUserRepository({ db: first });
      const user = {
        id: crypto.randomUUID(),
        email: 'persist@example.test',
        displayName: null,
        passwordHash: 'hash',
        emailVerified: false,
        status: 'active' as const,
        roles: ['admin'],
        createdAt: new Date(),
        updatedAt: new Date(),
        lastLoginAt: null,
      };
      await users.create(user, []);
      await first.close();

      const second = await createPgliteDatabase(dir);
      try {
        expect(await migrate(second)).toEqual([]);
        expect(await createSqlUserRepository({ db: second }).findById(user.id)).toEqual(user);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
