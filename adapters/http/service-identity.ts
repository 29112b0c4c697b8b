import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../../modules/kernel/mod.ts';
import type { AppEnv } from '../../modules/kernel/http.ts';
import { createServiceTokenVerifier } from './service-token.ts';

/** A call between services without a valid token: a deployment fault, never a user's. */
export class ServiceUnauthenticatedError extends DomainError {
  constructor() {
    super('service_unauthenticated', 'This route only answers calls from other services of this deployment.');
  }
}

export interface ServiceIdentityOptions {
  secret: string;
  /** What the token must be addressed to. */
  audience: string;
  /** Whether a caller (the `+`-joined modules its process hosts) may call here. */
  allowCaller: (callerModules: readonly string[]) => boolean;
  /**
   * Take the principal and the client's address and user agent from the call: only on routes the
   * gateway forwards, where the gateway has verified the user.
   */
  forwardsUser?: boolean;
}

/** Lets through only service tokens for `audience` from allowed callers; anything else is 401. */
export function serviceIdentity({
  secret,
  audience,
  allowCaller,
  forwardsUser = false,
}: ServiceIdentityOptions): MiddlewareHandler<AppEnv> {
  const verify = createServiceTokenVerifier({ secret, audience });
  return async function serviceIdentity(c, next) {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
    const identity = token ? await verify(token) : null;
    if (!identity || !allowCaller(identity.caller.split('+'))) throw new ServiceUnauthenticatedError();
    if (forwardsUser) {
      if (identity.principal) c.set('principal', identity.principal);
      c.set('meta', { ip: c.req.header('X-Forwarded-For'), userAgent: c.req.header('User-Agent')?.slice(0, 512) });
    }
    await next();
  };
}

/** The audience of a module's public routes as forwarded by the gateway (its port uses the bare name). */
export const edgeAudience = (module: string) => `${module}:edge`;
