import { Hono } from 'hono';
import { RemoteCallError, type Principal } from '../../modules/kernel/mod.ts';
import type { AppEnv } from '../../modules/kernel/http.ts';
import type { ServiceRegistry } from './service-registry.ts';

export interface RouteProxyOptions {
  /** The module whose public routes these are: the service token's audience. */
  module: string;
  registry: ServiceRegistry;
  serviceToken: (audience: string, principal?: Principal) => Promise<string>;
  timeoutMs?: number;
  fetch?: (url: string, init: RequestInit) => Response | Promise<Response>;
}

// What a service needs to answer as the gateway would; everything else stays at the edge.
const forwardedRequestHeaders = ['content-type', 'accept', 'user-agent', 'traceparent', 'tracestate'];
const returnedResponseHeaders = ['content-type', 'retry-after', 'ratelimit', 'ratelimit-policy', 'www-authenticate', 'location'];

/**
 * Forwards a module's public routes to the service hosting it. The client's bearer token stays at
 * the gateway: the service gets a service token that names the verified principal, plus the
 * request id, trace context, client address and user agent. Status and body come back unchanged.
 */
export function createRouteProxy({ module, registry, serviceToken, timeoutMs = 2000, fetch: send = fetch }: RouteProxyOptions) {
  return new Hono<AppEnv>().all('*', async (c) => {
    const url = new URL(c.req.url);
    const headers = new Headers();
    for (const name of forwardedRequestHeaders) {
      const value = c.req.header(name);
      if (value) headers.set(name, value);
    }
    headers.set('x-request-id', c.get('requestId'));
    const { ip } = c.get('meta') ?? {};
    if (ip) headers.set('x-forwarded-for', ip);
    headers.set('authorization', `Bearer ${await serviceToken(module, c.get('principal'))}`);
    const hasBody = !['GET', 'HEAD'].includes(c.req.method);
    let res: Response;
    try {
      res = await send(`${registry.pick()}${url.pathname}${url.search}`, {
        method: c.req.method,
        headers,
        body: hasBody ? await c.req.arrayBuffer() : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'unreachable';
      throw new RemoteCallError(module, reason, { cause: error });
    }
    const out = new Headers();
    for (const name of returnedResponseHeaders) {
      const value = res.headers.get(name);
      if (value) out.set(name, value);
    }
    return new Response(res.body, { status: res.status, headers: out });
  });
}
