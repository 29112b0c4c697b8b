import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { maxTestFilesAtOnce } from './tests/support/connection-budget.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'modules/**/*.test.ts', 'adapters/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // Vitest's default (one file per core but one) bounded, and with it the Postgres connections
    // a run holds (tests/support/connection-budget.ts).
    maxWorkers: Math.min(maxTestFilesAtOnce, Math.max(availableParallelism() - 1, 1)),
    testTimeout: 20_000,
    // A split's set-up starts five processes in three steps, each up to startProcess's 90 s; on a
    // shared 2-core machine under load one step took over 30 s.
    hookTimeout: 180_000,
  },
});
