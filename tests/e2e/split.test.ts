import { describe } from 'vitest';
import { describeApiScenarios } from './scenarios.ts';
import { split } from './split.ts';

// The public API contract, unchanged, against six processes: gateway, auth, user, session, audit, admin.
describe('split deployment (six processes, Postgres, Redis Streams)', () => describeApiScenarios(split));
