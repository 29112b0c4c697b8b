import { afterAll, beforeAll, describe, it } from 'vitest';
import { startProcess, type ServerProcess } from '../e2e/process.ts';
import { dropTestStores, uniqueName } from '../support/services.ts';
import { unlimitedRates } from './mixed-load.ts';
import { expectUnharmed, runFaultSuite } from './faults.ts';
import { postgresStop, redisCrash, redisStall, startBreakableStores, type BreakableStores } from './stores.ts';

// The monolith as a real process under a steady mixed load, on stores this test breaks (see stores.ts).
const name = uniqueName('faults_monolith');
let stores: BreakableStores;
let server: ServerProcess;

beforeAll(async () => {
  stores = await startBreakableStores();
  server = await startProcess('node', {
    ...stores.env,
    DATABASE_SCHEMA: name,
    DATABASE_POOL_SIZE: '4',
    REDIS_PREFIX: `${name}:`,
    ...unlimitedRates,
    // A Redis stopped or killed between running a rotation and replying loses its answer; this
    // window is what lets the client's retry get the same pair instead of revoking the session
    // (README, "Refresh tokens"), as in the other fault suites.
    REFRESH_REUSE_GRACE_SECONDS: '30',
  });
});
afterAll(async () => {
  await server?.stop();
  await stores?.close();
  await dropTestStores([name]);
});

describe('fault suite: the monolith on Postgres + Redis', () => {
  it('answers every request within 2 s, loses no event and revokes no live session through Redis stalls, a Redis crash and a Postgres stop', async () => {
    const { report, lost } = await runFaultSuite({
      title: 'monolith, Postgres + Redis',
      request: server.request,
      faults: [
        redisStall(stores, 'Redis SIGSTOP 1.5 s (1)'),
        redisStall(stores, 'Redis SIGSTOP 1.5 s (2)'),
        redisCrash(stores),
        postgresStop(stores),
      ],
      ready: () => [server.request],
    });
    expectUnharmed(report, lost);
  }, 120_000);
});
