import type { MiddlewareHandler } from 'hono';
import { UnauthenticatedError } from '../../modules/kernel/mod.ts';
import type { AppEnv } from '../../modules/kernel/http.ts';
import { createServiceTokenVerifier } from './service-token.ts';

/**
 * On a service process, public routes are reached only through the gateway: the request must
 * carry a service token for this module. Its claims give the principal (when the gateway verified
 * a user); the client address and user agent are the gateway's forwarded headers, trusted because
 * the token is.
 */
export function forwardedIdentity({ secret, module }: { secret: string; module: string }): MiddlewareHandler<AppEnv> {
  const verify = createServiceTokenVerifier({ secret, audience: module });
  return async function forwardedIdentity(c, next) {
    const token = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
    const identity = token ? await verify(token) : null;
    if (!identity) throw new UnauthenticatedError('Requests must come through the gateway.');
    if (identity.principal) c.set('principal', identity.principal);
    c.set('meta', { ip: c.req.header('X-Forwarded-For'), userAgent: c.req.header('User-Agent')?.slice(0, 512) });
    await next();
  };
}
