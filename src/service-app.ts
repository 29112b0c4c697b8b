import { Hono, type ErrorHandler, type MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { acceptBudget } from '../adapters/http/deadline.ts';
import { edgeAudience, serviceIdentity } from '../adapters/http/service-identity.ts';
import { requestIdMaxLength } from '../modules/gateway/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';

/** A module's public endpoints as a service process serves them: behind the gateway only. */
export interface ForwardedGroup {
  module: string;
  /** Where the gateway mounts them, e.g. `/api/users`. */
  path: string;
  endpoints: Hono<AppEnv>;
}

/**
 * The HTTP app of a process that does not host the gateway: the hosted modules' public endpoints
 * (reached through the gateway, with its service token) and health; the composition root adds
 * the internal port endpoints.
 */
export function createServiceApp({
  forwarded,
  operations,
  secret,
  onError,
  observe = [],
}: {
  forwarded: ForwardedGroup[];
  operations: Hono<AppEnv>;
  secret: string;
  onError: ErrorHandler<AppEnv>;
  observe?: MiddlewareHandler<AppEnv>[];
}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ limitLength: requestIdMaxLength }));
  for (const middleware of observe) app.use(middleware);
  for (const { module, path, endpoints } of forwarded) {
    app.use(
      `${path}/*`,
      serviceIdentity({
        secret,
        audience: edgeAudience(module),
        allowCaller: (callers) => callers.includes('gateway'),
        forwardsUser: true,
      }),
      acceptBudget(),
    );
    app.route(path, endpoints);
  }
  app.route('/', operations);
  app.onError(onError);
  return app;
}
