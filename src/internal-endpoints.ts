import { Hono, type ErrorHandler } from 'hono';
import { acceptBudget } from '../adapters/http/deadline.ts';
import { portPath } from '../adapters/http/port-path.ts';
import { createPortEndpoints } from '../adapters/http/port-endpoints.ts';
import { serviceIdentity } from '../adapters/http/service-identity.ts';
import type { PortSpec } from '../modules/kernel/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';
import { placement } from '../config/placement.ts';

/** A port this process hosts and serves to other processes. */
export interface HostedPort<Api extends object = object> {
  module: string;
  spec: PortSpec<Api>;
  impl: Api;
}

/**
 * `/internal/<module>/<method>` for each hosted port. Only calls carrying a service token signed
 * with SERVICE_TOKEN_SECRET, addressed to that module's port, from a process hosting a module that
 * needs it get through; anything else is 401 service_unauthenticated. Each call is served within
 * the budget its caller sent (see deadline.ts).
 */
export function internalEndpoints({
  ports,
  needs = placement.needs,
  secret,
  onError,
}: {
  ports: HostedPort[];
  /** Which modules each module calls (Placement.needs; this system's by default). */
  needs?: Readonly<Record<string, readonly string[]>>;
  secret: string;
  onError: ErrorHandler<AppEnv>;
}) {
  const app = new Hono<AppEnv>();
  for (const { module, spec, impl } of ports) {
    // Only processes hosting a module that calls this one may use its port.
    const allowCaller = (callers: readonly string[]) => callers.some((caller) => needs[caller]?.includes(module));
    app.use(`${portPath(module)}/*`, serviceIdentity({ secret, audience: module, allowCaller }), acceptBudget());
    app.route(portPath(module), createPortEndpoints({ spec, impl }));
  }
  app.onError(onError);
  return app;
}
