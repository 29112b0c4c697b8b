import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import { requestIdMaxLength } from '../modules/gateway/mod.ts';
import { named, openApiComponents } from '../modules/kernel/http.ts';
import { healthPaths } from './health.ts';
import { metricsPath } from './metrics.ts';
import { publicRouteGroups, type PublicRouteGroup } from './public-routes.ts';

const healthSchema = named(
  z.object({
    status: z.enum(['pass', 'fail']),
    checks: z
      .record(
        z.string(),
        z.array(
          z.object({
            componentId: z.string(),
            status: z.enum(['pass', 'fail']),
            observedValue: z.number().optional(),
            observedUnit: z.string().optional(),
            output: z.string().optional(),
            time: z.string(),
          }),
        ),
      )
      .optional(),
  }),
  'Health',
);
const health = (description: string) => ({ description, content: { 'application/health+json': { schema: healthSchema } } });
const tags = ['Operations'];

/** Health, metrics and docs: plain Hono routes (src/health.ts, src/metrics.ts, src/docs.ts), described here. */
const operationsRouteDefinitions = [
  createRoute({ method: 'get', path: healthPaths.live, tags, summary: 'Liveness', responses: { 200: health('The process runs.') } }),
  createRoute({
    method: 'get',
    path: healthPaths.ready,
    tags,
    summary: 'Readiness',
    responses: {
      200: health('This process’s own dependencies (database, Redis, remote modules it needs) answer.'),
      503: health('A dependency does not answer; `checks` says which.'),
    },
  }),
  createRoute({
    method: 'get',
    path: metricsPath,
    tags,
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'The Prometheus text exposition format.', content: { 'text/plain': { schema: z.string() } } } },
  }),
  createRoute({
    method: 'get',
    path: '/openapi.json',
    tags,
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: z.looseObject({}) } } } },
  }),
  createRoute({
    method: 'get',
    path: '/docs',
    tags,
    summary: 'An interactive reference of this document',
    responses: { 200: { description: 'An HTML page.', content: { 'text/html': { schema: z.string() } } } },
  }),
];

/** The gateway's request id (hono/request-id), on every route of the document. */
const requestId = {
  parameter: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: `Echoed in the answer when it is sane (letters, digits, \`_\`, \`-\`, \`=\`, at most ${requestIdMaxLength}); otherwise a new id is made.`,
    schema: { type: 'string', pattern: `^[\\w\\-=]{1,${requestIdMaxLength}}$` },
  },
  header: { description: 'The id of this request, as the logs and traces record it.', schema: { type: 'string' } },
} as const;

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type Operation = { parameters?: unknown[]; responses?: Record<string, { headers?: Record<string, unknown> }> };

/** Adds the request id, which the gateway applies to every route, to every operation of `document`. */
function withRequestId(document: Document): Document {
  document.components = { ...document.components, parameters: { ...document.components?.parameters, RequestId: requestId.parameter } };
  document.components.headers = { ...document.components.headers, 'X-Request-Id': requestId.header };
  for (const item of Object.values(document.paths ?? {})) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/RequestId' }];
      for (const answer of Object.values(op.responses ?? {}))
        answer.headers = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' }, ...answer.headers };
    }
  }
  return document;
}

function buildDocument(routeGroups: readonly PublicRouteGroup[]) {
  // Every group at the path the gateway mounts it, whichever modules this process hosts: the
  // gateway of a split deployment proxies the module routes but documents them all the same.
  const groups: Array<[string, readonly RouteConfig[]]> = [
    ...routeGroups.map(({ path, definitions }): [string, readonly RouteConfig[]] => [path, definitions]),
    ['', operationsRouteDefinitions],
  ];
  const api = new OpenAPIHono();
  const registry = api.openAPIRegistry;
  for (const [name, scheme] of Object.entries(openApiComponents.securitySchemes))
    registry.registerComponent('securitySchemes', name, scheme);
  for (const [name, header] of Object.entries(openApiComponents.headers)) registry.registerComponent('headers', name, header);
  for (const [mount, definitions] of groups) {
    for (const route of definitions) registry.registerPath({ ...route, path: route.path === '/' ? mount : `${mount}${route.path}` });
  }
  const document = api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'modular-auth public API',
      version: '1',
      description:
        'Registration, login, tokens, sessions, profile and security activity. Errors are `application/problem+json` (RFC 9457).',
    },
  });
  return withRequestId(document);
}

const documents = new WeakMap<readonly PublicRouteGroup[], ReturnType<typeof buildDocument>>();

/**
 * The OpenAPI 3.1 document of the public API (of `routeGroups`, this system's by default), from
 * the routes' own schemas; built once, the same in every placement.
 */
export function openApiDocument(routeGroups: readonly PublicRouteGroup[] = publicRouteGroups) {
  let document = documents.get(routeGroups);
  if (!document) {
    document = buildDocument(routeGroups);
    documents.set(routeGroups, document);
  }
  return document;
}
