import type { RouteConfig } from '@hono/zod-openapi';
import { Hono, type Context, type ErrorHandler, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { mayCarryBody, honoPath, type AppEnv, type StatusTable } from '../kernel/http.ts';
import { ForbiddenError, UnauthenticatedError, type RateLimiter } from '../kernel/mod.ts';
import type { AccessTokenVerifier } from './access-tokens.ts';
import { strictCors } from './cors.ts';
import { PayloadTooLargeError, RouteNotFoundError, type GatewayErrorCode } from './errors.ts';
import { rateLimitByIp } from './rate-limit.ts';
import type { RevocationSet } from './revocations.ts';
import { gatewaySecureHeaders } from './security-headers.ts';

export const gatewayErrorStatus = { payload_too_large: 413, not_found: 404 } satisfies StatusTable<GatewayErrorCode>;

/** A group of public endpoints as the gateway mounts it: a module's own, or a proxy to where it runs. */
export interface MountedGroup {
  /** Where the group is mounted, e.g. `/api/users`. */
  path: string;
  /**
   * The group's route definitions: a route whose `security` asks for a bearer token needs one,
   * carrying every role its requirement lists.
   */
  definitions: readonly RouteConfig[];
  app: Hono<AppEnv>;
}

export interface GatewayOptions {
  groups: readonly MountedGroup[];
  /** Health, metrics and docs: not under /api, so no CORS limits, auth or rate limits. */
  operations: Hono<AppEnv>;
  /** Pages for people (the web app), on this origin; they set their own policy and caching. */
  pages?: Hono<AppEnv>;
  verifyAccessToken: AccessTokenVerifier;
  revocations: RevocationSet;
  /** Exact origins allowed to call with credentials; never a wildcard. */
  corsOrigins: readonly string[];
  /** The client's address as the runtime sees the peer. */
  clientIp: (c: Context) => string | undefined;
  onError: ErrorHandler<AppEnv>;
  /** Per client address: on all of /api, and a stricter one on /api/auth. */
  rateLimits: { api: RateLimiter; auth: RateLimiter };
  /** Run around everything else, in order (request logs, metrics). */
  observe?: MiddlewareHandler<AppEnv>[];
  bodyLimitBytes?: number;
}

/** Bearer authentication: a locally verified token of a session that is not revoked. */
function bearerAuth({ verify, revocations }: { verify: AccessTokenVerifier; revocations: RevocationSet }): MiddlewareHandler<AppEnv> {
  return async function bearerAuth(c, next) {
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer ([\w\-.~+/]+=*)$/i.exec(header);
    const principal = match ? await verify(match[1]!) : null;
    if (!principal || revocations.has(principal.sessionId)) throw new UnauthenticatedError();
    c.set('principal', principal);
    await next();
  };
}

/** Lets through only a principal holding every one of `roles` (the gateway checked its token already). */
function requireRoles(roles: readonly string[]): MiddlewareHandler<AppEnv> {
  return async function requireRoles(c, next) {
    const held = c.get('principal')?.roles ?? [];
    if (!roles.every((role) => held.includes(role))) throw new ForbiddenError();
    await next();
  };
}

/** The method, Hono path and required roles of each route of `group` that needs an access token. */
function protectedRoutes({ path, definitions }: MountedGroup): Array<{ method: string; path: string; roles: string[] }> {
  return definitions.flatMap((route) => {
    const requirement = route.security?.find((r) => 'bearerAuth' in r);
    if (!requirement) return [];
    return [
      {
        method: route.method.toUpperCase(),
        path: route.path === '/' ? path : `${path}${honoPath(route.path)}`,
        roles: requirement.bearerAuth ?? [],
      },
    ];
  });
}

/** The longest `X-Request-Id` a client may send and see echoed (a longer or odd one is replaced). */
export const requestIdMaxLength = 128;

/** The public HTTP edge: request ids, security headers, CORS, body limit, authentication, routing. */
export function createGatewayApp({
  groups,
  operations,
  pages,
  verifyAccessToken,
  revocations,
  corsOrigins,
  clientIp,
  onError,
  rateLimits,
  observe = [],
  bodyLimitBytes = 64 * 1024,
}: GatewayOptions): Hono<AppEnv> {
  const authenticate = bearerAuth({ verify: verifyAccessToken, revocations });
  const app = new Hono<AppEnv>();

  app.use(requestId({ limitLength: requestIdMaxLength }));
  for (const middleware of observe) app.use(middleware);
  app.use(gatewaySecureHeaders());
  app.use(
    strictCors({
      origins: corsOrigins,
      allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'traceparent'],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
      maxAgeSeconds: 600,
    }),
  );
  // Set before the handler: a header set after it makes the Node adapter rebuild the response.
  app.use('/api/*', async function noStore(c, next) {
    c.header('Cache-Control', 'no-store');
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: bodyLimitBytes,
    onError: () => {
      throw new PayloadTooLargeError(bodyLimitBytes);
    },
  });
  app.use('/api/*', function limitBodySize(c, next) {
    if (!mayCarryBody(c)) return next();
    // A Content-Length without Transfer-Encoding frames the body (Node's parser delivers exactly
    // that many bytes), so the header alone decides, and the handler reads the body straight off
    // the socket. bodyLimit would first ask for `c.req.raw.body`, which makes the Node adapter
    // build a whole WHATWG Request and a stream around it: an eighth of a refresh's CPU.
    const length = c.req.header('Content-Length');
    if (length === undefined || c.req.header('Transfer-Encoding') !== undefined) return limitBody(c, next);
    if (Number.parseInt(length, 10) > bodyLimitBytes) throw new PayloadTooLargeError(bodyLimitBytes);
    return next();
  });
  app.use(async function requestMeta(c, next) {
    c.set('meta', { ip: clientIp(c), userAgent: c.req.header('User-Agent')?.slice(0, 512) });
    await next();
  });

  app.use('/api/*', rateLimitByIp({ name: 'api', limiter: rateLimits.api }));
  app.use('/api/auth/*', rateLimitByIp({ name: 'auth', limiter: rateLimits.auth }));

  for (const group of groups) {
    for (const route of protectedRoutes(group)) {
      if (route.roles.length === 0) app.on(route.method, route.path, authenticate);
      else app.on(route.method, route.path, authenticate, requireRoles(route.roles));
    }
  }
  for (const group of groups) app.route(group.path, group.app);
  app.route('/', operations);
  if (pages) app.route('/', pages);

  app.notFound(() => {
    throw new RouteNotFoundError();
  });
  app.onError(onError);
  return app;
}
