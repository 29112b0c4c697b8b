import { expect } from 'vitest';
import { formatReport, missingRegisteredEvents, serverErrors, startMixedLoad, type LoadReport, type Request } from './mixed-load.ts';

/** One fault: what breaks, how long it stays broken, and what ends it. */
export interface Fault {
  name: string;
  inject(): unknown;
  outageMs: number;
  /** Ends the fault; may take time of its own (a restarted process starting up), which counts towards time to ready. */
  repair(): unknown;
  /**
   * Requests in flight when it strikes may be carried out with their answers lost: a process
   * killed, connections reset, or a server stopped between doing a command and replying (Redis
   * replies after its fsync). Only requests that start during a stall must never be done late.
   */
  losesAnswers?: boolean;
  /** Checks once every process is ready again (not counted in time to ready), e.g. that state survived. */
  verify?(): unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `faults` one after another on a system (under load): each is injected, lasts its outage
 * and is repaired, then every process `ready()` lists must answer `/health/ready` with 200 at once
 * before the system gets `settleMs` of calm and the next fault. Returns, per fault, the time from
 * the start of its repair to ready, in ms. Throws if a process is not ready within `withinMs`.
 */
export async function runFaults(
  faults: readonly Fault[],
  {
    ready,
    onAnswersMayBeLost = () => {},
    settleMs = 1000,
    withinMs = 30_000,
  }: { ready: () => Request[]; onAnswersMayBeLost?: () => void; settleMs?: number; withinMs?: number },
) {
  const timeToReady: Record<string, number> = {};
  for (const fault of faults) {
    if (fault.losesAnswers) onAnswersMayBeLost();
    await fault.inject();
    await sleep(fault.outageMs);
    const started = performance.now();
    await fault.repair();
    await untilReady(ready(), started + withinMs, fault.name);
    timeToReady[fault.name] = Math.round(performance.now() - started);
    await fault.verify?.();
    await sleep(settleMs);
  }
  return timeToReady;
}

async function untilReady(processes: Request[], deadline: number, fault: string) {
  const readyStatus = (request: Request) =>
    request('/health/ready', { signal: AbortSignal.timeout(2000) }).then(
      async (res) => {
        await res.body?.cancel();
        return res.status;
      },
      () => 0,
    );
  let statuses: number[] = [];
  while (performance.now() < deadline) {
    statuses = await Promise.all(processes.map(readyStatus));
    if (statuses.every((status) => status === 200)) return;
    await sleep(50);
  }
  throw new Error(`after "${fault}", not every process was ready in time (readiness: ${statuses.join(', ')})`);
}

/**
 * The fault suite: a steady mixed load on `request`, the faults one after another (see runFaults),
 * then every registered account's `user.registered` audit entry looked for. Prints the report and
 * returns what the clients saw and the accounts whose event is missing.
 */
export async function runFaultSuite({
  title,
  request,
  faults,
  ready,
  extra = () => ({}),
  eventsWithinMs,
}: {
  title: string;
  request: Request;
  faults: readonly Fault[];
  ready: () => Request[];
  /** More facts for the printed report, read once the faults are over. */
  extra?: () => Record<string, unknown>;
  /** How long an event may take to arrive once the faults are over (see missingRegisteredEvents). */
  eventsWithinMs?: number;
}) {
  const load = startMixedLoad({ request });
  let timeToReady: Record<string, number>;
  try {
    await sleep(1500);
    timeToReady = await runFaults(faults, { ready, onAnswersMayBeLost: load.answersMayBeLost });
    await sleep(500);
  } finally {
    await load.stop();
  }
  const report = load.report;
  const lost = await missingRegisteredEvents(request, report.registered, eventsWithinMs);
  console.info(formatReport(title, report, { 'events lost': lost.length, ...extra(), 'time to ready (ms)': timeToReady }));
  return { report, lost };
}

/** What the suite promises: no slow answer, no lost event, nothing a client was told failed done anyway, every operation served. */
export function expectUnharmed(report: LoadReport, lostEvents: string[]) {
  expect(report.slow).toEqual([]);
  expect(serverErrors(report)).toEqual([]);
  expect(lostEvents).toEqual([]);
  expect(report.wronglyRevoked).toEqual([]);
  expect(report.happenedAfterFailure).toEqual([]);
  expect(report.wronglyRefused).toEqual([]);
  for (const operation of ['register 201', 'login 200', 'read 200', 'refresh 200', 'logout 204'])
    expect(report.answers[operation]).toBeGreaterThan(0);
}
