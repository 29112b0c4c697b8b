// @ts-check
// `npm run build` (before the template step): dist/ from the sources, one ES module per entry point
// bundled by esbuild, in about a second. Plain JavaScript so that node runs it with nothing but
// `npm ci` done. Packages stay in node_modules (`packages: 'external'`): PGlite's wasm and data
// files, argon2's native binding and the createRequire() resolutions of src/ and adapters/ find
// them from dist/ as from the sources. JSX settings come from tsconfig.json, which esbuild reads.
import { realpathSync } from 'node:fs';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const { engines } = JSON.parse(await readFile('package.json', 'utf8'));

/** @type {import('esbuild').BuildOptions & { outdir: string }} */
export const buildOptions = {
  // Each lands where its source sits: src/main.ts → dist/src/main.js.
  entryPoints: ['src/main.ts', 'src/admin-cli.ts', 'src/keys-cli.ts', 'src/migrate-cli.ts', 'src/template-cli.ts', 'deploy/start-split.ts'],
  outbase: '.',
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  // The oldest release of each Node.js line package.json supports: "^20.19.0 || ^24.11.0" → node20.19.0, node24.11.0.
  target: engines.node.split('||').map((/** @type {string} */ range) => `node${range.trim().replace(/^\^/, '')}`),
  packages: 'external',
  // What the sources import dynamically (the storage and mail adapters) stays a chunk loaded when
  // needed; code the entry points share is one copy.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Stack traces (node --enable-source-maps) and CPU profiles (bench/profile.ts) name the sources.
  sourcemap: 'linked',
  // The maps only name lines of the sources: the image carries no copy of them.
  sourcesContent: false,
  logLevel: 'warning',
};

/** Builds dist/, then removes what an earlier build left there that this one did not write. */
async function main() {
  const { metafile } = await build({ ...buildOptions, metafile: true });
  // Removed after, not before: a server already running from dist/ still finds the chunks it loads
  // later while their content is the same (their names carry its hash). A chunk whose source
  // changed gets a new name and the old one goes: such a server needs a restart to load it.
  const written = new Set(Object.keys(metafile.outputs).map((file) => resolve(file)));
  const entries = await readdir(buildOptions.outdir, { recursive: true, withFileTypes: true });
  const stale = entries.filter((entry) => entry.isFile() && !written.has(resolve(entry.parentPath, entry.name)));
  await Promise.all(stale.map((entry) => rm(join(entry.parentPath, entry.name))));
  const dirs = entries.filter((entry) => entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name));
  for (const dir of dirs.sort((a, b) => b.length - a.length)) await rmdir(dir).catch(keepWhenNotEmpty);
}

/** @param {NodeJS.ErrnoException} error */
function keepWhenNotEmpty(error) {
  if (error.code !== 'ENOTEMPTY') throw error;
}

// Run as a script (even through a symlink), not when a test imports the options.
if (import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '.')).href) await main();
