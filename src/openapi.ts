import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import { named, openApiComponents } from '../modules/kernel/http.ts';
import { healthPaths } from './health.ts';
import { metricsPath } from './metrics.ts';
import { publicRouteGroups } from './public-routes.ts';

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

// Every group at the path the gateway mounts it, whichever modules this process hosts: the
// gateway of a split deployment proxies the module routes but documents them all the same.
const groups: Array<[string, readonly RouteConfig[]]> = [
  ...publicRouteGroups.map(({ path, definitions }): [string, readonly RouteConfig[]] => [path, definitions]),
  ['', operationsRouteDefinitions],
];

function buildDocument() {
  const api = new OpenAPIHono();
  const registry = api.openAPIRegistry;
  for (const [name, scheme] of Object.entries(openApiComponents.securitySchemes)) registry.registerComponent('securitySchemes', name, scheme);
  for (const [name, header] of Object.entries(openApiComponents.headers)) registry.registerComponent('headers', name, header);
  for (const [mount, routes] of groups) {
    for (const route of routes) registry.registerPath({ ...route, path: route.path === '/' ? mount : `${mount}${route.path}` });
  }
  return api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'modular-auth public API',
      version: '1',
      description: 'Registration, login, tokens, sessions, profile and security activity. Errors are `application/problem+json` (RFC 9457).',
    },
  });
}

let document: ReturnType<typeof buildDocument> | undefined;

/** The OpenAPI 3.1 document of the public API, from the routes' own schemas; built once, the same in every placement. */
export function openApiDocument() {
  document ??= buildDocument();
  return document;
}
