import type { CircuitBreakerPolicy } from 'cockatiel';
import { breakerState, createBreaker, createHttpPortClient, type RemotePolicy } from '../adapters/http/port-client.ts';
import { createServiceRegistry, type ServiceRegistry } from '../adapters/http/service-registry.ts';
import type { ServiceTokenIssuer } from '../adapters/http/service-token.ts';
import type { CallableModule } from '../config/placement.ts';
import { CheckFailed, healthPaths, type HealthCheck } from './health.ts';
import type { Logger } from './log.ts';
import { ports, traced, type PortApis } from './ports.ts';

/** A module reached over HTTP: its port client, where its instances are, and a readiness check. */
export interface RemoteModule<Api> {
  api: Api;
  registry: ServiceRegistry;
  /** One breaker per module, shared by the port client and the gateway's route proxy. */
  breaker: CircuitBreakerPolicy;
  check: HealthCheck;
}

const isLive = (baseUrl: string) =>
  fetch(`${baseUrl}${healthPaths.live}`, { signal: AbortSignal.timeout(800) }).then(
    (res) => res.ok,
    () => false,
  );

/** Port clients for every module this process calls but does not host. */
export function createRemoteModules({
  remotes,
  serviceToken,
  policy,
  logger,
}: {
  remotes: Partial<Record<CallableModule, string[]>>;
  serviceToken: ServiceTokenIssuer;
  policy: RemotePolicy;
  logger: Logger;
}): { [M in CallableModule]?: RemoteModule<PortApis[M]> } {
  const modules: { [M in CallableModule]?: RemoteModule<PortApis[M]> } = {};
  for (const module of Object.keys(remotes) as CallableModule[]) {
    const registry = createServiceRegistry({ instances: remotes[module]!, probe: isLive });
    const breaker = createBreaker(policy);
    breaker.onBreak(() => logger.warn('circuit opened', { module, retryAfterMs: policy.halfOpenAfterMs }));
    breaker.onReset(() => logger.info('circuit closed', { module }));
    const client = createHttpPortClient<PortApis[typeof module]>({
      module,
      spec: ports[module].spec,
      errors: ports[module].errors,
      baseUrl: registry.pick,
      serviceToken,
      breaker,
      policy,
    });
    const api = traced(module, client, 'remote');
    // Ready when the breaker lets calls through and an instance takes this process's calls.
    const check: HealthCheck = async () => {
      if (breakerState(breaker) === 'open') throw new CheckFailed('circuit open');
      const greeting = await client.greet();
      if (greeting === 'refused') throw new CheckFailed('refuses this process’s service token: is SERVICE_TOKEN_SECRET the same in every process?');
      // Also what an instance from before greetings answers: in a rolling deploy, update a module before its callers.
      if (greeting === 'not-the-module') throw new CheckFailed(`answers, but does not serve the ${module} module: check its *_SERVICE_URL`);
      if (greeting === 'unreachable') throw new CheckFailed(`not answering (circuit ${breakerState(breaker)})`);
    };
    (modules as Record<string, RemoteModule<unknown>>)[module] = { api, registry, breaker, check };
  }
  return modules;
}
