import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../kernel/http.ts';

export interface CorsPolicy {
  /** Exact origins allowed to call with credentials; never a wildcard. */
  origins: readonly string[];
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

/**
 * Strict CORS: an origin on the list gets `Access-Control-Allow-Origin` (itself) and
 * `-Allow-Credentials`; any other origin gets neither, so a browser refuses it; preflights answer 204
 * here. Written for the gateway rather than Hono's `cors`, which sends `Allow-Credentials` to every
 * origin and writes through `c.res` before and after the handler: that makes the Node adapter build
 * a full WHATWG Response for every request (a third of an authenticated read's time, measured with
 * `npm run bench:profile -- read`). Here every header is set before the handler runs.
 */
export function strictCors(policy: CorsPolicy): MiddlewareHandler<AppEnv> {
  const allowed = new Set(policy.origins);
  const exposeHeaders = policy.exposeHeaders.join(', ');
  const allowMethods = policy.allowMethods.join(', ');
  const allowHeaders = policy.allowHeaders.join(', ');
  const maxAge = String(policy.maxAgeSeconds);
  return async function strictCors(c, next) {
    const origin = c.req.header('Origin');
    const preflight = c.req.method === 'OPTIONS';
    // The answer depends on the Origin (and a preflight's on what it asks): caches must key on them.
    c.header('Vary', preflight ? 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' : 'Origin');
    if (origin !== undefined && allowed.has(origin)) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      if (preflight) {
        c.header('Access-Control-Allow-Methods', allowMethods);
        c.header('Access-Control-Allow-Headers', allowHeaders);
        c.header('Access-Control-Max-Age', maxAge);
      } else c.header('Access-Control-Expose-Headers', exposeHeaders);
    }
    if (preflight) return c.body(null, 204);
    await next();
  };
}
