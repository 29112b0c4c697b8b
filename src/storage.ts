import { mkdir } from 'node:fs/promises';
import type { AuditRepository } from '../modules/audit/mod.ts';
import type { SigningKeyRepository } from '../modules/auth/mod.ts';
import type { Outbox } from '../modules/kernel/mod.ts';
import type { SessionRepository } from '../modules/session/mod.ts';
import type { UserRepository } from '../modules/user/mod.ts';
import { createMemoryAuditRepository } from '../adapters/memory/audit-repository.ts';
import { createMemoryOutbox } from '../adapters/memory/outbox.ts';
import { createMemorySessionRepository } from '../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../adapters/memory/signing-key-repository.ts';
import { createMemoryUserRepository } from '../adapters/memory/user-repository.ts';
import { createPgliteDatabase } from '../adapters/pglite/database.ts';
import { createSqlAuditRepository } from '../adapters/sql/audit-repository.ts';
import { migrate } from '../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../adapters/sql/outbox.ts';
import { createSqlSessionRepository } from '../adapters/sql/session-repository.ts';
import { createSqlSigningKeyRepository } from '../adapters/sql/signing-key-repository.ts';
import { createSqlUserRepository } from '../adapters/sql/user-repository.ts';
import type { Config } from '../config/mod.ts';
import type { HealthCheck } from './health.ts';

/** Every repository the modules need, on one store, plus its outbox. */
export interface Storage {
  users: UserRepository;
  sessions: SessionRepository;
  audit: AuditRepository;
  signingKeys: SigningKeyRepository;
  outbox: Outbox;
  check: HealthCheck;
  close(): Promise<void>;
}

export async function createStorage(database: Config['database']): Promise<Storage> {
  if (database.kind === 'memory') {
    const outbox = createMemoryOutbox();
    return {
      users: createMemoryUserRepository({ outbox }),
      sessions: createMemorySessionRepository({ outbox }),
      audit: createMemoryAuditRepository(),
      signingKeys: createMemorySigningKeyRepository(),
      outbox,
      check: async () => {},
      close: async () => {},
    };
  }
  if (database.kind === 'pglite') {
    if (database.dataDir !== 'memory') await mkdir(database.dataDir, { recursive: true });
    const db = await createPgliteDatabase(database.dataDir);
    await migrate(db);
    return {
      users: createSqlUserRepository({ db }),
      sessions: createSqlSessionRepository({ db }),
      audit: createSqlAuditRepository({ db }),
      signingKeys: createSqlSigningKeyRepository({ db }),
      outbox: createSqlOutbox({ db }),
      check: () => db.query('SELECT 1'),
      close: () => db.close(),
    };
  }
  throw new Error('DATABASE_URL: postgres:// is not supported in this release');
}
