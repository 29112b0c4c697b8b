import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { createClient } from './client.ts';
import { eventually } from './harness.ts';
import { runUntilExit, startProcess, type ServerProcess } from './process.ts';

const stackTrace = /^\s+at /m;

/** The `msg` of each JSON log line the process wrote. */
const messages = (stderr: string) => stderr.split('\n').flatMap((line) => (line.startsWith('{') ? [String(JSON.parse(line).msg)] : []));

async function failingChecks(target: ServerProcess) {
  const res = await target.request('/health/ready');
  const body = (await res.json()) as { checks: Record<string, Array<{ status: string; output?: string }>> };
  const failing = Object.entries(body.checks).filter(([, [result]]) => result!.status === 'fail');
  return {
    status: res.status,
    failing: Object.fromEntries(failing.map(([name, [result]]) => [name.replace(/:responseTime$/, ''), result!.output])),
  };
}

// A dependency whose address parses but that does not answer: a misconfiguration stops the
// process with one sentence naming the variable; a server that is not up yet is waited for.
describe('a dependency that does not answer at start', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('a database that does not exist stops the process with a message naming DATABASE_URL, its password masked', async () => {
    const url = new URL(testDatabaseUrl);
    url.password = 'hunter2-not-logged';
    url.pathname = `/${uniqueName('missing')}`;
    const { code, stderr } = await runUntilExit('node', { DATABASE_URL: url.href }, 90_000);
    expect(code).toBe(1);
    expect(messages(stderr)).toContain(
      `cannot start: DATABASE_URL (postgres://****@${url.host}${url.pathname}): the server refused: database "${url.pathname.slice(1)}" does not exist (SQLSTATE 3D000)`,
    );
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toMatch(stackTrace);
  }, 120_000);

  it('a pglite:// path that is a file stops the process with a message naming DATABASE_URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auth-file-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'db'), 'not a directory');
    const { code, stderr } = await runUntilExit('node', { DATABASE_URL: `pglite://${dir}/db` }, 90_000);
    expect(code).toBe(1);
    expect(messages(stderr)).toContainEqual(
      expect.stringMatching(`^cannot start: DATABASE_URL \\(pglite://${dir}/db\\): cannot use "${dir}/db" as the data directory: EEXIST`),
    );
    expect(stderr).not.toMatch(stackTrace);
  }, 120_000);

  it('Postgres not answering: the process starts, stays not ready and says why, then serves once it answers', async () => {
    const proxy: TcpProxy = await startTcpProxy({ targetPort: Number(new URL(testDatabaseUrl).port || 5432) });
    cleanups.push(() => proxy.close());
    proxy.pause();
    const url = new URL(testDatabaseUrl);
    url.port = String(proxy.port);
    const schema = uniqueName('unanswered_pg');
    cleanups.push(() => dropTestStores([schema]));
    const server = await startProcess('node', { DATABASE_URL: url.href, DATABASE_SCHEMA: schema }, { until: 'listening' });
    cleanups.push(() => server.stop());

    const waiting = await failingChecks(server);
    expect(waiting.status).toBe(503);
    expect(waiting.failing).toMatchObject({
      'startup:database': 'the database (DATABASE_URL) has not answered yet',
      'startup:signing-key': expect.any(String),
    });
    await eventually(
      async () =>
        expect(server.output().join('\n')).toContain(
          `DATABASE_URL (postgres://****@127.0.0.1:${proxy.port}${url.pathname}) is not answering`,
        ),
      10_000,
      100,
    );
    const api = createClient(server);
    expect((await api.call('POST', '/api/auth/register', { json: { email: api.uniqueEmail(), password: api.password } })).status).toBe(503);

    proxy.resume();
    await eventually(async () => expect(await failingChecks(server)).toEqual({ status: 200, failing: {} }), 30_000, 200);
    const session = await api.signedUp();
    expect((await api.call('GET', '/api/users/me', { token: session.accessToken })).status).toBe(200);
  }, 180_000);

  it('Redis not answering: the process starts, stays not ready and says why, then serves once it answers', async () => {
    const proxy: TcpProxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
    cleanups.push(() => proxy.close());
    proxy.pause();
    const url = new URL(testRedisUrl);
    url.port = String(proxy.port);
    const prefix = uniqueName('unanswered_redis');
    cleanups.push(() => dropTestStores([prefix]));
    const server = await startProcess(
      'node',
      { DATABASE_URL: 'memory', REDIS_URL: url.href, REDIS_PREFIX: `${prefix}:`, EVENT_BUS: 'redis' },
      { until: 'listening' },
    );
    cleanups.push(() => server.stop());

    const waiting = await failingChecks(server);
    expect(waiting.status).toBe(503);
    expect(waiting.failing).toMatchObject({ redis: expect.any(String), 'startup:revocations': expect.any(String) });
    await eventually(
      async () => expect(server.output().join('\n')).toContain(`REDIS_URL (redis://127.0.0.1:${proxy.port}) is not answering`),
      10_000,
      100,
    );

    proxy.resume();
    await eventually(async () => expect(await failingChecks(server)).toEqual({ status: 200, failing: {} }), 30_000, 200);
    const api = createClient(server);
    const session = await api.signedUp();
    expect((await api.call('GET', '/api/users/me', { token: session.accessToken })).status).toBe(200);
  }, 180_000);
});
