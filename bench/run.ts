// `npm run bench`: every figure of issue 11 as a ratio to a baseline measured in the same run, over
// real HTTP with keep-alive (bench/http-load.ts), baseline and subject taking turns in rounds so
// both see the same machine. Prints a table and writes bench-results/results.json.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createArgon2PasswordHasher } from '../adapters/argon2/password-hasher.ts';
import { startProcess } from '../tests/e2e/process.ts';
import { startSplit } from '../tests/e2e/split.ts';
import { spawnOwned } from '../tests/support/children.ts';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../tests/support/services.ts';
import { benchEventBuses } from './event-bus.ts';
import { benchLoginWithTotp, percentiles } from './login-mfa.ts';
import { type LoadOptions, type LoadResult, load, quantile } from './http-load.ts';
import { benchEnv } from './measure.ts';
import { median, startOnce } from './start.ts';

const rounds = 3;
const roundMs = 4000;
const connections = 32; // keep-alive sockets for the throughput rows
const loginConnections = 8; // distinct accounts, one login in flight each
const cores = availableParallelism();

interface Row {
  row: string;
  subject: string;
  baseline: string;
  ratio: number;
  target: string;
  met: boolean | null;
}
const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const ms = (value: number) => `${value.toFixed(value < 1 ? 3 : 2)} ms`;
const summary = (r: LoadResult) => ({
  perSecond: Math.round(r.perSecond),
  p50ms: Number(quantile(r.latencies, 0.5).toFixed(3)),
  p99ms: Number(quantile(r.latencies, 0.99).toFixed(3)),
  requests: r.requests,
  statuses: r.statuses,
});
const rate = (r: LoadResult) => {
  const s = summary(r);
  return `${s.perSecond}/s (p50 ${ms(s.p50ms)}, p99 ${ms(s.p99ms)})`;
};
/** Load results of several rounds as one. */
const merged = (results: LoadResult[]): LoadResult => {
  const statuses: Record<number, number> = {};
  for (const r of results)
    for (const [status, n] of Object.entries(r.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    perSecond: results.reduce((sum, r) => sum + r.perSecond, 0) / results.length,
    latencies: results.flatMap((r) => r.latencies),
    statuses,
  };
};
/** Runs each named load once per round, in turn, alternating the order; returns each merged. */
async function inRounds<K extends string>(loads: Record<K, () => Promise<LoadResult>>, n = rounds): Promise<Record<K, LoadResult>> {
  const names = Object.keys(loads) as K[];
  const results = Object.fromEntries(names.map((name) => [name, []])) as unknown as Record<K, LoadResult[]>;
  for (let round = 0; round < n; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) results[name].push(await loads[name]());
  }
  const out = {} as Record<K, LoadResult>;
  for (const name of names) {
    out[name] = merged(results[name]);
    const bad = Object.keys(out[name].statuses).filter((s) => s !== '200');
    if (bad.length) throw new Error(`${name}: unexpected statuses ${JSON.stringify(out[name].statuses)}`);
  }
  return out;
}
const add = (row: string, subject: string, baseline: string, ratio: number, target: string, meets?: (ratio: number) => boolean) =>
  rows.push({ row, subject, baseline, ratio: Number(ratio.toFixed(3)), target, met: meets ? meets(ratio) : null });

async function json<T>(base: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
type Tokens = { accessToken: string; refreshToken: string };
const password = 'a sturdy passphrase 42';
const signUp = async (base: string, email: string) => {
  await json(base, '/api/auth/register', { email, password });
  return json<Tokens>(base, '/api/auth/login', { email, password });
};

/** A bare Hono JSON route on @hono/node-server, in its own process: the framework's own cost. */
async function startBareHono() {
  const source = `
    import { Hono } from 'hono';
    import { serve } from '@hono/node-server';
    const app = new Hono().get('/', (c) => c.json({ id: 'f3a1', email: 'ada@example.com' }));
    serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(info.port));`;
  const child = spawnOwned(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => createInterface({ input: child.child.stdout! }).once('line', resolve));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.stop(2000) };
}

