import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { startProcess } from './process.ts';

/** What a clone holds that the build reads; node_modules is linked, as `npm ci` would have made it. */
const projectFiles = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'modules', 'adapters', 'config', 'deploy'];

// Each case in a copy of the project without dist/, as CI's fresh clone has it: `npm start` there
// must compile before it serves, and the tests never run a dist/ that an earlier run left here.
describe('the compiled server', () => {
  let clone: string;
  const npmRunBuild = () => promisify(execFile)('npm', ['run', 'build'], { cwd: clone, timeout: 120_000 });
  // tsc takes seconds, more on a loaded machine.
  const startTimeoutMs = 150_000;

  beforeAll(async () => {
    clone = await mkdtemp(join(tmpdir(), 'auth-build-'));
    await Promise.all(projectFiles.map((file) => cp(file, join(clone, file), { recursive: true })));
    await symlink(resolve('node_modules'), join(clone, 'node_modules'));
  });
  afterAll(() => rm(clone, { recursive: true, force: true }));

  it('npm start on a fresh clone compiles dist/, then serves readiness, register and login, and the /docs files', async () => {
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const server = await startProcess('npm start', { DATABASE_URL: 'memory' }, { cwd: clone, startTimeoutMs });
    try {
      expect(existsSync(join(clone, 'dist/src/main.js'))).toBe(true);
      expect((await server.request('/health/ready')).status).toBe(200);
      const session = await createClient(server).signedUp();
      expect(session.accessToken).toBeTruthy();
      // Read from swagger-ui-dist in node_modules, found from dist/ as from the sources.
      const script = await server.request('/docs/swagger-ui-bundle.js');
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(100_000);
    } finally {
      await server.stop();
    }
  }, 300_000);

  it('npm start after a source changed compiles again: it never runs a stale dist/', async () => {
    await npmRunBuild();
    await appendFile(join(clone, 'src/main.ts'), "logger.info('changed since the build');\n");
    const server = await startProcess('npm start', { DATABASE_URL: 'memory' }, { cwd: clone, startTimeoutMs });
    try {
      expect(server.output().some((line) => line.includes('"msg":"changed since the build"'))).toBe(true);
    } finally {
      await server.stop();
    }
  }, 300_000);

  // The image runs node on dist/src/main.js itself, so the signal reaches the server.
  it('node dist/src/main.js on embedded data: a first start copies the template the build made, register and login survive a restart, and a SIGTERM stops it with exit 0, its data closed', async () => {
    await npmRunBuild();
    const data = join(clone, '.data');
    const env = { DATABASE_URL: `pglite://${data}/db` };
    const first = await startProcess('compiled', env, { cwd: clone });
    let account: { email: string };
    try {
      // The build made the embedded database's template (or found it made): the first start copies it, no initdb.
      const copied = first.output().find((line) => line.includes('"msg":"new embedded database copied from the template"'));
      expect(copied).toContain('"templateMade":false');
      account = await createClient(first).register();
      process.kill(first.pid, 'SIGTERM');
      expect(await first.exited).toBe(0);
      expect(existsSync(join(data, 'db.lock'))).toBe(false);
    } finally {
      await first.stop();
    }
    const second = await startProcess('compiled', env, { cwd: clone });
    try {
      expect((await createClient(second).login(account.email)).accessToken).toBeTruthy();
    } finally {
      await second.stop();
    }
  }, 300_000);
});
