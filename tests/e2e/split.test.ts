import { describe } from 'vitest';
import { describeApiScenarios } from './scenarios.ts';
import { split } from './split.ts';

// The public API contract, unchanged, against six processes: gateway, auth, user, session, audit, mfa.
describe('split deployment (a process per module, Postgres, Redis Streams)', () => describeApiScenarios(split));
