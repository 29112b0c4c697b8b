// `npm run bench:profile -- read|refresh|login [seconds] [--split]`: CPU profiles of the compiled
// monolith (or, with --split, of every process of the split placement) on this machine's Postgres
// and Redis under one of the benchmark's loads: CPU time per request of each process, then for
// each the share of busy time per package and the functions with the most self time. The
// .cpuprofile files are kept in bench-results/ (open them in Chrome DevTools' Performance panel).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { SourceMap, type SourceMapping } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type ServerProcess } from '../tests/e2e/process.ts';
import { startSplit } from '../tests/e2e/split.ts';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../tests/support/services.ts';
import { load } from './http-load.ts';
import { benchEnv } from './measure.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** CPU time (user + system) the process has used, in ms: unlike wall time, not inflated by other work on the machine. */
function cpuMs(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const args = process.argv.slice(2);
const split = args.includes('--split');
const [which = 'read', seconds = '8'] = args.filter((a) => a !== '--split');
if (!['read', 'refresh', 'login'].includes(which)) throw new Error('usage: bench:profile -- read|refresh|login [seconds] [--split]');
const durationMs = Number(seconds) * 1000;
const dir = resolve('bench-results', `profile-${which}${split ? '-split' : ''}`);

/** The source map tools/build.mjs wrote beside each file of dist/, read once; null for other files. */
const sourceMaps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string) {
  if (!sourceMaps.has(url)) {
    const map = `${fileURLToPath(url)}.map`;
    sourceMaps.set(
      url,
      url.includes('/dist/') && !url.includes('/node_modules/') && existsSync(map)
        ? new SourceMap(JSON.parse(readFileSync(map, 'utf8')))
        : null,
    );
  }
  return sourceMaps.get(url)!;
}

/**
 * Where a frame's code was written: in this project, the source file (`modules/auth/service.ts`),
 * line and function name its bundle's map gives (one bundle holds every module, and esbuild renames
 * a function whose name another module uses too: `bearerAuth2`); elsewhere the URL.
 */
function sourceOf({ functionName, url, lineNumber, columnNumber }: ProfileNode['callFrame']) {
  // findEntry() answers {} where the map has nothing; its `name` is missing from @types/node 20, not from Node 20.
  const entry: Partial<SourceMapping & { name: string }> | undefined = url.startsWith('file:')
    ? sourceMapOf(url)?.findEntry(lineNumber, columnNumber)
    : undefined;
  if (entry?.originalSource === undefined || entry.originalLine === undefined)
    return { own: false, file: url, line: lineNumber + 1, name: functionName };
  const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource;
  return {
    own: true,
    file: relative(process.cwd(), resolve(dirname(fileURLToPath(url)), source)),
    line: entry.originalLine + 1,
    // The nearest mapping before a named function's position is its name.
    name: entry.name && functionName.startsWith(entry.name) ? entry.name : functionName,
  };
}

/** Who owns a frame's code: this project's module or adapter directory (or src/ file), a package, or node's own. */
function owner({ own, file }: ReturnType<typeof sourceOf>) {
  if (own) return file.split('/').slice(0, 2).join('/');
  if (!file) return '(native/idle)';
  if (file.startsWith('node:')) return 'node';
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file;
}

function summarise(profile: Profile) {
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { callFrame } = byNode.get(id)!;
    if (callFrame.functionName === '(idle)' || callFrame.functionName === '(program)') continue;
    busy += us;
    const source = sourceOf(callFrame);
    byOwner.set(owner(source), (byOwner.get(owner(source)) ?? 0) + us);
    // This project's functions by source file, a package's by its name.
    const name = `${source.name || '(anonymous)'} ${source.own ? source.file : owner(source)}:${source.line}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, share: `${((us / busy) * 100).toFixed(1)} %`, ms: Math.round(us / 1000) }));
  return { busyMs: Math.round(busy / 1000), owners: top(byOwner, 20), functions: top(byFunction, 40) };
}

execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });
const schema = uniqueName('profile');
const profiled = { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`] };
let processes: Record<string, ServerProcess>;
let stop: () => Promise<unknown>;
if (split) {
  const deployment = await startSplit(benchEnv, { entry: 'compiled', ...profiled });
  processes = deployment.processes;
  stop = () => deployment.close();
} else {
  const env = { ...benchEnv, DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, REDIS_URL: testRedisUrl, REDIS_PREFIX: `${schema}:` };
  const monolith = await startProcess('compiled', env, profiled);
  processes = { monolith };
  stop = async () => {
    await monolith.stop();
    await dropTestStores([schema]);
  };
}
const entry = processes.gateway ?? processes.monolith!;
const cpuPerRequest: Record<string, string> = {};
let requests = 0;
try {
  const password = 'a sturdy passphrase 42';
  const post = async (path: string, body: unknown) => {
    const res = await entry.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.status === 204 ? {} : ((await res.json()) as { accessToken: string; refreshToken: string });
  };
  const accounts = Array.from({ length: which === 'login' ? 8 : 32 }, (_, i) => `profile-${i}-${schema}@example.com`);
  const tokens: Array<{ accessToken: string; refreshToken: string }> = [];
  for (const email of accounts) {
    await post('/api/auth/register', { email, password });
    tokens.push((await post('/api/auth/login', { email, password })) as { accessToken: string; refreshToken: string });
  }
  const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, p]) => [name, cpuMs(p.pid)]));
  const result = await load(entry.url, {
    connections: accounts.length,
    durationMs,
    request: (c) =>
      which === 'read'
        ? { path: '/api/users/me', headers: { Authorization: `Bearer ${tokens[c]!.accessToken}` } }
        : which === 'refresh'
          ? { method: 'POST', path: '/api/auth/refresh', body: JSON.stringify({ refreshToken: tokens[c]!.refreshToken }) }
          : { method: 'POST', path: '/api/auth/login', body: JSON.stringify({ email: accounts[c], password }) },
    onResponse: (c, status, body) => {
      if (which === 'refresh' && status === 200) tokens[c] = JSON.parse(body);
    },
  });
  requests = result.requests;
  for (const [name, p] of Object.entries(processes))
    cpuPerRequest[name] = `${(((cpuMs(p.pid) - cpuBefore[name]!) * 1000) / requests).toFixed(0)} µs`;
  console.log(`${which}: ${Math.round(result.perSecond)}/s, statuses ${JSON.stringify(result.statuses)}`);
} finally {
  await stop(); // each profile is written as its process exits
}
console.log('CPU time (user + system) per request, by process:');
console.table(cpuPerRequest);
const names = new Map(Object.entries(processes).map(([name, p]) => [p.pid, name]));
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
  const pid = Number(file.split('.')[3]);
  const summary = summarise(JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile);
  console.log(`\n${names.get(pid) ?? `pid ${pid}`}: ${summary.busyMs} ms busy (set-up included, and time it waited for a core)`);
  console.table(summary.owners);
  console.table(summary.functions);
  console.log(`profile: ${join(dir, file)}`);
}
