import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { zValidator } from '@hono/zod-validator';
import type { z } from 'zod';
import { UnauthenticatedError, type KernelErrorCode } from './errors.ts';
import { validationErrorFrom } from './validation.ts';
import type { Principal, RequestMeta } from './context.ts';

/** Variables the gateway sets on every request before a module's routes run. */
export type AppEnv = {
  Variables: {
    requestId: string;
    meta: RequestMeta;
    principal?: Principal;
  };
};

/** Maps every error code of a module to an HTTP status; `satisfies` makes a gap a compile error. */
export type StatusTable<Code extends string> = Record<Code, ContentfulStatusCode>;

export const kernelErrorStatus = {
  validation_failed: 400,
  unauthenticated: 401,
  service_unavailable: 503,
  rate_limited: 429,
} satisfies StatusTable<KernelErrorCode>;

/** zod-validator that throws a ValidationError, so one onError writes every 400. */
export function validate<Target extends 'json' | 'query' | 'param', Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw validationErrorFrom(result.error);
  });
}

/** The authenticated caller; throws when the route was reached without one. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

/** Client address and user agent as the gateway resolved them. */
export function requestMetaOf(c: Context<AppEnv>): RequestMeta {
  return c.get('meta') ?? {};
}
