import { mkdir } from 'node:fs/promises';
import { messageOf, UnavailableError, type Outbox } from '../modules/kernel/mod.ts';
import { createMemoryOutbox, type MemoryOutbox } from '../adapters/memory/outbox.ts';
import type { Redis } from 'ioredis';
import { createRedisOutbox, type RedisOutbox } from '../adapters/redis/outbox.ts';
import { SqlError, type SqlDatabase } from '../adapters/sql/database.ts';
import { createDeferredDatabase } from '../adapters/sql/deferred-database.ts';
import { migrate } from '../adapters/sql/migrations.ts';
import { createSqlOutbox } from '../adapters/sql/outbox.ts';
import { describeConfig, type Config } from '../config/mod.ts';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.ts';
import type { HealthCheck } from './health.ts';
import type { Logger } from './log.ts';
import { StartupError, type Startup } from './startup.ts';

/** The adapters of one port, one per kind of store; a port without a Redis adapter keeps its data in the database. */
export interface AdapterChoice<Adapter> {
  memory(stores: { outbox: MemoryOutbox }): Adapter;
  sql(stores: { db: SqlDatabase }): Adapter;
  redis?(stores: { redis: Redis; prefix: string; outbox: RedisOutbox }): Adapter;
}

/** The stores this process opened (DATABASE_URL, REDIS_URL), their outboxes and readiness checks. */
export interface Storage {
  /**
   * The configured store's adapter of a port: Redis when REDIS_URL is set and the port has one,
   * else the database (PGlite or Postgres), else memory. Each adapter writes its events to its
   * store's outbox, in the same transaction as its state.
   */
  pick<Adapter>(choice: AdapterChoice<Adapter>): Adapter;
  /** Where modules that own no state (auth) append their events. */
  outbox: Outbox;
  /** Every outbox a relay must drain: the database's, plus Redis's once a Redis adapter writes there. */
  outboxes: Outbox[];
  checks: Record<string, HealthCheck>;
  /** Resolves once the database is open and migrated (Postgres opens in the background). */
  opened: Promise<void>;
  close(): Promise<void>;
}

// Each kind of store's adapter is loaded only where it is configured: PGlite and postgres.js are
// large, and a process uses one of them.
const postgresAdapter = () => import('../adapters/postgres/database.ts');
const pgliteAdapter = () => Promise.all([import('../adapters/pglite/database.ts'), import('../adapters/pglite/template.ts')]);

/**
 * Runs pending migrations. On Postgres it uses a connection of its own without the request-path
 * timeouts: waiting for another process's migration lock, or building an index, may take longer
 * than any request should.
 */
async function migratePostgres(database: Extract<Config['database'], { kind: 'postgres' }>): Promise<void> {
  const { createPostgresDatabase } = await postgresAdapter();
  const db = await createPostgresDatabase({ ...database, poolSize: 1, queryTimeoutMs: 10 * 60_000, statementTimeoutMs: undefined });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
}

/**
 * Fills a new data directory from the template (made first when there is none yet), so the
 * process does not run initdb. The template only saves time and memory: when it cannot be had
 * (a read-only cache), PGlite runs initdb in the directory, as it would without one.
 */
async function fillFromTemplate(dataDir: string, templateCache: string | undefined, logger?: Logger): Promise<void> {
  const [, { copyTemplate, defaultTemplateCache, pgliteTemplate }] = await pgliteAdapter();
  let template: Awaited<ReturnType<typeof pgliteTemplate>>;
  try {
    template = await pgliteTemplate(templateCache ?? defaultTemplateCache());
  } catch (error) {
    logger?.warn('no template for the new embedded database; running initdb in it', { templateCache, error: messageOf(error) });
    return;
  }
  await copyTemplate(template.dir, dataDir);
  logger?.info('new embedded database copied from the template', { dataDir, template: template.dir, templateMade: template.made });
}

/**
 * Opens embedded PostgreSQL in `dataDir`, locked for this process; a new directory is copied from
 * the template. Every failure here is a misconfiguration or a second process on the same data (no
 * retry helps): StartupError naming DATABASE_URL and what failed.
 */
async function openPglite(
  { dataDir, templateCache }: Extract<Config['database'], { kind: 'pglite' }>,
  shownUrl: string,
  logger?: Logger,
): Promise<SqlDatabase> {
  const [{ createPgliteDatabase }, { holdsDatabase }] = await pgliteAdapter();
  if (dataDir === 'memory') {
    const db = await createPgliteDatabase(dataDir);
    await migrate(db);
    return db;
  }
  const cannot = (what: string, error: unknown) =>
    new StartupError(`DATABASE_URL (${shownUrl}): ${what}: ${messageOf(error)}`, { cause: error });
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
    if (!holdsDatabase(dataDir)) await fillFromTemplate(dataDir, templateCache, logger);
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
    const { createPostgresDatabase } = await postgresAdapter();
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
export async function createStorage(
  config: Pick<Config, 'database' | 'redis' | 'env'>,
  { redis, startup, logger }: { redis?: Redis; startup: Startup; logger?: Logger },
): Promise<Storage> {
  const checks: Record<string, HealthCheck> = {};
  let close = async () => {};
  let opened = Promise.resolve();
  const shownUrl = String(describeConfig(config).DATABASE_URL);

  let db: SqlDatabase | undefined;
  if (config.database.kind === 'pglite') {
    db = await openPglite(config.database, shownUrl, logger);
  } else if (config.database.kind === 'postgres') {
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
  if (db) {
    const open = db;
    close = () => open.close();
    checks.database = () => open.query('SELECT 1');
  }
  // Each store's adapters write their events to that store's outbox.
  const database: { kind: 'sql'; db: SqlDatabase; outbox: Outbox } | { kind: 'memory'; outbox: MemoryOutbox } = db
    ? { kind: 'sql', db, outbox: createSqlOutbox({ db }) }
    : { kind: 'memory', outbox: createMemoryOutbox() };
  const outboxes = [database.outbox];
  const redisStore = config.redis && redis ? { redis, prefix: config.redis.prefix } : undefined;
  let redisOutbox: RedisOutbox | undefined;

  return {
    pick(choice) {
      if (redisStore && choice.redis) {
        // Made (and drained by a relay) only once an adapter writing events asks for it.
        const outbox = () => {
          if (!redisOutbox) {
            redisOutbox = createRedisOutbox(redisStore);
            outboxes.push(redisOutbox);
          }
          return redisOutbox;
        };
        return choice.redis({
          ...redisStore,
          get outbox() {
            return outbox();
          },
        });
      }
      return database.kind === 'sql' ? choice.sql(database) : choice.memory(database);
    },
    outbox: database.outbox,
    outboxes,
    checks,
    opened,
    close,
  };
}
