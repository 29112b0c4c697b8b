/**
 * `npm run migrate` (in the image: `node dist/src/migrate-cli.js`): brings the database the
 * environment points at (DATABASE_URL, DATABASE_SCHEMA) to this build's schema, then exits. Every
 * process that owns state migrates at start too (idempotent, under a lock); this is the same step
 * on its own, for a deployment that migrates before it rolls out (the Kubernetes migration Job),
 * so a migration that fails stops the rollout instead of every new pod's start.
 */
import { messageOf } from '../modules/kernel/mod.ts';
import { loadConfig } from '../config/mod.ts';
import { withStorage } from './command-storage.ts';
import { createLogger } from './log.ts';

async function run(): Promise<number> {
  const config = loadConfig(process.env);
  if (config.database.kind === 'memory') {
    console.error('DATABASE_URL=memory has no schema to migrate: point it at the database the servers use.');
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, service: 'migrate' });
  // Long enough for a database that starts beside the job; the job's own retries do the rest.
  return withStorage(config, { logger, timeoutMs: 60_000 }, async (storage) => {
    const db = storage.pick({ memory: () => undefined, sql: ({ db }) => db })!;
    const [row] = await db.query<{ version: number }>('SELECT max(version) AS version FROM schema_migrations');
    console.log(`The database is at schema version ${row?.version}, this build's latest.`);
    return 0;
  });
}

try {
  process.exitCode = await run();
} catch (error) {
  console.error(messageOf(error));
  process.exitCode = 1;
}
