import { afterAll, describe } from 'vitest';
import { freshStacks } from '../support/services.ts';
import { monolith } from './harness.ts';
import { describeApiScenarios } from './scenarios.ts';

// The same scenarios on the production stack: Postgres for users, keys, audit and the outbox;
// Redis for sessions. Each started system gets its own schema and key prefix, dropped at the end.
const stacks = freshStacks('e2e');
afterAll(() => stacks.drop());

describe('monolith on Postgres and Redis', () => describeApiScenarios(monolith(stacks.next)));
