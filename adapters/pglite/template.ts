import { createHash, randomUUID } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { optimizeWasmLater, pgliteOptions } from './database.ts';

/*
 * A new data directory needs initdb. PGlite runs it inside the process, in a second WebAssembly
 * instance that copies its whole 128 MiB heap to restore it before each of initdb's postgres runs:
 * for a few seconds the process holds three such heaps, and on a directory a tar of the result too.
 * Done once into a template, a first start copies 40 MB of files instead.
 */

/** PGlite's entry file as this module resolves it (one installed copy serves the sources and dist/). */
const pgliteEntry = () => createRequire(import.meta.url).resolve('@electric-sql/pglite');

/**
 * The template's name: PGlite's version, which fixes the data directory's format, and the settings
 * initdb writes into it. A PGlite upgrade or another setting makes a new template, never reuses one.
 */
function templateName(): string {
  const { version } = JSON.parse(readFileSync(join(dirname(pgliteEntry()), '..', 'package.json'), 'utf8')) as { version: string };
  const settings = createHash('sha256').update(JSON.stringify(pgliteOptions.initDbStartParams)).digest('hex').slice(0, 12);
  return `pglite-${version}-${settings}`;
}

/** `.cache/modular-auth` in the node_modules that holds PGlite, where tools keep their caches. */
export function defaultTemplateCache(): string {
  const parts = dirname(pgliteEntry()).split(sep);
  const nodeModules = parts.lastIndexOf('node_modules');
  if (nodeModules < 0) throw new Error(`PGlite is not installed in a node_modules directory (${pgliteEntry()})`);
  return join(parts.slice(0, nodeModules + 1).join(sep), '.cache', 'modular-auth');
}

/** Whether `dir` holds a database: PGlite, like Postgres, takes PG_VERSION for the sign of one. */
export const holdsDatabase = (dir: string) => existsSync(join(dir, 'PG_VERSION'));

/** What the template is made with of the Emscripten file system that PGlite exposes as `Module.FS`. */
interface EmscriptenFs {
  readdir(path: string): string[];
  stat(path: string): { mode: number };
  isDir(mode: number): boolean;
  readFile(path: string): Uint8Array;
}

/**
 * Runs initdb in memory and writes the data directory it made, cleanly shut down, to `dir`. In
 * memory, initdb writes straight into the instance's files, where on a directory PGlite would copy
 * its result through a tar: about 140 MiB less at the peak.
 */
async function initdbInto(dir: string): Promise<void> {
  optimizeWasmLater();
  const pg = await PGlite.create('memory://', pgliteOptions);
  const fs = pg.Module.FS as unknown as EmscriptenFs;
  await pg.close(); // writes the shutdown checkpoint; the files stay readable through `fs`
  // Postgres's own modes (0700 directories, 0600 files), which PGlite's Node file system loses.
  const write = async (from: string, to: string): Promise<void> => {
    await mkdir(to, { mode: fs.stat(from).mode & 0o777 });
    for (const name of fs.readdir(from)) {
      if (name === '.' || name === '..') continue;
      const { mode } = fs.stat(`${from}/${name}`);
      if (fs.isDir(mode)) await write(`${from}/${name}`, join(to, name));
      else await writeFile(join(to, name), fs.readFile(`${from}/${name}`), { mode: mode & 0o777 });
    }
  };
  await write(PGlite.paths.PGDATA, dir);
}

/**
 * The template in `cacheDir` for this PGlite and these settings: a data directory as initdb left
 * it (no schema: migrations run on each copy). Made when missing, which costs what a first start
 * cost without one; made beside and renamed into place, so it is whole or absent, and of processes
 * racing to make it one rename wins and the others use that one. Never opened once made, only copied.
 */
export async function pgliteTemplate(cacheDir: string): Promise<{ dir: string; made: boolean }> {
  const dir = join(cacheDir, templateName());
  if (holdsDatabase(dir)) return { dir, made: false };
  await mkdir(cacheDir, { recursive: true });
  const making = `${dir}.${randomUUID()}`;
  try {
    await initdbInto(making);
    await rename(making, dir);
    return { dir, made: true };
  } catch (error) {
    if (holdsDatabase(dir)) return { dir, made: false }; // another process renamed its template first
    throw error;
  } finally {
    await rm(making, { recursive: true, force: true });
  }
}

/** Copies the files below `from` into `to`, all at once (libuv's threads bound it): a third of fs.cp's time. */
async function copyTree(from: string, to: string, skip: (name: string) => boolean = () => false): Promise<void> {
  await mkdir(to, { recursive: true, mode: (await stat(from)).mode & 0o777 });
  const entries = (await readdir(from, { withFileTypes: true })).filter((entry) => !skip(entry.name));
  await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? copyTree(join(from, entry.name), join(to, entry.name))
        : copyFile(join(from, entry.name), join(to, entry.name), constants.COPYFILE_FICLONE),
    ),
  );
}

/**
 * Fills `dataDir`, which holds no database, with a copy of `template`: its own files, shared with
 * no other directory. PG_VERSION is copied last, so a copy cut short (a crash) leaves a directory
 * that still holds no database, and the next start copies again over it.
 */
export async function copyTemplate(template: string, dataDir: string): Promise<void> {
  await copyTree(template, dataDir, (name) => name === 'PG_VERSION');
  await copyFile(join(template, 'PG_VERSION'), join(dataDir, 'PG_VERSION'));
}
