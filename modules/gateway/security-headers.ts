import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../kernel/http.ts';

/**
 * The security headers of every answer (API.md): Hono's secure-headers defaults, stricter where
 * an API can be (HSTS for subdomains too, no framing, no referrer, a policy that allows nothing).
 * tests/modules/security-headers.test.ts holds them to at least Hono's defaults.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'DENY',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};

const entries = Object.entries(securityHeaders);

/**
 * Puts securityHeaders on every answer of the app. Set before the handler runs, so a route that
 * sets one itself (the docs page's policy) replaces it; Hono's secureHeaders sets them after,
 * on the finished response, which costs the Node adapter a Headers object per answer.
 */
export function gatewaySecureHeaders(): MiddlewareHandler<AppEnv> {
  return async function secureHeaders(c, next) {
    for (const [name, value] of entries) c.header(name, value);
    await next();
  };
}
