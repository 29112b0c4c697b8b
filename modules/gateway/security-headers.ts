import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/** The security headers middleware of every gateway answer (API.md: on every response). */
export function gatewaySecureHeaders() {
  return secureHeaders({
    strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    // A route that sets a header itself keeps it: the docs page needs a policy of its own.
    overwrite: false,
  });
}

/**
 * The headers gatewaySecureHeaders adds, for answers written below the app (the HTTP server's own
 * 400, 408, 431). Read off the middleware itself, so the two sets cannot drift apart.
 */
export async function securityHeaders(): Promise<Record<string, string>> {
  const probe = new Hono().use(gatewaySecureHeaders()).get('/', (c) => c.body(null));
  const headers: Record<string, string> = {};
  (await probe.request('/')).headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
