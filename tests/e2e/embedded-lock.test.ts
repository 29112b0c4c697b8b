import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { runUntilExit, startProcess, type ServerProcess } from './process.ts';

// Two processes on one embedded database would each keep their own view of it, and one's writes
// would be lost: the second must refuse to start, and say who holds the data.
describe('the embedded database directory', () => {
  const running: ServerProcess[] = [];
  let dir = '';
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a second process on the same data stops at start naming the holder, and a crashed holder does not block the next start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'auth-lock-'));
    const env = { DATABASE_URL: `pglite://${dir}/db` };
    const first = await startProcess('node', env);
    running.push(first);
    const api = createClient(first);
    const account = await api.signedUp();

    const second = await runUntilExit('node', env, 90_000);
    expect(second.code).toBe(1);
    const holder = JSON.parse(await readFile(join(dir, 'db.lock'), 'utf8')) as { pid: number };
    expect(second.stderr).toContain(`DATABASE_URL (pglite://${dir}/db): the data directory is in use by process ${holder.pid}`);
    expect(second.stderr).not.toMatch(/^\s+at /m); // a sentence, not a stack trace
    expect((await api.call('GET', '/api/users/me', { token: account.accessToken })).status).toBe(200);

    // A crash (no chance to release the lock) leaves the file behind; the next start takes it over.
    process.kill(holder.pid, 'SIGKILL');
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const third = await startProcess('node', env);
    running.push(third);
    await createClient(third).login(account.email);
  }, 240_000);
});