/** The server's event-loop delay p99 since the previous scrape (prom-client resets it on each scrape). */
async function eventLoopLagP99Ms(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1]) * 1000;
}

const runStarted = performance.now();
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
const schema = uniqueName('bench');
const stores = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, REDIS_URL: testRedisUrl, REDIS_PREFIX: `${schema}:` };
const running: Array<{ stop(): Promise<unknown> }> = [];
try {
  const bare = await startBareHono();
  running.push(bare);
  const monolith = await startProcess('compiled', { ...stores, ...benchEnv });
  running.push(monolith);
  // The same sources under Deno, on the same stores (after Node: the schema exists by then).
  const deno = await startProcess('deno', { ...stores, ...benchEnv });
  running.push(deno);

  // Authenticated read and refresh on Postgres + Redis, against bare Hono and each other.
  const { accessToken } = await signUp(monolith.url, `bench-read-${schema}@example.com`);
  const read = { path: '/api/users/me', headers: { Authorization: `Bearer ${accessToken}` } };
  // One session per connection: a refresh token is used once, and each answer carries the next.
  const refreshTokens: string[] = [];
  for (let i = 0; i < connections; i++)
    refreshTokens.push((await signUp(monolith.url, `bench-refresh-${i}-${schema}@example.com`)).refreshToken);
  const over = (url: string, options: Omit<LoadOptions, 'durationMs' | 'connections'>) => () =>
    load(url, { connections, durationMs: roundMs, ...options });
  const http = await inRounds({
    bare: over(bare.url, { request: () => ({ path: '/' }) }),
    read: over(monolith.url, { request: () => read }),
    deno: over(deno.url, { request: () => read }),
    refresh: over(monolith.url, {
      request: (c) => ({ method: 'POST', path: '/api/auth/refresh', body: JSON.stringify({ refreshToken: refreshTokens[c] }) }),
      onResponse: (c, status, body) => {
        if (status === 200) refreshTokens[c] = (JSON.parse(body) as Tokens).refreshToken;
      },
    }),
  });
  raw.http = {
    connections,
    rounds,
    roundMs,
    bare: summary(http.bare),
    read: summary(http.read),
    refresh: summary(http.refresh),
    deno: summary(http.deno),
  };
  add(
    'authenticated GET ÷ bare Hono (Node, Postgres + Redis, rps)',
    rate(http.read),
    rate(http.bare),
    http.read.perSecond / http.bare.perSecond,
    '≥ 0.15',
    (r) => r >= 0.15,
  );
  add(
    'refresh ÷ authenticated GET (same server, rps)',
    rate(http.refresh),
    rate(http.read),
    http.refresh.perSecond / http.read.perSecond,
    '≥ 0.5',
    (r) => r >= 0.5,
  );

  add(
    'Deno ÷ Node, authenticated GET (sources under Deno vs compiled on Node, rps)',
    rate(http.deno),
    rate(http.read),
    http.deno.perSecond / http.read.perSecond,
    '—',
  );

  // Logins against the argon2id limit: cores ÷ one hash's time, measured here between rounds.
  const hasher = createArgon2PasswordHasher();
  const hashMs: number[] = [];
  const emails = Array.from({ length: loginConnections }, (_, i) => `bench-login-${i}-${schema}@example.com`);
  for (const email of emails) await signUp(monolith.url, email);
  const lags: number[] = [];
  const logins = await inRounds(
    {
      hash: async () => {
        for (let i = 0; i < 20; i++) {
          const started = performance.now();
          await hasher.hash(password);
          hashMs.push(performance.now() - started);
        }
        return { requests: 0, perSecond: 0, latencies: [], statuses: {} };
      },
      login: async () => {
        await eventLoopLagP99Ms(monolith.url);
        const result = await load(monolith.url, {
          connections: loginConnections,
          durationMs: roundMs,
          request: (c) => ({ method: 'POST', path: '/api/auth/login', body: JSON.stringify({ email: emails[c], password }) }),
        });
        lags.push(await eventLoopLagP99Ms(monolith.url));
        return result;
      },
    },
    2,
  );
  const hashP50 = quantile(hashMs, 0.5);
  const limit = (cores * 1000) / hashP50;
  const lag = Math.max(...lags);
  raw.logins = {
    connections: loginConnections,
    cores,
    hashMsP50: hashP50,
    limitPerSecond: limit,
    eventLoopLagP99Ms: lags,
    ...summary(logins.login),
  };
  add(
    `logins ÷ argon2id limit (${loginConnections} accounts; event-loop lag p99 ${ms(lag)}, target < 20 ms)`,
    rate(logins.login),
    `${Math.round(limit)}/s (${cores} cores ÷ ${ms(hashP50)} a hash)`,
    logins.login.perSecond / limit,
    '≥ 0.8, lag p99 < 20 ms',
    (r) => r >= 0.8 && lag < 20,
  );

  // A login with a TOTP second factor (two requests) beside a password-only one, one at a time.
  const secondFactor = await benchLoginWithTotp(monolith.url, { samples: 40, rounds: 2, tag: schema });
  const totpLogin = percentiles(secondFactor.totp);
  const passwordLogin = percentiles(secondFactor.password);
  raw.loginWithTotp = { samples: secondFactor.totp.length, totp: totpLogin, password: passwordLogin };
  add(
    'login with TOTP second factor ÷ password-only login, p50 (sequential)',
    `${ms(totpLogin.p50)} (p99 ${ms(totpLogin.p99)})`,
    `${ms(passwordLogin.p50)} (p99 ${ms(passwordLogin.p99)})`,
    totpLogin.p50 / passwordLogin.p50,
    '—',
  );

  // Split ÷ monolith: sequential authenticated reads, one at a time, both compiled.
  const split = await startSplit(benchEnv, { entry: 'compiled' });
  const stopSplit = { stop: () => split.close() };
  running.push(stopSplit);
  const splitToken = (await signUp(split.processes.gateway.url, `bench-split-${schema}@example.com`)).accessToken;
  const reads = (url: string, token: string, options: Pick<LoadOptions, 'connections' | 'durationMs'>) => () =>
    load(url, { ...options, request: () => ({ path: '/api/users/me', headers: { Authorization: `Bearer ${token}` } }) });
  const sequential = (url: string, token: string) => reads(url, token, { connections: 1, durationMs: 2000 });
  // The monolith's JIT compiled this path in the read row above; the split gets the same reads
  // first, or the row compares a cold split (about twice the CPU per request) with a warm monolith.
  await inRounds({ split: reads(split.processes.gateway.url, splitToken, { connections, durationMs: roundMs }) });
  const placement = await inRounds({
    monolith: sequential(monolith.url, accessToken),
    split: sequential(split.processes.gateway.url, splitToken),
  });
  raw.placement = { monolith: summary(placement.monolith), split: summary(placement.split) };
  const p50 = (r: LoadResult) => quantile(r.latencies, 0.5);
  add(
    'split ÷ monolith, authenticated read p50 (sequential)',
    `${ms(p50(placement.split))} (p99 ${ms(quantile(placement.split.latencies, 0.99))})`,
    `${ms(p50(placement.monolith))} (p99 ${ms(quantile(placement.monolith.latencies, 0.99))})`,
    p50(placement.split) / p50(placement.monolith),
    '≤ 2',
    (r) => r <= 2,
  );
  for (const server of running.splice(0)) await server.stop();

  // Event bus: Redis Streams ÷ memory, in this process.
  const buses = await benchEventBuses(10_000);
  raw.eventBus = buses;
  const bus = (name: string, run: string) => buses.find((b) => b.bus === name && b.run.includes(run))!;
  add(
    'Redis Streams ÷ memory bus, events handled/s (64 publishers)',
    `${bus('redis streams', 'publishers')['handled/s']}/s`,
    `${bus('memory', 'publishers')['handled/s']}/s`,
    bus('redis streams', 'publishers')['handled/s'] / bus('memory', 'publishers')['handled/s'],
    '—',
  );
  add(
    'Redis Streams ÷ memory bus, publish→handle p50 (one at a time)',
    `${ms(bus('redis streams', 'one at a time')['p50 ms'])} (p99 ${ms(bus('redis streams', 'one at a time')['p99 ms'])})`,
    `${ms(bus('memory', 'one at a time')['p50 ms'])} (p99 ${ms(bus('memory', 'one at a time')['p99 ms'])})`,
    bus('redis streams', 'one at a time')['p50 ms'] / bus('memory', 'one at a time')['p50 ms'],
    '—',
  );

  // Embedded default (PGlite, warm data directory) against the memory store: start and idle RSS.
  const scratch = await mkdtemp(join(tmpdir(), 'bench-start-'));
  try {
    const warm = `pglite://${join(scratch, 'warm')}`;
    await startOnce('compiled', warm); // makes the data directory, untimed
    const starts: Record<'embedded' | 'first' | 'memory', Array<Awaited<ReturnType<typeof startOnce>>>> = {
      embedded: [],
      first: [],
      memory: [],
    };
    const urls = { embedded: () => warm, first: () => `pglite://${join(scratch, crypto.randomUUID())}`, memory: () => 'memory' };
    for (let round = 0; round < rounds; round++) {
      const order = ['embedded', 'first', 'memory'] as const;
      for (const store of round % 2 ? [...order].reverse() : order) starts[store].push(await startOnce('compiled', urls[store]()));
    }
    const of = (store: keyof typeof starts, key: 'readyMs' | 'idleMiB' | 'peakMiB') => median(starts[store].map((s) => s[key]));
    raw.start = starts;
    add(
      'embedded default, warm start to ready ÷ memory store',
      `${Math.round(of('embedded', 'readyMs'))} ms`,
      `${Math.round(of('memory', 'readyMs'))} ms`,
      of('embedded', 'readyMs') / of('memory', 'readyMs'),
      'embedded ≤ 1500 ms',
      () => of('embedded', 'readyMs') <= 1500,
    );
    add(
      'embedded default, idle RSS ÷ memory store',
      `${Math.round(of('embedded', 'idleMiB'))} MiB`,
      `${Math.round(of('memory', 'idleMiB'))} MiB`,
      of('embedded', 'idleMiB') / of('memory', 'idleMiB'),
      'embedded ≤ 350 MiB',
      () => of('embedded', 'idleMiB') <= 350,
    );
    add(
      'embedded default, first start (new data directory) to ready ÷ memory store; peak RSS',
      `${Math.round(of('first', 'readyMs'))} ms, peak ${Math.round(of('first', 'peakMiB'))} MiB`,
      `${Math.round(of('memory', 'readyMs'))} ms, peak ${Math.round(of('memory', 'peakMiB'))} MiB`,
      of('first', 'readyMs') / of('memory', 'readyMs'),
      'first ≤ 5000 ms, peak ≤ 600 MiB (item 4)',
      () => of('first', 'readyMs') <= 5000 && of('first', 'peakMiB') <= 600,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
} finally {
  for (const server of running.reverse()) await server.stop();
  await dropTestStores([schema]);
}

const seconds = (performance.now() - runStarted) / 1000;
const machine = `${cores} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`;
console.log(`\nnpm run bench — ${machine}, ${seconds.toFixed(0)} s`);
console.table(rows);
await mkdir('bench-results', { recursive: true });
await writeFile(
  'bench-results/results.json',
  `${JSON.stringify({ at: new Date().toISOString(), machine, seconds, rows, raw }, null, 2)}\n`,
);
console.log('written: bench-results/results.json');
