import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import { UnauthenticatedError, type KernelErrorCode } from './errors.ts';
import { validationErrorFrom } from './validation.ts';
import type { Principal, RequestMeta } from './context.ts';

/** Variables the gateway sets on every request before a module's routes run. */
export type AppEnv = {
  Variables: {
    requestId: string;
    meta: RequestMeta;
    principal?: Principal;
    /** Statuses this route gives some error codes instead of the module tables' (see answerErrorsWith). */
    errorStatus?: Readonly<Record<string, ContentfulStatusCode>>;
  };
};

/** Maps every error code of a module to an HTTP status; `satisfies` makes a gap a compile error. */
export type StatusTable<Code extends string> = Record<Code, ContentfulStatusCode>;

export const kernelErrorStatus = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  service_unavailable: 503,
  rate_limited: 429,
} satisfies StatusTable<KernelErrorCode>;

const jsonMediaType = /^application\/([\w.-]+\+)?json$/i;

/**
 * Whether the request may carry a body, asked without reading it: reading `c.req.raw.body` makes
 * the Node adapter build a whole WHATWG Request, an AbortSignal included. A GET or HEAD has a body
 * only if it announces one (RFC 9112 §6.3); other methods have to be asked.
 */
export const mayCarryBody = (c: Context) =>
  !(c.req.method === 'GET' || c.req.method === 'HEAD') ||
  c.req.header('Content-Length') !== undefined ||
  c.req.header('Transfer-Encoding') !== undefined;

/**
 * OpenAPIHono answers 415 to a body that is not JSON; this API reads such a body as empty, so it
 * fails validation with the same 400 as a JSON body lacking the fields (API.md: 400 invalid body).
 */
const nonJsonBodyAsEmpty: MiddlewareHandler = async function nonJsonBodyAsEmpty(c, next) {
  const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim();
  // The media type first: asking a JSON request for `raw.body` would build what mayCarryBody avoids.
  if (!jsonMediaType.test(mediaType) && mayCarryBody(c) && c.req.raw.body !== null) {
    const headers = new Headers(c.req.raw.headers);
    headers.delete('Content-Type');
    // A fresh request: `new Request(raw, { body: null })` would keep raw's body.
    c.req.raw = new Request(c.req.url, { method: c.req.method, headers, signal: c.req.raw.signal });
  }
  await next();
};

/**
 * A module's public routes, each declared by a route definition (createRoute) that both validates
 * the request and documents it. A failed validation throws ValidationError, so one onError writes every 400.
 */
export function openApiRoutes() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationErrorFrom(result.error);
    },
  });
  app.use(nonJsonBodyAsEmpty);
  return app;
}

/**
 * `schema` as a named component of the document. Zod copies prototype methods onto a schema as it
 * builds it, so a schema built before @hono/zod-openapi extended zod has no `.openapi`: name a clone.
 */
export function named<Schema extends z.ZodType>(schema: Schema, name: string): Schema {
  return schema.clone().openapi(name);
}

/** An RFC 9457 problem, as every error answer carries it; `code` is the stable snake_case id. */
export const problemSchema = named(
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'The failing fields of a 400.' }),
  }),
  'Problem',
);

/** A required JSON request body of a route definition. */
export function jsonBody<Schema extends z.ZodType>(schema: Schema) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** A JSON answer of a route definition. */
export function jsonAnswer<Schema extends z.ZodType>(schema: Schema, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** An error answer of a route definition: problem+json. */
export function problem(description: string) {
  return { description, content: { 'application/problem+json': { schema: problemSchema } } };
}

/** A route definition's path (`/sessions/{id}`) as Hono routes it (`/sessions/:id`). */
export const honoPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

/** The security requirement of a route that needs an access token (API.md: Bearer). */
export const bearer = [{ bearerAuth: [] }];

/**
 * The security requirement of a route that needs an access token carrying every one of `roles`
 * (OpenAPI 3.1 lets a non-OAuth scheme list role names): the gateway answers others 403.
 */
export const bearerWithRoles = (...roles: string[]) => [{ bearerAuth: roles }];

const text = { schema: { type: 'string' } } as const;

/** What the route definitions refer to by name; the document lists each once. */
export const openApiComponents = {
  securitySchemes: {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from login or refresh.' },
  },
  headers: {
    'RateLimit-Policy': { ...text, description: 'The limits that apply to this client (IETF draft), e.g. `"api";q=600;w=60`.' },
    RateLimit: { ...text, description: 'What is left of each limit and when it resets (IETF draft).' },
    'Retry-After': { ...text, description: 'Seconds until a retry may succeed.' },
  },
} as const;

const header = (name: keyof typeof openApiComponents.headers) => ({ $ref: `#/components/headers/${name}` });
const rateLimitHeaders = { 'RateLimit-Policy': header('RateLimit-Policy'), RateLimit: header('RateLimit') };

/** The answer to a body over the gateway's limit (64 KiB). */
export const tooLarge = problem('The body is over 64 KiB.');

/**
 * The answers of a route under /api: every one carries the rate-limit headers, past a limit it is
 * 429, and while a dependency is down 503.
 */
export function apiResponses<R extends RouteConfig['responses']>(responses: R) {
  const limited = Object.fromEntries(
    Object.entries(responses).map(([status, response]) => [status, { ...response, headers: rateLimitHeaders }]),
  ) as { [Status in keyof R]: R[Status] & { headers: typeof rateLimitHeaders } };
  const retryLater = (description: string) => ({
    ...problem(description),
    headers: { ...rateLimitHeaders, 'Retry-After': header('Retry-After') },
  });
  return {
    ...limited,
    429: retryLater('Too many requests from this address, or too many failed logins for this account.'),
    503: retryLater('A dependency (database, Redis, another module) does not answer; retry shortly.'),
  };
}

/**
 * Makes this request answer the codes in `statuses` with those statuses instead of the module
 * tables'. A code keeps one meaning, but its status may depend on the route: `invalid_code` is the
 * owner's bad input when confirming an enrolment (400) and a failed authentication at login (401).
 */
export function answerErrorsWith(c: Context<AppEnv>, statuses: Readonly<Record<string, ContentfulStatusCode>>): void {
  c.set('errorStatus', statuses);
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
