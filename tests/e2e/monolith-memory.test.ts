import { describe } from 'vitest';
import { monolith } from './harness.ts';
import { describeApiScenarios } from './scenarios.ts';

describe('monolith on in-memory storage', () => describeApiScenarios(monolith({ DATABASE_URL: 'memory' })));
