import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { cloneProject, type ProjectClone } from './clone.ts';
import { startProcess } from './process.ts';

// Each case in a copy of the project without dist/, as CI's fresh clone has it: `npm start` there
// must compile before it serves, and the tests never run a dist/ that an earlier run left here.
describe('the compiled server', () => {
  let project: ProjectClone;
  let clone: string;
  const npmRunBuild = () => project.build();
  // npm start builds first: a second or two, far more on a loaded machine.
  const startTimeoutMs = 150_000;

  beforeAll(async () => {
    project = await cloneProject();
    clone = project.dir;
  });
  afterAll(() => project?.remove());

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

  // A rolling deploy: the supervisor sends SIGTERM while clients keep sending on their kept-alive
  // connections, as they do until the load balancer has taken the process out: here, until an
  // answer says `Connection: close` (go elsewhere) or nothing is listening. A request either
  // reaches the server and is answered in full, or finds nothing listening (a refusal every client
  // and balancer retries elsewhere); a request cut off mid-way is the failure this rules out.
  // Each client keeps to one connection: a new one opened while the server closes its listener
  // may be completed by the kernel just before, and is then reset whatever the server does.
  it('a SIGTERM to node dist/src/main.js under load: no request fails, those in flight are answered, and it exits 0 with its data closed', async () => {
    await npmRunBuild();
    const data = join(clone, '.data-drain');
    const server = await startProcess(
      'compiled',
      {
        DATABASE_URL: `pglite://${data}/db`,
        RATE_LIMIT_API_PER_MINUTE: '1000000',
        RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
        SHUTDOWN_GRACE_MS: '8000',
      },
      { cwd: clone },
    );
    const agents: Agent[] = [];
    try {
      const api = createClient(server);
      const reader = await api.signedUp();
      const accounts = await Promise.all([1, 2, 3, 4].map(() => api.register()));
      type Outcome = { sentAt: number; settledAt: number; result: number | string; goElsewhere: boolean };
      const outcomes: Outcome[] = [];
      let signalledAt = Number.POSITIVE_INFINITY;
      let running = true;
      type Sent = { method: string; path: string; headers: Record<string, string>; body?: string };
      const send = (agent: Agent, { body, ...options }: Sent) =>
        new Promise<Outcome>((resolve) => {
          const sentAt = performance.now();
          let outcome: Outcome | undefined;
          const settle = (result: number | string, goElsewhere: boolean) => {
            if (outcome) return; // once: a response cut off mid-way errs after its head came
            outcome = { sentAt, settledAt: performance.now(), result, goElsewhere };
            outcomes.push(outcome);
            resolve(outcome);
          };
          const failed = (error: NodeJS.ErrnoException) => settle(error.code ?? String(error), error.code === 'ECONNREFUSED');
          httpRequest({ ...options, agent, host: '127.0.0.1', port: server.port }, (res) => {
            res.on('error', failed).resume();
            res.on('end', () => settle(res.statusCode!, res.headers.connection === 'close'));
          })
            .on('error', failed)
            .end(body);
        });
      // Logins hash for tens of milliseconds (one account per client: an account is checked once at
      // a time); authenticated reads are quick. Each client sends until it is told to go elsewhere.
      const clients: Sent[] = [
        ...accounts.map(({ email, password }) => ({
          method: 'POST',
          path: '/api/auth/login',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password }),
        })),
        ...Array.from({ length: 8 }, () => ({
          method: 'GET',
          path: '/api/users/me',
          headers: { Authorization: `Bearer ${reader.accessToken}` },
        })),
      ];
      let answeredOnce = 0;
      const sending = clients.map(async (request) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        agents.push(agent);
        for (let sent = 0; running; sent++) {
          const { goElsewhere } = await send(agent, request);
          if (sent === 0) answeredOnce++;
          if (goElsewhere) return;
        }
      });
      // Every client's connection taken by the server before the signal: the load opens a burst of
      // them, which a loaded server takes from its listen queue one per turn of its event loop.
      await expect.poll(() => answeredOnce, { timeout: 60_000 }).toBe(clients.length);
      await new Promise((resolve) => setTimeout(resolve, 500));
      signalledAt = performance.now();
      process.kill(server.pid, 'SIGTERM');
      const code = await server.exited;
      running = false;
      await Promise.all(sending);

      expect(code).toBe(0);
      expect(existsSync(join(data, 'db.lock'))).toBe(false);
      const failed = outcomes.filter(({ result, sentAt }) => (result === 'ECONNREFUSED' ? sentAt < signalledAt : result !== 200));
      // Said whole (vitest abbreviates nested objects): what failed, and when against the signal.
      const told = ({ result, sentAt, settledAt }: Outcome) =>
        `${result}: sent ${(sentAt - signalledAt).toFixed(0)} ms after the signal, settled ${(settledAt - signalledAt).toFixed(0)} ms after`;
      expect(failed.map(told)).toEqual([]);
      const inFlight = outcomes.filter(({ sentAt, settledAt }) => sentAt < signalledAt && settledAt > signalledAt);
      expect(inFlight.length).toBeGreaterThan(0);
      expect(server.output().some((line) => line.includes('still in flight'))).toBe(false);
    } finally {
      for (const agent of agents) agent.destroy();
      await server.stop();
    }
  }, 300_000);
});
