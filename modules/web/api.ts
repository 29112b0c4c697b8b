import type { Context } from 'hono';
import { injectTraceContext } from '../kernel/mod.ts';
import type { GatewayFetch } from './ports.ts';

/** An answer of the public API: its status and parsed JSON body (null when it has none). */
export interface ApiAnswer<Body = Record<string, unknown>> {
  status: number;
  body: Body;
  headers: Headers;
}

/** A problem+json body's fields the pages show: the detail, and the failing fields of a 400. */
export interface ApiProblem {
  code?: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** What the gateway needs to see the page's visitor as the caller: its address (through `env`), device and request id. */
const carried = ['User-Agent', 'X-Forwarded-For', 'Accept-Language'] as const;

/**
 * Calls the public API through the gateway's own app, for the browser behind `c`: the same client
 * address (the gateway resolves it from the same peer and X-Forwarded-For), user agent, request
 * id and trace, so rate limits, sessions and the security activity show the person, not the server.
 */
export function createApiCaller(fetch: GatewayFetch) {
  return async function callApi<Body = Record<string, unknown>>(
    c: Context,
    method: string,
    path: string,
    { json, token }: { json?: unknown; token?: string } = {},
  ): Promise<ApiAnswer<Body>> {
    const headers: Record<string, string> = {};
    for (const name of carried) {
      const value = c.req.header(name);
      if (value !== undefined) headers[name] = value;
    }
    const requestId = c.get('requestId') as string | undefined;
    if (requestId) headers['X-Request-Id'] = requestId;
    // The API call is part of the page's trace, a child of its server span.
    injectTraceContext(headers);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    const request = new Request(new URL(path, c.req.url), {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const response = await fetch(request, c.env);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Body, headers: response.headers };
  };
}

export type CallApi = ReturnType<typeof createApiCaller>;
