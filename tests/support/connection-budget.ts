/**
 * The Postgres connections a test run may hold at once, on a server other engineers' runs share
 * (max_connections is 100 here). A started process holds its pool (testPoolSize), one LISTEN
 * connection and, while it starts, one for migrations: about 3. The heaviest file holds a split
 * (processes on Postgres: auth, user, session, audit, admin, mfa, notification) and one more process:
 * about 18. vitest.config.ts runs at most maxTestFilesAtOnce files at once, so a run stays within
 * 3 × 18 = 54.
 */
export const suiteConnectionBudget = 54;
export const maxTestFilesAtOnce = 3;

/**
 * DATABASE_POOL_SIZE for every system a test starts unless its env says otherwise (the default
 * of 10 is for production). 2, not 1: a query's 1 s timeout counts its wait for a connection.
 */
export const testPoolSize = '2';
