import postgres from 'postgres';
import { Redis } from 'ioredis';
/** The real servers tests talk to (this machine's PostgreSQL and Redis unless overridden). */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name no other test file uses, for a schema or a key prefix, so files can run in parallel. */
export function uniqueName(label: string): string {
  return `${label}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Drops each named Postgres schema and every Redis key under `<name>:`, as a test leaves them. */
export async function dropTestStores(names: readonly string[]): Promise<void> {
  const sql = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  const redis = new Redis(testRedisUrl);
  try {
    for (const name of names) {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      // SCAN, not KEYS: KEYS walks every key of the shared server in one blocking command.
      for await (const keys of redis.scanStream({ match: `${name}:*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.unlink(...keys);
      }
    }
  } finally {
    await sql.end();
    redis.disconnect();
  }
}

/**
 * The production stack (Postgres and Redis) for deployments started one after another: each
 * `next()` is the variables of a schema and key prefix of its own, and `drop()` removes them all.
 */
export function freshStacks(label: string) {
  const names: string[] = [];
  return {
    next() {
      const name = uniqueName(label);
      names.push(name);
      return { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: name, REDIS_URL: testRedisUrl, REDIS_PREFIX: `${name}:` };
    },
    drop: () => dropTestStores(names),
  };
}
