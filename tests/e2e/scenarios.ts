import { describe } from 'vitest';
import { accountScenarios } from './account.scenarios.ts';
import { adminScenarios } from './admin.scenarios.ts';
import { authScenarios } from './auth.scenarios.ts';
import { edgeScenarios } from './edge.scenarios.ts';
import { lifecycleScenarios } from './lifecycle.scenarios.ts';
import { limitScenarios } from './limits.scenarios.ts';
import { mfaScenarios, publicUrl } from './mfa.scenarios.ts';
import { scenarioAdminEnv, shareTarget, type StartTarget } from './harness.ts';

/**
 * The public API contract (API.md), run against any deployment. The groups that need nothing of
 * their own share one deployment (the addresses and links the admin and second-factor groups
 * need, and per-address limits that their requests together stay under); the others each start
 * theirs in a describe of its own, closed before the next starts. So at most two run at once:
 * one split holds about 12 Postgres connections.
 */
export function describeApiScenarios(start: StartTarget) {
  const shared = shareTarget(start, {
    ...scenarioAdminEnv,
    PUBLIC_URL: publicUrl,
    RATE_LIMIT_API_PER_MINUTE: '6000',
    RATE_LIMIT_AUTH_PER_MINUTE: '3000',
  });
  authScenarios(shared);
  describe('account', () => accountScenarios(shared));
  describe('edge', () => edgeScenarios(shared));
  describe('admin', () => adminScenarios(shared));
  limitScenarios(shared);
  mfaScenarios(shared);
  describe('account lifecycle', () => lifecycleScenarios(start));
}
