// `node_modules/.bin/tsx bench/placement.ts`: latency of an authenticated GET /api/users/me over
// real HTTP, monolith vs five-process split, both on Postgres + Redis, in the same run.
import { createClient } from '../tests/e2e/client.ts';
import type { Target } from '../tests/e2e/harness.ts';
import { startProcess } from '../tests/e2e/process.ts';
import { startSplit } from '../tests/e2e/split.ts';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../tests/support/services.ts';
import { benchEnv } from './measure.ts';

async function readsOverHttp(name: string, target: Target & { close(): Promise<void> }, n = 2000) {
  const api = createClient(target);
  const { accessToken } = await api.signedUp();
  const headers = { Authorization: `Bearer ${accessToken}` };
  for (let i = 0; i < 200; i++) await (await target.request('/api/users/me', { headers })).arrayBuffer();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await target.request('/api/users/me', { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.floor(q * (samples.length - 1))]!.toFixed(2);
  await target.close();
  return { placement: name, n, p50ms: at(0.5), p90ms: at(0.9), p99ms: at(0.99) };
}

const schema = uniqueName('bench');
const monolith = await startProcess('node', {
  DATABASE_URL: testDatabaseUrl,
  DATABASE_SCHEMA: schema,
  REDIS_URL: testRedisUrl,
  REDIS_PREFIX: `${schema}:`,
  ...benchEnv,
});
const results = [
  await readsOverHttp('monolith (1 process)', monolith),
  await readsOverHttp('split (5 processes)', await startSplit(benchEnv)),
];
console.table(results);
await dropTestStores([schema]); // the split cleans up after itself
