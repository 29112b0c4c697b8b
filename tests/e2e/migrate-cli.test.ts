import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../adapters/sql/migrations.ts';
import { dropTestStores, testDatabaseUrl, uniqueName } from '../support/services.ts';

const run = promisify(execFile);
const schema = uniqueName('migrate_cli');
afterAll(() => dropTestStores([schema]));

/** `npm run migrate` as the migration Job runs it, from its sources rather than dist/, on this file's own schema. */
async function migrate(env: Record<string, string> = {}) {
  const result = await run('node_modules/.bin/tsx', ['src/migrate-cli.ts'], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', ...env },
    timeout: 60_000,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  return { code: 'code' in result ? result.code : 0, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run migrate', () => {
  const latest = migrations.at(-1)!.version;

  it('brings a new schema to the latest version and exits 0; run again, it changes nothing', async () => {
    expect(await migrate()).toEqual({ code: 0, stdout: `The database is at schema version ${latest}, this build's latest.\n`, stderr: '' });
    const sql = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
    try {
      const applied = await sql`SELECT version FROM ${sql(schema)}.schema_migrations ORDER BY version`;
      expect(applied.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
      expect((await migrate()).code).toBe(0);
      expect(await sql`SELECT count(*)::int AS n FROM ${sql(schema)}.schema_migrations`).toEqual([{ n: migrations.length }]);
    } finally {
      await sql.end();
    }
  });

  it('fails, naming DATABASE_URL, when the server refuses the database', async () => {
    const missing = new URL(testDatabaseUrl);
    missing.pathname = `/${uniqueName('no_such_db')}`;
    const { code, stderr } = await migrate({ DATABASE_URL: missing.href });
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL \(.*\): the server refused/);
  });

  it('refuses DATABASE_URL=memory, which has nothing to migrate', async () => {
    const { code, stderr } = await migrate({ DATABASE_URL: 'memory', DATABASE_SCHEMA: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('DATABASE_URL=memory has no schema to migrate');
  });
});
