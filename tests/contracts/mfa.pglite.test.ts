import { afterAll, beforeAll } from 'vitest';
import { createPgliteDatabase } from '../../adapters/pglite/database.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { createSqlMfaRepository } from '../../adapters/sql/mfa-repository.ts';
import { migrate } from '../../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../../adapters/sql/outbox.ts';
import { createSqlTotpReplayGuard } from '../../adapters/sql/totp-replay-guard.ts';
import { createSqlWebAuthnChallengeStore } from '../../adapters/sql/webauthn-challenge-store.ts';
import { describeMfaRepositoryContract } from './mfa-repository.contract.ts';
import { describeTotpReplayGuardContract } from './totp-replay-guard.contract.ts';
import { describeWebAuthnChallengeStoreContract } from './webauthn-challenge-store.contract.ts';

// One in-memory PGlite for the file; tests use fresh ids.
let db: SqlDatabase;
beforeAll(async () => {
  db = await createPgliteDatabase('memory');
  await migrate(db);
});
afterAll(async () => db?.close());

const embedded = { noStore: 'embedded PGlite runs in this process, there is no server to lose' };

describeMfaRepositoryContract('pglite', () => ({ repo: createSqlMfaRepository({ db }), outbox: createSqlOutbox({ db }) }), embedded);
describeTotpReplayGuardContract('pglite', () => createSqlTotpReplayGuard({ db }), embedded);
describeWebAuthnChallengeStoreContract('pglite', () => createSqlWebAuthnChallengeStore({ db }), embedded);
