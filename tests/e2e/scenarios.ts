import { accountScenarios } from './account.scenarios.ts';
import { authScenarios } from './auth.scenarios.ts';
import { edgeScenarios } from './edge.scenarios.ts';
import { limitScenarios } from './limits.scenarios.ts';
import type { StartTarget } from './harness.ts';

/** The public API contract (API.md), run against any deployment. */
export function describeApiScenarios(start: StartTarget) {
  authScenarios(start);
  accountScenarios(start);
  edgeScenarios(start);
  limitScenarios(start);
}
