import { describe } from 'vitest';
import { describeApiScenarios } from './scenarios.ts';
import { split } from './split.ts';

// The public API contract, unchanged, against five processes: gateway, auth, user, session, audit.
describe('split deployment (five processes, Postgres, Redis Streams)', () => describeApiScenarios(split));
