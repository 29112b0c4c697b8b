// `npm run bench:start [rounds]`: how long the monolith takes from spawn to ready, and its memory
// (resident set once idle, and its peak), compiled (`npm start`, the image) vs on its sources under
// tsx (`npm run dev`), on the memory store and on the embedded default (warm; a first start, which
// copies the template `npm run build` made; and a first start with no template yet, which makes it).
// The two entry points take turns, so both see the same machine.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startProcess } from '../tests/e2e/process.ts';

const entries = { compiled: 'compiled', tsx: 'node' } as const;
export type Entry = keyof typeof entries;

/** A /proc/<pid>/status field in MiB. */
const mib = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** `pid` and every process below it (the server spawns none today, PGlite included: a change that did would still be counted). */
function tree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    // it exited meanwhile
  }
  return [pid, ...children.flatMap(tree)];
}

/** A field summed over the process tree (a child that exits meanwhile counts 0): the peak is then an upper bound, exact for one process. */
const treeMiB = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  tree(pid).reduce((sum, each) => {
    try {
      return sum + mib(each, field);
    } catch {
      return sum;
    }
  }, 0);

/** One start of the monolith on `databaseUrl`: milliseconds to ready, then its memory after a second idle. */
export async function startOnce(entry: Entry, databaseUrl: string, env: Record<string, string> = {}) {
  const spawned = performance.now();
  const server = await startProcess(entries[entry], { ...env, DATABASE_URL: databaseUrl });
  const readyMs = performance.now() - spawned;
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a second idle: what it holds while it waits for requests
    return { readyMs, idleMiB: treeMiB(server.pid, 'VmRSS'), peakMiB: treeMiB(server.pid, 'VmHWM') };
  } finally {
    await server.stop();
  }
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

/** Run as a script (not imported by bench/run.ts). */
if (import.meta.url === pathToFileURL(process.argv[1]!).href) await main(Number(process.argv[2] ?? 5));

async function main(rounds: number) {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const scratch = await mkdtemp(join(tmpdir(), 'bench-start-'));
  const warm = `pglite://${join(scratch, 'warm')}`;
  await startOnce('compiled', warm); // makes the warm database, untimed

  const fresh = () => join(scratch, crypto.randomUUID());
  const stores: Array<{ store: string; url: () => string; env?: () => Record<string, string> }> = [
    { store: 'memory', url: () => 'memory' },
    { store: 'embedded, warm', url: () => warm },
    { store: 'embedded, first start', url: () => `pglite://${fresh()}` },
    { store: 'embedded, first start, no template', url: () => `pglite://${fresh()}`, env: () => ({ PGLITE_TEMPLATE_CACHE: fresh() }) },
  ];
  const rows = [];
  for (const { store, url, env } of stores) {
    const samples: Record<Entry, Array<Awaited<ReturnType<typeof startOnce>>>> = { compiled: [], tsx: [] };
    for (let round = 0; round < rounds; round++) {
      for (const entry of round % 2 ? (['tsx', 'compiled'] as const) : (['compiled', 'tsx'] as const)) {
        samples[entry].push(await startOnce(entry, url(), env?.()));
      }
    }
    for (const entry of Object.keys(entries) as Entry[]) {
      const of = (key: 'readyMs' | 'idleMiB' | 'peakMiB') => samples[entry].map((sample) => sample[key]);
      rows.push({
        store,
        entry,
        'ready ms (median)': Math.round(median(of('readyMs'))),
        'ready ms (min–max)': `${Math.round(Math.min(...of('readyMs')))}–${Math.round(Math.max(...of('readyMs')))}`,
        'idle RSS MiB': Math.round(median(of('idleMiB'))),
        'peak RSS MiB': Math.round(median(of('peakMiB'))),
      });
    }
  }
  console.table(rows);
  await rm(scratch, { recursive: true, force: true });
}
