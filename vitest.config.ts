import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { maxTestFilesAtOnce } from './tests/support/connection-budget.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'modules/**/*.test.ts', 'adapters/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // One file per core, bounded, and with it the Postgres connections a run holds
    // (tests/support/connection-budget.ts). Most files spend their time waiting on servers and
    // child processes, so on two cores two files at once take ~10 minutes instead of ~14.
    maxWorkers: Math.min(maxTestFilesAtOnce, availableParallelism()),
    testTimeout: 20_000,
    // A split's set-up starts five processes in three steps, each up to startProcess's 90 s; on a
    // shared 2-core machine under load one step took over 30 s.
    hookTimeout: 180_000,
  },
});
