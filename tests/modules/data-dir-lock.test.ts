import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../src/data-dir-lock.ts';
import { spawnOwned, type OwnedChild } from '../support/children.ts';

let dir = '';
let parent: OwnedChild | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auth-lock-unit-'));
});
afterAll(async () => {
  await parent?.stop(0);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const heldBy = (lockFile: string, pid: number) =>
  writeFile(lockFile, JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString() }));

/** A process that has exited but that its parent (a `sleep`, which never waits) has not collected. */
async function zombie(): Promise<number> {
  parent = spawnOwned('sh', ['-c', 'sleep 60 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const { value: line } = await createInterface({ input: parent.child.stdout! })[Symbol.asyncIterator]().next();
  const pid = Number(line);
  // Its child ends only once the shell has become `sleep`: a shell collects a child that ended
  // before its exec (a loaded machine let `true &` end that early), and then there is no zombie.
  const leader = parent.pid;
  await expect.poll(() => readFile(`/proc/${leader}/comm`, 'utf8'), { timeout: 10_000 }).toBe('sleep\n');
  process.kill(pid, 'SIGKILL');
  await expect.poll(() => readFile(`/proc/${pid}/stat`, 'utf8'), { timeout: 10_000 }).toMatch(/\) Z /);
  return pid;
}

describe('lockDataDir()', () => {
  it('refuses a lock whose holder is running, naming it', async () => {
    const lockFile = join(dir, 'live.lock');
    await heldBy(lockFile, process.ppid);
    // The holder is read first: an await between calling lockDataDir and handling its rejection
    // left that rejection unhandled for a moment (vitest failed the run on it).
    const holder = JSON.parse(await readFile(lockFile, 'utf8'));
    await expect(lockDataDir(lockFile)).rejects.toThrow(new DataDirLockedError(lockFile, holder));
  });

  it('takes over a lock whose holder has died', async () => {
    const lockFile = join(dir, 'dead.lock');
    const gone = spawnOwned('true', [], { stdio: 'ignore' });
    await gone.exited;
    await heldBy(lockFile, gone.pid);
    const release = await lockDataDir(lockFile);
    expect(JSON.parse(await readFile(lockFile, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  // A server killed together with its parent (SIGKILL to a group with a wrapper in it) stays a
  // zombie until init reaps it, seconds later: a restart at once must not be refused by its lock.
  it.runIf(existsSync('/proc/self'))('takes over a lock whose holder has exited but is not reaped yet (a zombie)', async () => {
    const lockFile = join(dir, 'zombie.lock');
    await heldBy(lockFile, await zombie());
    const release = await lockDataDir(lockFile);
    expect(JSON.parse(await readFile(lockFile, 'utf8')).pid).toBe(process.pid);
    await release();
  });
});
