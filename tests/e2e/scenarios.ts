import { describe } from 'vitest';
import { accountScenarios } from './account.scenarios.ts';
import { adminScenarios } from './admin.scenarios.ts';
import { authScenarios } from './auth.scenarios.ts';
import { edgeScenarios } from './edge.scenarios.ts';
import { lifecycleScenarios } from './lifecycle.scenarios.ts';
import { limitScenarios } from './limits.scenarios.ts';
import { mfaScenarios } from './mfa.scenarios.ts';
import type { StartTarget } from './harness.ts';

/**
 * The public API contract (API.md), run against any deployment. Each group in a describe of its
 * own, so each deployment is closed before the next starts: one split at a time holds about 12
 * Postgres connections, three at once held 32.
 */
export function describeApiScenarios(start: StartTarget) {
  authScenarios(start);
  describe('account', () => accountScenarios(start));
  describe('edge', () => edgeScenarios(start));
  describe('admin', () => adminScenarios(start));
  limitScenarios(start);
  mfaScenarios(start);
  describe('account lifecycle', () => lifecycleScenarios(start));
}
