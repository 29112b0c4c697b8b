import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import process from 'node:process';

/** Who holds a data directory, as written in its lock file. */
interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

/** The directory is held by a live process (or one this host cannot check). */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: Holder,
  ) {
    super(`in use by process ${holder.pid} on ${holder.host} (since ${holder.startedAt}); lock file ${lockFile}`);
    this.name = 'DataDirLockedError';
  }
}

/** Whether a process with this pid exists, zombies included; true when this host cannot tell. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // exists, owned by another user
    // Deno may not signal without --allow-run; on Linux /proc still tells (read access suffices).
    return existsSync('/proc/self') ? existsSync(`/proc/${pid}`) : true;
  }
}

/**
 * A zombie (Linux `/proc/<pid>/stat` state Z or X) has exited and closed its files; only its
 * parent has not collected it yet. A process killed with its parent (SIGKILL to the group, an OOM
 * kill) stays one until init reaps it, which may take seconds: its lock must not block a restart.
 */
function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state …": the command may hold spaces and ')', so the state follows the last ')'.
    return /^ [ZX]/.test(stat.slice(stat.lastIndexOf(')') + 1));
  } catch {
    return false; // no /proc (not Linux), or gone this instant: exists() decides
  }
}

/** False only when the process is certainly gone: when in doubt the data stays locked. */
function isAlive(pid: number): boolean {
  return exists(pid) && !hasExited(pid);
}

/**
 * A holder that is certainly gone: a dead pid on this host, or this very pid (a container
 * restarted as PID 1 finds its previous life's lock). A holder on another host cannot be checked,
 * so it counts as alive: two hosts sharing one embedded database would lose writes.
 */
function isStale(holder: Holder): boolean {
  if (holder.host !== hostname()) return false;
  return holder.pid === process.pid || !isAlive(holder.pid);
}

async function readHolder(lockFile: string): Promise<Holder | null> {
  try {
    const holder = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? (holder as Holder) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (error instanceof SyntaxError) return null; // half written by a holder that crashed, or is writing it now
    throw error;
  }
}

/**
 * Takes `lockFile` for this process (created with O_EXCL, holding pid, host and start time), so
 * a second process on the same embedded database stops at start instead of silently losing
 * writes (PGlite has no locking of its own). A lock left by a process that died is taken over.
 * Rejects with DataDirLockedError naming the holder. Resolves to the release function.
 */
export async function lockDataDir(lockFile: string): Promise<() => Promise<void>> {
  const mine: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const content = JSON.stringify(mine);
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lockFile, 'wx');
      try {
        await file.writeFile(content);
      } finally {
        await file.close();
      }
      return async () => {
        // Only our own: never remove a lock another process took after a stale takeover.
        if ((await readFile(lockFile, 'utf8').catch(() => '')) === content) await rm(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(lockFile);
    // Unreadable: a holder is writing it this instant; look again before judging.
    if (!holder && attempt < 3) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    if (holder && !isStale(holder)) throw new DataDirLockedError(lockFile, holder);
    if (attempt >= 4) throw new Error(`could not take the lock file ${lockFile}`);
    await rm(lockFile, { force: true });
  }
}
