import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStacks } from '../support/services.ts';
import { createClient } from './client.ts';
import { cloneProject, type ProjectClone } from './clone.ts';
import { startProcess, type StartOptions } from './process.ts';
import { describeApiScenarios } from './scenarios.ts';

// The image runs Node.js 24 while this machine (and every other test) runs 20: both are proven by
// running the compiled server under Node.js 24 from the npm registry (tools/node24, which .ci/run
// installs, so CI never skips this; elsewhere: npm ci --prefix tools/node24).
const node24 = resolve('tools/node24/node_modules/.bin/node');
const installed = existsSync(node24);

describe.runIf(installed || process.env.CI)('the compiled server on Node.js 24', () => {
  let project: ProjectClone;
  const stacks = freshStacks('node24');
  const start = (env: Record<string, string>, options: StartOptions = {}) =>
    startProcess('compiled', env, { cwd: project.dir, node: node24, ...options });

  beforeAll(async () => {
    expect(installed, `${node24} is missing: npm ci --prefix tools/node24`).toBe(true);
    project = await cloneProject();
    await project.build();
  });
  afterAll(async () => {
    await stacks.drop();
    await project?.remove();
  });

  it('starts on the embedded default, serves register and login, and keeps them through a SIGTERM and a restart', async () => {
    const data = await mkdtemp(join(tmpdir(), 'auth-node24-'));
    try {
      const env = { DATABASE_URL: `pglite://${data}/db` };
      const first = await start(env);
      let account: { email: string };
      try {
        const listening = first.output().find((line) => line.includes('"msg":"listening"'))!;
        expect(JSON.parse(listening).runtime).toMatch(/^node v24\./);
        expect((await first.request('/health/ready')).status).toBe(200);
        account = await createClient(first).register();
        process.kill(first.pid, 'SIGTERM');
        expect(await first.exited).toBe(0);
        expect(existsSync(join(data, 'db.lock'))).toBe(false);
      } finally {
        await first.stop();
      }
      const second = await start(env);
      try {
        expect((await createClient(second).login(account.email)).accessToken).toBeTruthy();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  }, 300_000);

  // As every deployment the scenarios run against: the origin their CORS cases send is allowed.
  const scenarioEnv = () => ({ ...stacks.next(), CORS_ORIGINS: 'https://app.example.com' });
  describe('the HTTP scenarios, on Postgres and Redis', () => describeApiScenarios((env) => start({ ...scenarioEnv(), ...env })));
});
