import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from './harness.ts';
import { runUntilExit, startProcess, type RuntimeName } from './process.ts';

/** Every line of `stderr`, each of which must be one JSON object. */
const entries = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// What operators and log shippers parse: one JSON object per line on stderr. The logger writes
// asynchronously, so each way out of the process must still write every line logged before it.
describe('log output', () => {
  it('one JSON line per entry on stderr: level by name, ISO time, service, msg, the active trace, errors as name, message and stack', async () => {
    // Logs, then exits at once, as a fatal error does: nothing may be left in the buffer.
    const script = `
      import { context, trace } from '@opentelemetry/api';
      import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
      import { createLogger } from './src/log.ts';
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      const log = createLogger({ level: 'info', service: 'probe' });
      log.debug('below the level');
      log.info('plain');
      log.warn('failed', { error: new TypeError('boom'), attempt: 2 });
      const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
      context.with(trace.setSpan(context.active(), span), () => log.error('in a span'));
      createLogger({ level: 'silent', service: 'quiet' }).error('never written');
      process.exit(3);
    `;
    const { code, stderr } = await promisify(execFile)('node', ['--import', 'tsx', '--input-type=module', '--eval', script], {
      timeout: 30_000,
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(code).toBe(3);
    const lines = entries(stderr);
    for (const line of lines) expect(line.time).toMatch(isoTime);
    expect(lines.map(({ time: _, ...rest }) => rest)).toEqual([
      { level: 'info', service: 'probe', msg: 'plain' },
      {
        level: 'warn',
        service: 'probe',
        msg: 'failed',
        error: { name: 'TypeError', message: 'boom', stack: expect.stringMatching(/^TypeError: boom\n\s+at /) },
        attempt: 2,
      },
      { level: 'error', service: 'probe', msg: 'in a span', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' },
    ]);
  });

  describe.each<RuntimeName>(['node', 'deno'])('of the %s entry point', (runtime) => {
    const dirs: string[] = [];
    afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

    it('a start it refuses still writes every line it logged before exiting', async () => {
      const dir = await mkdtemp(join(tmpdir(), `auth-log-${runtime}-`));
      dirs.push(dir);
      await writeFile(join(dir, 'db'), 'not a directory');
      const { code, stderr } = await runUntilExit(runtime, { DATABASE_URL: `pglite://${dir}/db` }, 90_000);
      expect(code).toBe(1);
      const lines = entries(stderr);
      expect(lines.map((line) => [line.level, line.service, String(line.msg).split(':')[0]])).toEqual([
        ['info', 'monolith', 'config'],
        ['error', 'monolith', 'cannot start'],
      ]);
      for (const line of lines) expect(line.time).toMatch(isoTime);
    }, 120_000);

    it('a stop still writes its last line before exiting', async () => {
      const server = await startProcess(runtime, { DATABASE_URL: 'memory' });
      expect((await server.request('/openapi.json')).status).toBe(200);
      await server.stop();
      expect(await server.exited).toBe(0);
      // The process has exited; its last lines may still be on their way through the pipe.
      await eventually(async () => expect(server.output().map((line) => JSON.parse(line).msg)).toContain('shutting down'), 5_000, 50);
      expect(server.output().map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({ level: 'info', msg: 'request', route: '/openapi.json', status: 200 }),
      );
    }, 120_000);
  });
});
