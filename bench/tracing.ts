// `npm run bench:tracing`: the cost of tracing on an authenticated read, off and on in one run.
// "On" is the SDK exactly as OTEL_EXPORTER_OTLP_ENDPOINT starts it (batch processor, OTLP/HTTP),
// exporting to a collector in another process that counts the spans and drops them.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createLogger } from '../src/log.ts';
import { startTelemetry } from '../src/telemetry.ts';
import { benchSystem, expectStatus, jsonPost, measure, type Stats } from './measure.ts';

const sinkSource = `
let spans = 0;
require('node:http').createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(spans));
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    for (const r of JSON.parse(Buffer.concat(chunks)).resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans += s.spans?.length ?? 0;
    res.end('{}');
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
const sink = spawn(process.execPath, ['-e', sinkSource], { stdio: ['ignore', 'pipe', 'inherit'] });
const sinkUrl = `http://127.0.0.1:${await new Promise<string>((resolve) => createInterface({ input: sink.stdout! }).once('line', resolve))}`;
let started = 0;

async function bench(database: string, rounds = 5, n = 5000): Promise<Stats[]> {
  const system = await benchSystem(database);
  const credentials = { email: `bench-${Date.now()}@example.com`, password: 'a sturdy passphrase 42' };
  await expectStatus(system.app.request('/api/auth/register', jsonPost(credentials)), 201);
  const { accessToken } = (await (await expectStatus(system.app.request('/api/auth/login', jsonPost(credentials)), 200)).json()) as {
    accessToken: string;
  };
  const read = () => expectStatus(system.app.request('/api/users/me', { headers: { Authorization: `Bearer ${accessToken}` } }), 200);

  // A request served from memory never leaves the microtask queue; a turn of the event loop after
  // each one lets the exporter send its batches, as it would between requests arriving on sockets.
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  // Alternating rounds, so drift (JIT, GC, the machine) falls on both sides alike.
  const results: Record<'off' | 'on', Stats[]> = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    results.off.push(await measure('off', n, read, 1, turn));
    const tracing = (await startTelemetry({
      otlpEndpoint: sinkUrl,
      service: 'bench',
      logger: createLogger({ level: 'warn', service: 'bench' }),
    }))!;
    results.on.push(await measure('on', n, read, 1, turn));
    started += Math.min(50, n) + n; // measure's warm-up, then the measured requests
    await tracing.shutdown();
  }
  await system.close();
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return (['off', 'on'] as const).map((mode) => ({
    name: `${database}: GET /api/users/me, tracing ${mode} (median of ${rounds} rounds)`,
    n,
    p50: median(results[mode].map((s) => s.p50)),
    p99: median(results[mode].map((s) => s.p99)),
    perSecond: median(results[mode].map((s) => s.perSecond)),
  }));
}

const results = [...(await bench('memory')), ...(await bench('pglite://memory'))];
console.table(results);
// Two spans per read: the request and its UserApi.getById call.
console.log(`spans received by the collector: ${await (await fetch(sinkUrl)).text()} of ${started * 2} started`);
sink.kill();
