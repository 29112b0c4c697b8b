import { afterAll, describe } from 'vitest';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
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

afterAll(() => dropTestStores(names));

describe('monolith on Postgres and Redis', () => describeApiScenarios(monolith(freshStack)));
