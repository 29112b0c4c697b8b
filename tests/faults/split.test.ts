import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSplit, type SplitDeployment } from '../e2e/split.ts';
import { unlimitedRates } from './mixed-load.ts';
import { expectUnharmed, runFaultSuite, type Fault } from './faults.ts';
import { postgresStop, redisCrash, redisStall, startBreakableStores, type BreakableStores } from './stores.ts';

// The split deployment (gateway, auth, user, session, audit, admin; Redis Streams bus) under a steady
// mixed load, on stores this test breaks (see stores.ts). Each process is SIGKILLed in turn, as a
// crash or an OOM kill would end it, and started again on its port, as an orchestrator would.
let stores: BreakableStores;
let deployment: SplitDeployment;

beforeAll(async () => {
  stores = await startBreakableStores();
  deployment = await startSplit({
    ...stores.env,
    ...unlimitedRates,
    // A process killed between a rotation and its answer loses the answer; this window is what
    // lets the client's retry get the same pair instead of revoking the session (README, "Refresh tokens").
    REFRESH_REUSE_GRACE_SECONDS: '30',
  });
});
afterAll(async () => {
  await deployment?.close();
  await stores?.close();
});

const crash = (service: keyof SplitDeployment['processes']): Fault => ({
  name: `${service} SIGKILL, restart after 1 s`,
  inject: () => deployment.processes[service].kill(),
  outageMs: 1000,
  repair: () => deployment.restart(service),
  losesAnswers: true,
});

describe('fault suite: the split deployment', () => {
  it('answers every request within 2 s, loses no event and revokes no live session through crashed processes, Redis stalls and crashes, and a Postgres stop', async () => {
    const { report, lost } = await runFaultSuite({
      title: 'split, Postgres + Redis',
      // Follows the gateway process, restarted or not.
      request: deployment.request,
      faults: [
        crash('auth'),
        crash('user'),
        crash('session'),
        crash('audit'),
        crash('gateway'),
        redisStall(stores),
        redisCrash(stores),
        postgresStop(stores),
      ],
      ready: () => Object.values(deployment.processes).map((process) => process.request),
      // An event delivered to the audit process just before its SIGKILL waits, unacknowledged,
      // until another consumer takes it over: after 30 s idle (the Redis Streams bus's claimIdleMs).
      eventsWithinMs: 35_000,
    });
    expectUnharmed(report, lost);
  }, 150_000);
});
