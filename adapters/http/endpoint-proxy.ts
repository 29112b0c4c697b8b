import { BrokenCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import { Hono, type Handler } from 'hono';
import type { StatusCode } from 'hono/utils/http-status';
import { injectTraceContext, inSpan, RemoteCallError, SpanKind, type Principal } from '../../modules/kernel/mod.ts';
import { honoPath, type AppEnv } from '../../modules/kernel/http.ts';
import { budgetFor, budgetHeader } from './deadline.ts';
import { keepAliveHop, timeoutSignal, type Hop } from './hop.ts';
import { TransportFailure } from './port-client.ts';
import type { ServiceRegistry } from './service-registry.ts';

export interface EndpointProxyOptions {
  /** The module whose endpoints these are (named in errors). */
  module: string;
  /**
   * The module's route definitions (method and OpenAPI path, `{id}` style): only these are forwarded,
   * each under its own template, so the gateway's logs, metrics and spans name the route.
   */
  definitions: ReadonlyArray<{ method: string; path: string }>;
  /** The service token's audience on the hosting service. */
  audience: string;
  registry: ServiceRegistry;
  serviceToken: (audience: string, principal?: Principal) => Promise<string>;
  timeoutMs?: number;
  /** Shared with the module's port client, so readiness shows one state per module. */
  breaker: CircuitBreakerPolicy;
  fetch?: Hop;
}

// What a service needs to answer as the gateway would; everything else stays at the edge.
const forwardedRequestHeaders = ['content-type', 'accept', 'user-agent', 'traceparent', 'tracestate'];
const returnedResponseHeaders = [
  'content-type',
  'cache-control',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'www-authenticate',
  'location',
];

/**
 * Forwards a module's public endpoints to the service hosting it. The client's bearer token stays at
 * the gateway: the service gets a service token that names the verified principal, plus the
 * request id, trace context, client address, user agent and the time it has to answer (see
 * deadline.ts). Status and body come back unchanged.
 */
export function createEndpointProxy({
  module,
  definitions,
  audience,
  registry,
  serviceToken,
  breaker,
  timeoutMs = 2000,
  fetch: send = keepAliveHop,
}: EndpointProxyOptions) {
  const forward: Handler<AppEnv> = async (c) => {
    const url = new URL(c.req.url);
    const headers: Record<string, string> = {};
    for (const name of forwardedRequestHeaders) {
      const value = c.req.header(name);
      if (value) headers[name] = value;
    }
    headers['x-request-id'] = c.get('requestId');
    const { ip } = c.get('meta') ?? {};
    if (ip) headers['x-forwarded-for'] = ip;
    headers.authorization = `Bearer ${await serviceToken(audience, c.get('principal'))}`;
    // The service answers (a 503 naming what it waited for) before this proxy gives up on it.
    headers[budgetHeader] = budgetFor(timeoutMs);
    const hasBody = !['GET', 'HEAD'].includes(c.req.method);
    const requestBody = hasBody ? await c.req.arrayBuffer() : undefined;
    const spanOptions = { kind: SpanKind.CLIENT, attributes: { 'http.request.method': c.req.method, 'peer.service': module } };
    const res = await inSpan(`forward ${module}`, spanOptions, async (span) => {
      // The service's spans go under this one. With tracing off nothing is injected and the
      // caller's own traceparent (copied above) goes on, so the service's logs still share its trace id.
      injectTraceContext(headers);
      return breaker
        .execute(async () => {
          const timeout = timeoutSignal(timeoutMs);
          try {
            const answer = await send(`${registry.pick()}${url.pathname}${url.search}`, {
              method: c.req.method,
              headers,
              body: requestBody,
              signal: timeout.signal,
            });
            // A service that cannot answer at all counts against it; its 503 problem still goes back.
            if (answer.status === 502 || answer.status === 504) throw new TransportFailure('bad_response');
            // Read whole, under the same timeout: answers are small JSON, and handing the Node
            // adapter a stream instead costs a timer tick (1 ms or more) per answer.
            const body = new Uint8Array(await answer.arrayBuffer());
            // A refused service token is a deployment fault (secrets differ), not the user's: 503.
            if (answer.status === 401 && new TextDecoder().decode(body).includes('"service_unauthenticated"')) {
              throw new TransportFailure('bad_response');
            }
            span.setAttribute('http.response.status_code', answer.status);
            return { status: answer.status, headers: answer.headers, body };
          } catch (error) {
            if (error instanceof TransportFailure) throw error;
            const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
            throw new TransportFailure(timedOut ? 'timeout' : 'unreachable', { cause: error });
          } finally {
            timeout.clear();
          }
        })
        .catch((error: unknown) => {
          if (error instanceof BrokenCircuitError) throw new RemoteCallError(module, 'circuit_open', { cause: error });
          if (error instanceof TransportFailure) throw new RemoteCallError(module, error.reason, { cause: error });
          throw error;
        });
    });
    const returned: Record<string, string> = {};
    for (const name of returnedResponseHeaders) {
      const value = res.headers.get(name);
      if (value) returned[name] = value;
    }
    // Through the context, so the headers the gateway set before this handler (CORS, Cache-Control,
    // request id, rate limits) go out with it.
    return c.newResponse(res.body.byteLength > 0 ? res.body : null, { status: res.status as StatusCode, headers: returned });
  };
  const proxy = new Hono<AppEnv>();
  for (const { method, path } of definitions) proxy.on(method.toUpperCase(), honoPath(path), forward);
  return proxy;
}
