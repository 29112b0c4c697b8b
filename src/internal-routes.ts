import { Hono, type ErrorHandler } from 'hono';
import { createPortRoutes } from '../adapters/http/port-routes.ts';
import { createServiceTokenVerifier } from '../adapters/http/service-token.ts';
import { UnauthenticatedError, type PortSpec } from '../modules/kernel/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';

/** A port this process hosts and serves to other processes. */
export interface HostedPort<Api extends object = object> {
  module: string;
  spec: PortSpec<Api>;
  impl: Api;
}

/**
 * `/internal/<module>/<method>` for each hosted port. Only calls carrying a service token signed
 * with SERVICE_TOKEN_SECRET and addressed to that module get through; anything else is 401.
 */
export function internalRoutes({ ports, secret, onError }: { ports: HostedPort[]; secret: string; onError: ErrorHandler<AppEnv> }) {
  const app = new Hono<AppEnv>();
  for (const { module, spec, impl } of ports) {
    const verify = createServiceTokenVerifier({ secret, audience: module });
    app.use(`/internal/${module}/*`, async function serviceIdentity(c, next) {
      const token = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
      if (!token || !(await verify(token))) throw new UnauthenticatedError('A valid service token is required.');
      await next();
    });
    app.route(`/internal/${module}`, createPortRoutes({ spec, impl }));
  }
  app.onError(onError);
  return app;
}
