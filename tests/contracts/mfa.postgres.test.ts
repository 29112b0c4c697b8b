import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresDatabase } from '../../adapters/postgres/database.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { createSqlMfaRepository } from '../../adapters/sql/mfa-repository.ts';
import { migrate } from '../../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../../adapters/sql/outbox.ts';
import { createSqlTotpReplayGuard } from '../../adapters/sql/totp-replay-guard.ts';
import { createSqlWebAuthnChallengeStore } from '../../adapters/sql/webauthn-challenge-store.ts';
import { testDatabaseUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { describeMfaRepositoryContract } from './mfa-repository.contract.ts';
import { describeTotpReplayGuardContract } from './totp-replay-guard.contract.ts';
import { describeWebAuthnChallengeStoreContract } from './webauthn-challenge-store.contract.ts';

// The file's own schema on the real server, dropped at the end. Concurrency cases run on a pool
// of 4, so racing statements really run on separate connections. The store-down cases reach the
// same schema through a TCP proxy they cut.
const schema = uniqueName('mfa_contract');
let db: SqlDatabase;
let proxy: TcpProxy;
let viaProxy: SqlDatabase;
beforeAll(async () => {
  db = await createPostgresDatabase({ url: testDatabaseUrl, schema, poolSize: 4 });
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
  await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

// queryTimeoutMs (1000) and a margin.
const outage = { cut: () => proxy.pause(), restore: () => proxy.resume(), failsWithinMs: 1500 };

describeMfaRepositoryContract('postgres', () => ({ repo: createSqlMfaRepository({ db }), outbox: createSqlOutbox({ db }) }), {
  outage,
  make: () => ({ repo: createSqlMfaRepository({ db: viaProxy }), outbox: createSqlOutbox({ db: viaProxy }) }),
});
describeTotpReplayGuardContract('postgres', () => createSqlTotpReplayGuard({ db }), {
  outage,
  make: () => createSqlTotpReplayGuard({ db: viaProxy }),
});
describeWebAuthnChallengeStoreContract('postgres', () => createSqlWebAuthnChallengeStore({ db }), {
  outage,
  make: () => createSqlWebAuthnChallengeStore({ db: viaProxy }),
});
