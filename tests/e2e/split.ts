import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import type { StartTarget, Target } from './harness.ts';
import { startProcess, type ServerProcess } from './process.ts';
import { serviceUrlEnv, type CallableModule, type ModuleName } from '../../config/mod.ts';

export interface SplitDeployment extends Target {
  processes: Record<'gateway' | 'auth' | 'user' | 'session' | 'audit', ServerProcess>;
  /** Starts a stopped service again with the same env on the same port. */
  restart(service: 'auth' | 'user' | 'session' | 'audit'): Promise<void>;
  /** The environment a service was started with. */
  envOf(service: keyof SplitDeployment['processes']): Record<string, string>;
}

/**
 * Five processes from the one entry point, each with its own SERVICES, on Postgres (one schema)
 * and Redis (one key prefix, Redis Streams bus), talking over loopback HTTP.
 */
export async function startSplit(env: Record<string, string> = {}): Promise<SplitDeployment> {
  const name = uniqueName('split');
  const common = {
    DATABASE_URL: testDatabaseUrl,
    DATABASE_SCHEMA: name,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `${name}:`,
    EVENT_BUS: 'redis',
    SERVICE_TOKEN_SECRET: 'split-test-secret-0123456789-abcdefghij',
    CORS_ORIGINS: 'https://app.example.com',
    ...env,
  };
  const envs: Record<string, Record<string, string>> = {};
  const urls: Partial<Record<CallableModule, string>> = {};
  // Each service is told where the modules it calls run (config/placement.ts knows which).
  const start = async (service: ModuleName) => {
    envs[service] = { ...common, SERVICES: service, ...serviceUrlEnv([service], (m) => urls[m]!) };
    const started = await startProcess('node', envs[service]!);
    if (service !== 'gateway') urls[service] = started.url;
    return started;
  };
  const [user, session, audit] = await Promise.all([start('user'), start('session'), start('audit')]);
  const auth = await start('auth');
  const gateway = await start('gateway');
  const processes = { gateway, auth, user, session, audit };
  return {
    processes,
    clientIp: '127.0.0.1',
    request: (path, init) => gateway.request(path, init),
    envOf: (service) => ({ ...envs[service]! }),
    async restart(service) {
      processes[service] = await startProcess('node', { ...envs[service]!, PORT: String(processes[service].port) });
    },
    async close() {
      await Promise.all(Object.values(processes).map((p) => p.stop()));
      await dropTestStores([name]);
    },
  };
}

export const split: StartTarget = (env) => startSplit(env);
