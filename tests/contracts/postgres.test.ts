import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../adapters/postgres/database.ts';
import { createSqlAccountTokenRepository } from '../../adapters/sql/account-token-repository.ts';
import { createSqlAuditRepository } from '../../adapters/sql/audit-repository.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate, migrations } from '../../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../../adapters/sql/outbox.ts';
import { createSqlSessionRepository } from '../../adapters/sql/session-repository.ts';
import { createSqlSigningKeyRepository } from '../../adapters/sql/signing-key-repository.ts';
import { createSqlUserRepository } from '../../adapters/sql/user-repository.ts';
import { createSqlMfaRepository } from '../../adapters/sql/mfa-repository.ts';
import { createSqlTotpReplayGuard } from '../../adapters/sql/totp-replay-guard.ts';
import { createSqlWebAuthnChallengeStore } from '../../adapters/sql/webauthn-challenge-store.ts';
import { createSqlPendingLoginStore } from '../../adapters/sql/pending-login-store.ts';
import { testDatabaseUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { describeAccountTokenRepositoryContract } from './account-token-repository.contract.ts';
import { describeAuditRepositoryContract } from './audit-repository.contract.ts';
import { describeOutboxContract } from './outbox.contract.ts';
import { describeSessionRepositoryContract } from './session-repository.contract.ts';
import { describeSigningKeyRepositoryContract } from './signing-key-repository.contract.ts';
import { describeSqlDatabaseContract } from './sql-database.contract.ts';
import { describeUserRepositoryContract } from './user-repository.contract.ts';
import { describeMfaRepositoryContract } from './mfa-repository.contract.ts';
import { describeTotpReplayGuardContract } from './totp-replay-guard.contract.ts';
import { describeWebAuthnChallengeStoreContract } from './webauthn-challenge-store.contract.ts';
import { describePendingLoginStoreContract } from './pending-login-store.contract.ts';
import { eventually, type MakeAdapter, type StoreDown } from './support.ts';

// The file's own schema on the real server, so test files run in parallel; every schema this
// file creates is dropped at the end. Small pools: other files share the server's connections.
// The store-down cases reach the same schema through a TCP proxy they cut (`viaProxy`, 3 more
// connections: a pool of 2 and a LISTEN).
const schema = uniqueName('contract');
const schemas = [schema];
const open = (name: string) => createPostgresDatabase({ url: testDatabaseUrl, schema: name, poolSize: 4 });

let db: SqlDatabase;
let proxy: TcpProxy;
let viaProxy: SqlDatabase;
beforeAll(async () => {
  db = await open(schema);
  await migrate(db);
  const server = new URL(testDatabaseUrl);
  proxy = await startTcpProxy({ targetPort: Number(server.port || 5432), targetHost: server.hostname });
  server.port = String(proxy.port);
  viaProxy = await createPostgresDatabase({ url: server.href, schema, poolSize: 2, queryTimeoutMs: 1000, connectTimeoutMs: 1000 });
});
afterAll(async () => {
  proxy?.resume();
  await viaProxy?.close();
  await proxy?.close();
  await db?.close();
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  for (const name of schemas) await admin.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await admin.end();
});

const withOutbox =
  <Repo>(repo: (deps: { db: SqlDatabase }) => Repo) =>
  () => ({
    repo: repo({ db }),
    outbox: createSqlOutbox({ db }),
  });
const emptied = (table: string) => async () => void (await db.exec(`DELETE FROM ${table}`));

// queryTimeoutMs (1000) and a margin.
const outage = { cut: () => proxy.pause(), restore: () => proxy.resume(), failsWithinMs: 1500 };
/** Store-down cases: `make` builds the adapter over `viaProxy`, after `before` (emptying a table). */
const overProxy = <Repo>(repo: (deps: { db: SqlDatabase }) => Repo, before = async () => {}): StoreDown<MakeAdapter<Repo>> => ({
  outage,
  make: async () => {
    await before();
    return { repo: repo({ db: viaProxy }), outbox: createSqlOutbox({ db: viaProxy }) };
  },
});

describeSqlDatabaseContract('postgres', () => db, { outage, make: () => viaProxy });

describeUserRepositoryContract('postgres', withOutbox(createSqlUserRepository), overProxy(createSqlUserRepository));

describeAccountTokenRepositoryContract('postgres', withOutbox(createSqlAccountTokenRepository), overProxy(createSqlAccountTokenRepository));

// The mfa module's stores. Concurrency cases run on the pool of 4, so racing statements really run on separate connections.
describeMfaRepositoryContract('postgres', withOutbox(createSqlMfaRepository), overProxy(createSqlMfaRepository));
describeTotpReplayGuardContract('postgres', () => createSqlTotpReplayGuard({ db }), {
  outage,
  make: () => createSqlTotpReplayGuard({ db: viaProxy }),
});
describeWebAuthnChallengeStoreContract('postgres', () => createSqlWebAuthnChallengeStore({ db }), {
  outage,
  make: () => createSqlWebAuthnChallengeStore({ db: viaProxy }),
});

// The auth module's logins waiting for a second step.
describePendingLoginStoreContract('postgres', () => createSqlPendingLoginStore({ db }), {
  outage,
  make: () => createSqlPendingLoginStore({ db: viaProxy }),
});

describeSessionRepositoryContract('postgres', withOutbox(createSqlSessionRepository), overProxy(createSqlSessionRepository));

describeAuditRepositoryContract('postgres', withOutbox(createSqlAuditRepository), overProxy(createSqlAuditRepository));

describeSigningKeyRepositoryContract(
  'postgres',
  async () => {
    await emptied('signing_keys')();
    return withOutbox(createSqlSigningKeyRepository)();
  },
  overProxy(createSqlSigningKeyRepository, emptied('signing_keys')),
);

describeOutboxContract(
  'postgres',
  async () => {
    await emptied('outbox')();
    const outbox = createSqlOutbox({ db });
    return { repo: outbox, outbox };
  },
  overProxy((deps) => createSqlOutbox(deps), emptied('outbox')),
);

describe('Postgres database', () => {
  it('every connection works in the schema, with the statement_timeout it was given', async () => {
    const tuned = await createPostgresDatabase({ url: testDatabaseUrl, schema, poolSize: 2, statementTimeoutMs: 1234 });
    try {
      const rows = await Promise.all(
        [1, 2, 3].map(() => tuned.query(`SELECT current_schema() AS schema, current_setting('statement_timeout') AS timeout`)),
      );
      expect(rows.flat()).toEqual(Array(3).fill({ schema, timeout: '1234ms' }));
      expect(await tuned.query('SELECT count(*) AS n FROM schema_migrations')).toEqual([{ n: migrations.length }]);
    } finally {
      await tuned.close();
    }
  });

  it('migrate() from two databases on one new schema applies each version once', async () => {
    const fresh = uniqueName('migrate');
    schemas.push(fresh);
    // Opened together, so both also race to create the schema.
    const [a, b] = await Promise.all([open(fresh), open(fresh)]);
    try {
      const results = await Promise.all([migrate(a), migrate(b)]);
      const all = migrations.map((m) => m.version);
      expect(results.toSorted((x, y) => x.length - y.length)).toEqual([[], all]);
      const rows = await a.query<{ version: number; times: number }>(
        'SELECT version, count(*)::int AS times FROM schema_migrations GROUP BY version ORDER BY version',
      );
      expect(rows).toEqual(all.map((version) => ({ version, times: 1 })));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a notify committed on one database wakes listen() on another; a rolled-back one does not', async () => {
    const other = uniqueName('contract_other');
    schemas.push(other);
    const [a, b, elsewhere] = await Promise.all([open(schema), open(schema), open(other)]);
    const heard = { b: 0, elsewhere: 0 };
    b.listen('cross', () => heard.b++);
    elsewhere.listen('cross', () => heard.elsewhere++);
    try {
      // A database's own commit waits for its LISTEN, so these prove both listeners are in place.
      await b.transaction(async (tx) => tx.notify('cross'));
      await elsewhere.transaction(async (tx) => tx.notify('cross'));
      await eventually(() => heard.b === 1 && heard.elsewhere === 1);

      await a
        .transaction(async (tx) => {
          tx.notify('cross');
          throw new Error('roll back');
        })
        .catch(() => {});
      await a.transaction(async (tx) => tx.notify('cross'));
      // Notifications arrive in commit order: once the committed one is in, a rolled-back one would be too.
      await eventually(() => heard.b === 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toEqual({ b: 2, elsewhere: 1 });
    } finally {
      await Promise.all([a.close(), b.close(), elsewhere.close()]);
    }
  });
});
