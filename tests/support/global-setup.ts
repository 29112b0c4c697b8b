import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { childRegistryVariable, groupAlive, killGroup } from './children.ts';
import { suiteConnectionBudget } from './connection-budget.ts';
import { testDatabaseUrl } from './services.ts';

/**
 * Creates TEST_DATABASE_URL's database when it is missing, through the server's `postgres`
 * maintenance database, so the suite runs on a fresh server. Safe when several runs race.
 */
export async function ensureTestDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.href, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (exists) return;
    // Another run may create it between the check and here: 42P04 duplicate_database, or a
    // unique violation on pg_database when both commit at once.
    await sql.unsafe(`CREATE DATABASE "${name.replaceAll('"', '""')}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } catch (error) {
    throw new Error(
      `The test database "${name}" (TEST_DATABASE_URL) is missing and could not be created on ${maintenance.host}: ${String(error)}`,
      { cause: error },
    );
  } finally {
    await sql.end();
  }
}

/** Warns when the server has fewer free connections than the suite may open at once. */
async function checkConnectionHeadroom(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<[{ free: number; max: number }]>`
      SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
               - (SELECT count(*) FROM pg_stat_activity)::int AS free,
             current_setting('max_connections')::int AS max`;
    if (row.free < suiteConnectionBudget) {
      console.warn(
        `Postgres at ${new URL(url).host} has ${row.free} of ${row.max} connections free; this suite may use up to ` +
          `${suiteConnectionBudget} at once (tests/support/connection-budget.ts). Expect "too many clients" if others keep theirs.`,
      );
    }
  } finally {
    await sql.end();
  }
}

/** The processes that workers started and could not stop (a SIGKILLed worker): killed and named. */
function killStragglers(dir: string): string[] {
  const stragglers: string[] = [];
  for (const pid of readdirSync(dir).map(Number)) {
    if (!groupAlive(pid)) continue;
    stragglers.push(`${pid}: ${readFileSync(join(dir, String(pid)), 'utf8')}`);
    killGroup(pid, 'SIGKILL');
  }
  return stragglers;
}

export async function setup() {
  await ensureTestDatabase(testDatabaseUrl);
  await checkConnectionHeadroom(testDatabaseUrl);
  // Workers inherit the environment at fork, after this runs.
  const dir = mkdtempSync(join(tmpdir(), 'modular-auth-children-'));
  process.env[childRegistryVariable] = dir;
  return () => {
    const stragglers = killStragglers(dir);
    rmSync(dir, { recursive: true, force: true });
    if (stragglers.length > 0)
      console.error(`Killed ${stragglers.length} process group(s) the tests left running:\n${stragglers.join('\n')}`);
  };
}
