import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The directory where a test run records the process groups its workers start, so the run's
 * teardown can find any a worker could not stop (tests/support/global-setup.ts sets it).
 */
export const childRegistryVariable = 'TEST_CHILD_PIDS_DIR';

/** A process a test started, in a process group of its own. */
export interface OwnedChild {
  readonly child: ChildProcess;
  /** The child's pid, which is also its process group's id. */
  readonly pid: number;
  /** Settles with the exit code when the child exits. */
  readonly exited: Promise<number | null>;
  /**
   * SIGTERM to the child, then SIGKILL to its whole group if it has not exited after `graceMs`;
   * resolves once it has exited. Whatever it left running in its group is killed too.
   */
  stop(graceMs: number): Promise<void>;
}

const owned = new Map<number, ChildProcess>();

/** Whether any process of the group `pgid` is still running. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to every process of the group `pgid`; a group that is gone is no error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The pids of every running process descended from `pid` (children, theirs, and so on). */
export function runningDescendants(pid = process.pid): number[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,comm='], { encoding: 'utf8' });
  const rows = table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    // Not this ps, and not a zombie: it has exited, only its parent's wait is missing.
    .filter(([, , stat, command]) => command !== 'ps' && !stat!.startsWith('Z'));
  const found: number[] = [];
  for (let parents = new Set([pid]); parents.size > 0; ) {
    const children = rows.filter(([, ppid]) => parents.has(Number(ppid))).map(([child]) => Number(child));
    found.push(...children);
    parents = new Set(children);
  }
  return found;
}

const registryFile = (pid: number) => {
  const dir = process.env[childRegistryVariable];
  return dir ? join(dir, String(pid)) : null;
};

function forget(pid: number) {
  owned.delete(pid);
  const file = registryFile(pid);
  if (file) rmSync(file, { force: true });
}

/** Kills every group this process started and has not stopped yet; synchronous, for exit paths. */
function killOwnedChildren(): void {
  for (const pid of [...owned.keys()]) {
    killGroup(pid, 'SIGKILL');
    forget(pid);
  }
}

/**
 * Spawns a child leading a process group of its own. A group, because a child may start its own
 * (a shell, a wrapper) and a kill must reach those too. Since the group no longer gets the
 * terminal's Ctrl-C, this worker kills every group it still owns when it exits or is told to stop
 * (see the handlers below), and the run's teardown kills what a SIGKILLed worker left behind.
 */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions): OwnedChild {
  const child = spawn(command, args, { ...options, detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed (e.g. no such command); 'error' says why and there is nothing to kill.
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    return { child, pid: -1, exited: failed, stop: async () => {} };
  }
  dieWithThisProcess();
  owned.set(pid, child);
  const file = registryFile(pid);
  if (file) writeFileSync(file, [command, ...args].join(' '));

  const stop = async (graceMs: number) => {
    if (child.exitCode === null && child.signalCode === null) {
      // The leader only: it stops what it started itself, and a second SIGTERM would mean "die now".
      child.kill('SIGTERM');
      const escalate = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(escalate);
    }
    killGroup(pid, 'SIGKILL');
    forget(pid);
  };
  return { child, pid, exited, stop };
}

let hooked = false;
/**
 * A worker that ends with children still running (a test file whose afterAll never ran, a set-up
 * that timed out while a start was still under way, an interrupted run) takes them with it.
 * Installed on the first spawn, not on import, so a process that only imports this file (the
 * run's global setup) keeps its own signal handling.
 */
function dieWithThisProcess() {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => void killOwnedChildren());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killOwnedChildren();
      process.kill(process.pid, signal); // the default action, now that this listener is gone
    });
  }
}
