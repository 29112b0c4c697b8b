import type { CircuitBreakerPolicy } from 'cockatiel';
import { keepAliveHop, timeoutSignal } from '../adapters/http/hop.ts';
import { breakerState, createBreaker, createHttpPortClient, type RemotePolicy } from '../adapters/http/port-client.ts';
import { createServiceRegistry, type ServiceRegistry } from '../adapters/http/service-registry.ts';
import type { ServiceTokenIssuer } from '../adapters/http/service-token.ts';
import { tracePort, type PortDescriptor } from '../modules/kernel/mod.ts';
import type { CallableModule } from './modules.ts';
import { ports as systemPorts, type PortApis } from './ports.ts';
import { CheckFailed, healthPaths, type HealthCheck } from './health.ts';
import type { Logger } from './log.ts';

/** A module reached over HTTP: its port client, where its instances are, and a readiness check. */
export interface RemoteModule<Api> {
  api: Api;
  registry: ServiceRegistry;
  /** One breaker per module, shared by the port client and the gateway's route proxy. */
  breaker: CircuitBreakerPolicy;
  check: HealthCheck;
}

/**
 * Whether an instance answers its liveness probe within 800 ms. On the calls' kept-alive
 * connections (hop.ts): fetch, with AbortSignal.timeout, cost an idle gateway a tenth of its CPU.
 */
async function isLive(baseUrl: string): Promise<boolean> {
  const timeout = timeoutSignal(800);
  try {
    const res = await keepAliveHop(`${baseUrl}${healthPaths.live}`, { headers: {}, signal: timeout.signal });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  } finally {
    timeout.clear();
  }
}

/** The remote modules of a process, by name; this system's modules' ports typed. */
export type RemoteModules = { [M in CallableModule]?: RemoteModule<PortApis[M]> } & Record<string, RemoteModule<object>>;

/** Port clients for every module this process calls but does not host (`remotes`: their base URLs). */
export function createRemoteModules({
  remotes,
  ports = (module) => systemPorts[module as CallableModule],
  serviceToken,
  policy,
  logger,
}: {
  remotes: Record<string, string[]>;
  /** The port of each module, by name (this system's by default). */
  ports?: (module: string) => PortDescriptor<object>;
  serviceToken: ServiceTokenIssuer;
  policy: RemotePolicy;
  logger: Logger;
}): RemoteModules {
  const modules: Record<string, RemoteModule<object>> = {};
  for (const [module, instances] of Object.entries(remotes)) {
    const port = ports(module);
    const registry = createServiceRegistry({ instances, probe: isLive });
    const breaker = createBreaker(policy);
    breaker.onBreak(() => logger.warn('circuit opened', { module, retryAfterMs: policy.halfOpenAfterMs }));
    breaker.onReset(() => logger.info('circuit closed', { module }));
    const client = createHttpPortClient<object>({
      module,
      spec: port.spec,
      errors: port.errors,
      baseUrl: registry.pick,
      serviceToken,
      breaker,
      policy,
    });
    const api = tracePort<object>(port.name, port.spec, client, { remote: true });
    // Ready when the breaker lets calls through and an instance takes this process's calls.
    const check: HealthCheck = async () => {
      if (breakerState(breaker) === 'open') throw new CheckFailed('circuit open');
      const greeting = await client.greet();
      if (greeting === 'refused')
        throw new CheckFailed('refuses this process’s service token: is SERVICE_TOKEN_SECRET the same in every process?');
      // Also what an instance from before greetings answers: in a rolling deploy, update a module before its callers.
      if (greeting === 'not-the-module') throw new CheckFailed(`answers, but does not serve the ${module} module: check its *_SERVICE_URL`);
      if (greeting === 'unreachable') throw new CheckFailed(`not answering (circuit ${breakerState(breaker)})`);
    };
    modules[module] = { api, registry, breaker, check };
  }
  return modules as RemoteModules;
}
