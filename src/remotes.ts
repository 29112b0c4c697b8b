import { auditApiSpec, auditErrors, type AuditApi } from '../modules/audit/mod.ts';
import { authApiSpec, authErrors, type AuthApi } from '../modules/auth/mod.ts';
import type { ErrorRegistry, PortSpec } from '../modules/kernel/mod.ts';
import { sessionApiSpec, sessionErrors, type SessionApi } from '../modules/session/mod.ts';
import { userApiSpec, userErrors, type UserApi } from '../modules/user/mod.ts';
import type { CircuitBreakerPolicy } from 'cockatiel';
import { breakerState, createBreaker, createHttpPortClient, type BreakerState, type RemotePolicy } from '../adapters/http/port-client.ts';
import { createServiceRegistry, type ServiceRegistry } from '../adapters/http/service-registry.ts';
import type { ServiceTokenIssuer } from '../adapters/http/service-token.ts';
import type { CallableModule } from '../config/placement.ts';
import { CheckFailed, type HealthCheck } from './health.ts';

interface PortApis {
  auth: AuthApi;
  user: UserApi;
  session: SessionApi;
  audit: AuditApi;
}

const remoting: { [M in CallableModule]: { spec: PortSpec<PortApis[M]>; errors: ErrorRegistry } } = {
  auth: { spec: authApiSpec, errors: authErrors },
  user: { spec: userApiSpec, errors: userErrors },
  session: { spec: sessionApiSpec, errors: sessionErrors },
  audit: { spec: auditApiSpec, errors: auditErrors },
};

/** A module reached over HTTP: its port client, where its instances are, and a readiness check. */
export interface RemoteModule<Api> {
  api: Api & { breakerState(): BreakerState };
  registry: ServiceRegistry;
  /** One breaker per module, shared by the port client and the gateway's route proxy. */
  breaker: CircuitBreakerPolicy;
  check: HealthCheck;
}

const isLive = (baseUrl: string) =>
  fetch(`${baseUrl}/health/live`, { signal: AbortSignal.timeout(800) }).then(
    (res) => res.ok,
    () => false,
  );

/** Port clients for every module this process calls but does not host. */
export function createRemoteModules({
  remotes,
  serviceToken,
  policy,
}: {
  remotes: Partial<Record<CallableModule, string[]>>;
  serviceToken: ServiceTokenIssuer;
  policy: RemotePolicy;
}): { [M in CallableModule]?: RemoteModule<PortApis[M]> } {
  const modules: { [M in CallableModule]?: RemoteModule<PortApis[M]> } = {};
  for (const module of Object.keys(remotes) as CallableModule[]) {
    const registry = createServiceRegistry({ instances: remotes[module]!, probe: isLive });
    const breaker = createBreaker(policy);
    const api = createHttpPortClient<PortApis[typeof module]>({
      module,
      ...(remoting[module] as { spec: PortSpec<PortApis[typeof module]>; errors: ErrorRegistry }),
      baseUrl: registry.pick,
      serviceToken,
      breaker,
      policy,
    });
    // Ready when the breaker lets calls through and an instance answers its liveness probe.
    const check: HealthCheck = async () => {
      if (breakerState(breaker) === 'open') throw new CheckFailed('circuit open');
      if (!(await isLive(registry.pick()))) throw new CheckFailed(`not answering (circuit ${breakerState(breaker)})`);
    };
    (modules as Record<string, RemoteModule<unknown>>)[module] = { api, registry, breaker, check };
  }
  return modules;
}
