import { describe } from 'vitest';
import { describeApiScenarios } from './scenarios.ts';
import { split } from './split.ts';

// The public API contract, unchanged, against a process per module: gateway, auth, user, session, audit, admin, mfa, notification.
describe('split deployment (a process per module, Postgres, Redis Streams)', () => describeApiScenarios(split));
