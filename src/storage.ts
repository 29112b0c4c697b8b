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
import { createPostgresDatabase } from '../adapters/postgres/database.ts';
import type { Redis } from 'ioredis';
import { createRedisOutbox } from '../adapters/redis/outbox.ts';
import { createRedisSessionRepository } from '../adapters/redis/session-repository.ts';
import { createSqlAuditRepository } from '../adapters/sql/audit-repository.ts';
import type { SqlDatabase } from '../adapters/sql/database.ts';
import { migrate } from '../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../adapters/sql/outbox.ts';
import { createSqlSessionRepository } from '../adapters/sql/session-repository.ts';
import { createSqlSigningKeyRepository } from '../adapters/sql/signing-key-repository.ts';
import { createSqlUserRepository } from '../adapters/sql/user-repository.ts';
import type { Config } from '../config/mod.ts';
import type { HealthCheck } from './health.ts';

/** Every repository the modules need, the outboxes their events wait in, and readiness checks. */
export interface Storage {
  users: UserRepository;
  sessions: SessionRepository;
  audit: AuditRepository;
  signingKeys: SigningKeyRepository;
  /** Where modules that own no state (auth) append their events. */
  outbox: Outbox;
  /** Every outbox a relay must drain: the SQL one, plus Redis's when sessions live there. */
  outboxes: Outbox[];
  checks: Record<string, HealthCheck>;
  close(): Promise<void>;
}

type Repositories = Omit<Storage, 'outboxes' | 'checks' | 'close'>;

function memoryRepositories(): Repositories {
  const outbox = createMemoryOutbox();
  return {
    users: createMemoryUserRepository({ outbox }),
    sessions: createMemorySessionRepository({ outbox }),
    audit: createMemoryAuditRepository(),
    signingKeys: createMemorySigningKeyRepository(),
    outbox,
  };
}

function sqlRepositories(db: SqlDatabase): Repositories {
  return {
    users: createSqlUserRepository({ db }),
    sessions: createSqlSessionRepository({ db }),
    audit: createSqlAuditRepository({ db }),
    signingKeys: createSqlSigningKeyRepository({ db }),
    outbox: createSqlOutbox({ db }),
  };
}

/**
 * Runs pending migrations. On Postgres it uses a connection of its own without the request-path
 * timeouts: waiting for another process's migration lock, or building an index, may take longer
 * than any request should.
 */
async function migratePostgres(database: Extract<Config['database'], { kind: 'postgres' }>): Promise<void> {
  const db = await createPostgresDatabase({ ...database, poolSize: 1, queryTimeoutMs: 10 * 60_000, statementTimeoutMs: undefined });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
}

/** Opens the SQL database with its schema migrated to the latest version. */
async function openSql(database: Exclude<Config['database'], { kind: 'memory' }>): Promise<SqlDatabase> {
  if (database.kind === 'postgres') {
    await migratePostgres(database);
    return createPostgresDatabase(database);
  }
  if (database.dataDir !== 'memory') await mkdir(database.dataDir, { recursive: true });
  const db = await createPgliteDatabase(database.dataDir);
  await migrate(db);
  return db;
}

/** Opens the configured stores and picks each port's adapter; sessions go to `redis` when REDIS_URL is set. */
export async function createStorage(config: Pick<Config, 'database' | 'redis'>, redis?: Redis): Promise<Storage> {
  const checks: Record<string, HealthCheck> = {};
  let repositories: Repositories;
  let close = async () => {};

  if (config.database.kind === 'memory') {
    repositories = memoryRepositories();
  } else {
    const db = await openSql(config.database);
    close = () => db.close();
    repositories = sqlRepositories(db);
    checks.database = () => db.query('SELECT 1');
  }
  const outboxes = [repositories.outbox];

  if (config.redis && redis) {
    const { prefix } = config.redis;
    const sessionOutbox = createRedisOutbox({ redis, prefix });
    repositories.sessions = createRedisSessionRepository({ redis, prefix, outbox: sessionOutbox });
    outboxes.push(sessionOutbox);
  }

  return {
    ...repositories,
    outboxes,
    checks,
    close,
  };
}
