import { describe } from 'vitest';
import { monolith } from './harness.ts';
import { describeApiScenarios } from './scenarios.ts';

describe('monolith on embedded PGlite', () => describeApiScenarios(monolith({ DATABASE_URL: 'pglite://memory' })));
