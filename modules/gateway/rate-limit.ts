import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../kernel/http.ts';
import { RateLimitedError, type RateLimiter } from '../kernel/mod.ts';
import { rateLimitKey } from './client-ip.ts';

/**
 * Per-client-address limit (IPv6 clients per /64) with the IETF httpapi draft's headers (`RateLimit-Policy`, `RateLimit`)
 * on every answer of the routes it covers, and 429 with `Retry-After` past the limit. Several
 * policies on one route add one list member each.
 */
export function rateLimitByIp({ name, limiter }: { name: string; limiter: RateLimiter }): MiddlewareHandler<AppEnv> {
  const policy = `"${name}";q=${limiter.limit};w=${limiter.windowSeconds}`;
  return async function rateLimitByIp(c, next) {
    const state = await limiter.hit(rateLimitKey(c.get('meta')?.ip ?? 'unknown'));
    const resetSeconds = Math.max(1, Math.ceil(state.resetMs / 1000));
    c.header('RateLimit-Policy', policy, { append: true });
    c.header('RateLimit', `"${name}";r=${state.remaining};t=${resetSeconds}`, { append: true });
    if (!state.allowed) throw new RateLimitedError(resetSeconds);
    await next();
  };
}
