import { mkdir } from 'node:fs/promises';
import { messageOf, UnavailableError } from '../modules/kernel/mod.ts';
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
import { SqlError, type SqlDatabase } from '../adapters/sql/database.ts';
import { createDeferredDatabase } from '../adapters/sql/deferred-database.ts';
import { migrate } from '../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../adapters/sql/outbox.ts';
import { createSqlSessionRepository } from '../adapters/sql/session-repository.ts';
import { createSqlSigningKeyRepository } from '../adapters/sql/signing-key-repository.ts';
import { createSqlUserRepository } from '../adapters/sql/user-repository.ts';
import { describeConfig, type Config } from '../config/mod.ts';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.ts';
import type { HealthCheck } from './health.ts';
import { StartupError, type Startup } from './startup.ts';

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
  /** Resolves once the database is open and migrated (Postgres opens in the background). */
  opened: Promise<void>;
  close(): Promise<void>;
}

type Repositories = Omit<Storage, 'outboxes' | 'checks' | 'opened' | 'close'>;

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


/**
 * Opens embedded PostgreSQL in `dataDir`, locked for this process. Every failure here is a
 * misconfiguration or a second process on the same data (no retry helps): StartupError naming
 * DATABASE_URL and what failed.
 */
async function openPglite(dataDir: string, shownUrl: string): Promise<SqlDatabase> {
  if (dataDir === 'memory') {
    const db = await createPgliteDatabase(dataDir);
    await migrate(db);
    return db;
  }
  const cannot = (what: string, error: unknown) => new StartupError(`DATABASE_URL (${shownUrl}): ${what}: ${messageOf(error)}`, { cause: error });
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw cannot(`cannot use "${dataDir}" as the data directory`, error);
  }
  let release: () => Promise<void>;
  try {
    release = await lockDataDir(`${dataDir.replace(/\/+$/, '')}.lock`);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      const { pid, host } = error.holder;
      throw new StartupError(
        `DATABASE_URL (${shownUrl}): the data directory is in use by process ${pid} on ${host} since ${error.holder.startedAt}. ` +
          `Stop that process, or point DATABASE_URL at another directory; if it is gone, delete ${error.lockFile}.`,
      );
    }
    throw cannot('cannot lock the data directory', error);
  }
  try {
    const db = await createPgliteDatabase(dataDir);
    await migrate(db);
    return { ...db, close: () => db.close().finally(release) };
  } catch (error) {
    await release();
    throw cannot(`cannot open the database in "${dataDir}"`, error);
  }
}

/**
 * Opens Postgres with its schema migrated. An unreachable server (UnavailableError) is retried by
 * the caller; anything else is a refusal no retry fixes (the database does not exist, the password
 * is wrong): StartupError naming DATABASE_URL.
 */
async function openPostgres(database: Extract<Config['database'], { kind: 'postgres' }>, shownUrl: string): Promise<SqlDatabase> {
  try {
    await migratePostgres(database);
    return await createPostgresDatabase(database);
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    const what = error instanceof SqlError ? `the server refused: ${error.message} (SQLSTATE ${error.code})` : messageOf(error);
    throw new StartupError(`DATABASE_URL (${shownUrl}): ${what}`, { cause: error });
  }
}

/** Why Postgres is not open yet, for the log: the variable, where it points and the failure. */
function describeUnreachable(shownUrl: string, error: unknown): string {
  const cause = error instanceof UnavailableError && error.cause ? error.cause : error;
  return `DATABASE_URL (${shownUrl}) is not answering: ${messageOf(cause)}`;
}

/**
 * Opens the configured stores and picks each port's adapter; sessions go to `redis` when REDIS_URL
 * is set. Embedded storage opens before this resolves (rejecting with StartupError when it
 * cannot); Postgres opens in the background through `startup`, so a process starts before its
 * database server does, and answers 503 until it is open.
 */
export async function createStorage(config: Pick<Config, 'database' | 'redis' | 'env'>, { redis, startup }: { redis?: Redis; startup: Startup }): Promise<Storage> {
  const checks: Record<string, HealthCheck> = {};
  let repositories: Repositories;
  let close = async () => {};
  let opened = Promise.resolve();
  const shownUrl = String(describeConfig(config).DATABASE_URL);

  if (config.database.kind === 'memory') {
    repositories = memoryRepositories();
  } else {
    let db: SqlDatabase;
    if (config.database.kind === 'pglite') {
      db = await openPglite(config.database.dataDir, shownUrl);
    } else {
      const database = config.database;
      const deferred = createDeferredDatabase();
      opened = startup.run({
        name: 'database',
        pending: 'the database (DATABASE_URL) has not answered yet',
        attempt: async () => deferred.open(await openPostgres(database, shownUrl)),
        describeFailure: (error) => describeUnreachable(shownUrl, error),
      });
      db = deferred;
    }
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
    opened,
    close,
  };
}
