import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTemplate, holdsDatabase, pgliteTemplate } from '../../adapters/pglite/template.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { migrate, migrations } from '../../adapters/sql/migrations.ts';
import { loadConfig } from '../../config/mod.ts';
import type { Logger } from '../../src/log.ts';
import { createStartup } from '../../src/startup.ts';
import { createStorage, type Storage } from '../../src/storage.ts';

let scratch = '';
let cache = '';
let template = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'pglite-template-'));
  cache = join(scratch, 'cache');
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Every file below `dir` with a digest of its contents, to see that nothing in it changed. */
async function digest(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const entries = await Promise.all(
    files.map(async (file) => {
      const path = join(file.parentPath, file.name);
      return [
        path.slice(dir.length),
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      ] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** What a process logs, kept to look at. */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** The storage a process opens on `pglite://<dataDir>`, with its SQL database. */
async function openStorage(dataDir: string, templateCache: string, logger: Logger): Promise<{ storage: Storage; db: SqlDatabase }> {
  const config = loadConfig({ DATABASE_URL: `pglite://${dataDir}`, PGLITE_TEMPLATE_CACHE: templateCache });
  const storage = await createStorage(config, { startup: createStartup({ logger, checks: {} }), logger });
  const db = storage.pick<SqlDatabase | null>({ memory: () => null, sql: ({ db }) => db })!;
  return { storage, db };
}

describe('the embedded database template', () => {
  it('pgliteTemplate(): of processes racing on an empty cache exactly one makes the template, and all get it', async () => {
    const [first, second] = await Promise.all([pgliteTemplate(cache), pgliteTemplate(cache)]);
    expect(first!.dir).toBe(second!.dir);
    expect([first!.made, second!.made].sort()).toEqual([false, true]);
    expect(holdsDatabase(first!.dir)).toBe(true);
    expect(await readdir(cache)).toEqual([first!.dir.slice(cache.length + 1)]); // the loser's attempt is gone
    expect(await pgliteTemplate(cache)).toEqual({ dir: first!.dir, made: false });
    template = first!.dir;
  }, 120_000);

  it('each new data directory is a copy of the template: migrated, its own, and the template unchanged', async () => {
    const before = await digest(template);
    const { logger, lines } = recordingLogger();
    const a = await openStorage(join(scratch, 'a'), cache, logger);
    const b = await openStorage(join(scratch, 'b'), cache, logger);
    try {
      expect(lines.filter((line) => line.msg === 'new embedded database copied from the template')).toHaveLength(2);
      for (const { db } of [a, b]) expect(await migrate(db)).toEqual([]); // migrated at start
      await a.db.exec(`INSERT INTO outbox (id, event) VALUES ('${crypto.randomUUID()}', '{}')`);
      expect(await a.db.query('SELECT id FROM outbox')).toHaveLength(1);
      expect(await b.db.query('SELECT id FROM outbox')).toEqual([]);
    } finally {
      await Promise.all([a.storage.close(), b.storage.close()]);
    }
    expect(await digest(template)).toEqual(before);
  }, 120_000);

  it('a directory left half-copied by a crash (no PG_VERSION yet) is copied again and opens', async () => {
    const dataDir = join(scratch, 'half');
    await copyTemplate(template, dataDir);
    await unlink(join(dataDir, 'PG_VERSION'));
    await truncate(join(dataDir, 'global', 'pg_control'), 100);
    const { logger } = recordingLogger();
    const { storage, db } = await openStorage(dataDir, cache, logger);
    try {
      expect(await db.query<{ count: number }>('SELECT count(*)::int AS count FROM schema_migrations')).toEqual([
        { count: migrations.length },
      ]);
    } finally {
      await storage.close();
    }
  }, 120_000);

  it('with no usable cache a new directory still opens, by initdb in it, and the process says why', async () => {
    const notADirectory = join(scratch, 'a-file');
    await writeFile(notADirectory, '');
    const { logger, lines } = recordingLogger();
    const { storage, db } = await openStorage(join(scratch, 'uncached'), notADirectory, logger);
    try {
      expect(await migrate(db)).toEqual([]);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'warn', msg: 'no template for the new embedded database; running initdb in it' }),
      );
    } finally {
      await storage.close();
    }
  }, 120_000);
});
