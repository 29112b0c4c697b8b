import { describe, expect, it } from 'vitest';
import { runningDescendants } from '../support/children.ts';
import { startProcess } from './process.ts';
import { startSplit } from './split.ts';

// A set-up that fails part-way must not leave servers running: on a shared machine they hold
// ports, Postgres connections and CPU long after the test file has ended.
describe('started processes', () => {
  it.each(['session', 'auth'] as const)(
    'a split whose %s service cannot start rejects and leaves none of the processes it started running',
    async (failing) => {
      expect(runningDescendants()).toEqual([]);
      const started = startSplit({}, { serviceEnv: { [failing]: { PORT: 'not-a-port' } } });
      await expect(started).rejects.toThrow(/exited with 1[\s\S]*PORT/);
      expect(runningDescendants()).toEqual([]);
    },
    240_000,
  );

  it('stop() kills a server that does not exit on SIGTERM, and everything it started', async () => {
    const server = await startProcess('node', { DATABASE_URL: 'memory' }, { stopGraceMs: 1000 });
    expect(runningDescendants()).toContain(server.pid);
    process.kill(-server.pid, 'SIGSTOP'); // stopped processes leave SIGTERM pending: it never exits
    await server.stop();
    expect(runningDescendants()).toEqual([]);
  }, 120_000);

  it('a start that times out stops the process before it rejects', async () => {
    await expect(startProcess('node', { DATABASE_URL: 'memory' }, { startTimeoutMs: 1 })).rejects.toThrow(/did not start within 1 ms/);
    expect(runningDescendants()).toEqual([]);
  });
});
