import { afterAll, beforeAll, describe, it } from 'vitest';
import { startProcess, type ServerProcess } from '../e2e/process.ts';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.ts';
import { dropTestStores, testDatabaseUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { expectLoadUnharmed, startMixedLoad, timeToReady, unlimitedRates } from './mixed-load.ts';

// The monolith as a real process under a steady mixed load, its Redis a server of this test's own
// (stalled with SIGSTOP, killed and restarted; durable, as a Redis holding sessions must be) and its
// Postgres behind a proxy that stops it as the network sees a stop: every connection reset, new
// ones refused, until it starts again.
const name = uniqueName('faults_monolith');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let redis: OwnRedis;
let pg: TcpProxy;
let server: ServerProcess;

beforeAll(async () => {
  redis = await startOwnRedis({ durable: true });
  const pgUrl = new URL(testDatabaseUrl);
  pg = await startTcpProxy({ targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || 5432) });
  pgUrl.host = `127.0.0.1:${pg.port}`;
  server = await startProcess('node', {
    DATABASE_URL: pgUrl.toString(),
    DATABASE_SCHEMA: name,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redis.url,
    REDIS_PREFIX: `${name}:`,
    ...unlimitedRates,
  });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([redis?.stop(), pg?.close()]);
  await dropTestStores([name]);
});

describe('fault suite: the monolith on Postgres + Redis', () => {
  it('answers every request within 2 s, loses no event and revokes no live session through Redis stalls, a Redis crash and a Postgres stop', async () => {
    const request = server.request;
    const load = startMixedLoad({ request });
    const ready: Record<string, number> = {};
    await sleep(1500);
    for (const round of [1, 2]) {
      redis.pause();
      await sleep(1500);
      redis.resume();
      ready[`Redis SIGSTOP 1.5 s (${round})`] = await timeToReady(request);
      await sleep(1000);
    }
    await redis.crash();
    await sleep(1000);
    redis.restart();
    ready['Redis SIGKILL, restart after 1 s'] = await timeToReady(request);
    await sleep(1000);
    pg.pause();
    await sleep(1500);
    pg.resume();
    ready['Postgres stopped 1.5 s'] = await timeToReady(request);
    await sleep(1500);
    await expectLoadUnharmed('monolith, Postgres + Redis', load, request, { 'time to ready (ms)': ready });
  }, 120_000);
});
