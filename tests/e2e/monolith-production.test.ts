import postgres from 'postgres';
import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { monolith } from './harness.ts';
import { describeApiScenarios } from './scenarios.ts';

// The same scenarios on the production stack: Postgres for users, keys, audit and the outbox;
// Redis for sessions. Each started system gets its own schema and key prefix, dropped at the end.
const names: string[] = [];

function freshStack() {
  const name = uniqueName('e2e');
  names.push(name);
  return { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: name, REDIS_URL: testRedisUrl, REDIS_PREFIX: `${name}:` };
}

afterAll(async () => {
  const sql = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  const redis = new Redis(testRedisUrl);
  for (const name of names) {
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    const keys = await redis.keys(`${name}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await sql.end();
  redis.disconnect();
});

describe('monolith on Postgres and Redis', () => describeApiScenarios(monolith(freshStack)));
