import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../src/data-dir-lock.ts';
import { startProcess, type ServerProcess } from '../e2e/process.ts';
import { expectUnharmed, runFaultSuite, type Fault } from './faults.ts';
import { unlimitedRates, type Request } from './mixed-load.ts';

// The monolith on its embedded default storage (PGlite in a data directory, no Postgres, no
// Redis) as a real process under a steady mixed load, killed mid-load with SIGKILL (no chance to
// close the database or release its lock) and restarted on the same directory and port, then
// stopped with SIGTERM and restarted: what its clients saw, and whether anything committed is gone.
let dir = '';
let server: ServerProcess | undefined;
let port = 0;

const lockFile = () => join(dir, 'db.lock');
const holder = async () => JSON.parse(await readFile(lockFile(), 'utf8')) as { pid: number };
// A refresh whose rotation committed but whose answer a SIGKILL cut off comes back from its client
// after the restart: REFRESH_REUSE_GRACE_SECONDS (README) is what makes that retry get its pair
// instead of revoking the session, and it must span a restart (seconds on a busy machine).
const start = () =>
  startProcess('node', { DATABASE_URL: `pglite://${dir}/db`, PORT: String(port), REFRESH_REUSE_GRACE_SECONDS: '30', ...unlimitedRates });
const request: Request = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init);
const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Logs in an account of its own, whose refresh token is kept aside across the faults. */
async function heldSession(): Promise<string> {
  const account = { email: `held${crypto.randomUUID().slice(0, 8)}@example.com`, password: 'a sturdy passphrase kept aside' };
  expect((await request('/api/auth/register', json(account))).status).toBe(201);
  const login = await request('/api/auth/login', json(account));
  expect(login.status).toBe(200);
  return (await login.json()).refreshToken;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auth-faults-embedded-'));
  server = await start();
  port = server.port;
});
afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('fault suite: the monolith on embedded storage', () => {
  it('answers every request within 2 s, loses nothing committed and revokes no live session through SIGKILLs mid-load and a SIGTERM, restarting on the same data', async () => {
    let held = await heldSession();
    const heldRefused: string[] = [];
    let killedHolder = 0;

    /** After each restart: the new process holds the lock and refuses anyone else; a session from before still refreshes. */
    const survived = (name: string) => async () => {
      expect((await holder()).pid).not.toBe(killedHolder);
      await expect(lockDataDir(lockFile())).rejects.toThrow(DataDirLockedError);
      const res = await request('/api/auth/refresh', json({ refreshToken: held }));
      if (res.status === 200) held = (await res.json()).refreshToken;
      else heldRefused.push(name);
    };
    const crash = (name: string): Fault => ({
      name,
      async inject() {
        killedHolder = (await holder()).pid;
        process.kill(-server!.pid, 'SIGKILL');
        await server!.stop();
        // The killed process could not release its lock: the restart must take the dead holder's over.
        expect((await holder()).pid).toBe(killedHolder);
      },
      outageMs: 0,
      async repair() {
        server = await start();
      },
      losesAnswers: true,
      verify: survived(name),
    });
    const gracefulStop: Fault = {
      name: 'SIGTERM, restart',
      async inject() {
        killedHolder = (await holder()).pid;
        await server!.stop();
        expect(existsSync(lockFile())).toBe(false); // a graceful stop releases it
      },
      outageMs: 0,
      async repair() {
        server = await start();
      },
      verify: survived('SIGTERM, restart'),
    };

    const { report, lost } = await runFaultSuite({
      title: 'monolith, embedded PGlite',
      request,
      faults: [crash('SIGKILL mid-load, restart (1)'), crash('SIGKILL mid-load, restart (2)'), gracefulStop],
      ready: () => [request],
      extra: () => ({ 'held refresh token refused after a restart': heldRefused.length }),
    });
    expectUnharmed(report, lost);
    expect(heldRefused).toEqual([]);
  }, 150_000);
});
