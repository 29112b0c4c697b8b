import { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services.ts';
import type { StartTarget, Target } from './harness.ts';
import { startProcess, type EntryPoint, type ServerProcess, type StartOptions } from './process.ts';
import { serviceUrlEnv, startWaves, type ModuleName } from '../../config/mod.ts';
import { freePorts } from '../support/redis-server.ts';

export interface SplitDeployment extends Target {
  processes: Record<ModuleName, ServerProcess>;
  /** Starts a stopped process again with the same env on the same port (`request` follows a new gateway). */
  restart(service: ModuleName): Promise<void>;
  /** The environment a service was started with. */
  envOf(service: keyof SplitDeployment['processes']): Record<string, string>;
}

export interface SplitOptions extends StartOptions {
  /** Variables for one service only, on top of the shared `env`. */
  serviceEnv?: Partial<Record<ModuleName, Record<string, string>>>;
  /** How each process runs; default the sources under tsx. */
  entry?: EntryPoint;
}

/**
 * One process per module from the one entry point, each with its own SERVICES, on Postgres (one schema)
 * and Redis (one key prefix, Redis Streams bus), talking over loopback HTTP. If any fails to
 * start, those already started are stopped and the stores dropped before this rejects.
 */
export async function startSplit(env: Record<string, string> = {}, options: SplitOptions = {}): Promise<SplitDeployment> {
  const { serviceEnv = {}, entry = 'node', ...startOptions } = options;
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
  const services = startWaves().flat();
  const ports = await freePorts(services.length);
  const portOf = (service: ModuleName) => String(ports[services.indexOf(service)]);
  const urlOf = (service: ModuleName) => `http://127.0.0.1:${portOf(service)}`;
  // Each service is told where the modules it calls run (config/placement.ts knows which).
  const envs = Object.fromEntries(
    services.map((service) => [
      service,
      {
        ...common,
        SERVICES: service,
        ...serviceUrlEnv([service], urlOf),
        ...serviceEnv[service],
      },
    ]),
  );
  const running: ServerProcess[] = [];
  // One start failing gives up the others at once: their peer will never come, so they would
  // wait out their whole start timeout.
  const giveUp = new AbortController();
  const start = async (service: ModuleName) => {
    try {
      const started = await startProcess(
        entry,
        { PORT: portOf(service), ...envs[service]! },
        { ...startOptions, signal: startOptions.signal ? AbortSignal.any([giveUp.signal, startOptions.signal]) : giveUp.signal },
      );
      running.push(started);
      return started;
    } catch (error) {
      giveUp.abort(error);
      throw error;
    }
  };
  const stopAll = async () => {
    try {
      await Promise.all(running.splice(0).map((p) => p.stop()));
    } finally {
      await dropTestStores([name]);
    }
  };
  const processes = {} as SplitDeployment['processes'];
  try {
    // All at once, on ports chosen beforehand: a service whose peers are not up yet stays not
    // ready and retries (as in production), so no start waits for another's.
    const starting = services.map(start);
    await Promise.allSettled(starting); // every start has settled: those given up have stopped
    for (const [i, started] of (await Promise.all(starting)).entries()) processes[services[i]!] = started;
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    processes,
    clientIp: '127.0.0.1',
    request: (path, init) => processes.gateway.request(path, init),
    envOf: (service) => ({ ...envs[service]! }),
    async restart(service) {
      const restarted = await startProcess(entry, { PORT: portOf(service), ...envs[service]! }, startOptions);
      running.push(restarted);
      processes[service] = restarted;
    },
    close: stopAll,
  };
}

export const split: StartTarget = (env) => startSplit(env);
