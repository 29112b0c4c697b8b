import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi.ts';
import { publicRouteGroups } from '../../src/public-routes.ts';
import { monolith } from './harness.ts';

// The public contract, kept in the repository (docs/API.md is the team's shared/API.md) so CI can read it.
const apiMd = resolve(import.meta.dirname, '../../docs/API.md');

interface ContractRoute {
  method: string;
  path: string;
  statuses: string[];
  bearer: boolean;
}

/**
 * Every `METHOD /path` in API.md's tables, with the statuses its other cells name (a status opens
 * the cell or follows `;` or `,`) and whether it needs a bearer token (its row or section says Bearer).
 */
function contractRoutes(markdown: string): ContractRoute[] {
  const routes: ContractRoute[] = [];
  let bearerSection = false;
  for (const line of markdown.split('\n')) {
    // "(Bearer)", or "(Bearer with the `admin` role; …)".
    if (line.startsWith('#')) bearerSection = line.includes('(Bearer');
    if (!line.startsWith('|')) continue;
    const [request = '', ...answers] = line.split('|').slice(1, -1);
    const statuses = [
      ...answers
        .join(';')
        .replaceAll('`', '')
        .matchAll(/(?:^|[;,])\s*([1-5]\d\d)\b/g),
    ].map((m) => m[1]!);
    for (const [, method, path] of request.matchAll(/`(GET|POST|PUT|PATCH|DELETE) ([^`?\s]+)[^`]*`/g)) {
      routes.push({ method: method!.toLowerCase(), path: path!, statuses, bearer: bearerSection || request.includes('(Bearer)') });
    }
  }
  return routes;
}

type Operation = { responses: Record<string, { headers?: Record<string, unknown> }>; security?: unknown; parameters?: unknown[] };
const document = openApiDocument();
const operation = (method: string, path: string) => (document.paths?.[path] as Record<string, Operation> | undefined)?.[method];

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(document))); // as /openapi.json serves it
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has every route of API.md, with each status API.md names and Bearer security where API.md says Bearer', async () => {
    const routes = contractRoutes(await readFile(apiMd, 'utf8'));
    // A parser that found nothing would pass everything below.
    expect(routes.length).toBeGreaterThanOrEqual(18);
    expect(routes).toContainEqual({ method: 'delete', path: '/api/sessions/{id}', statuses: ['204', '404'], bearer: true });
    const gaps: string[] = [];
    for (const { method, path, statuses, bearer } of routes) {
      const op = operation(method, path);
      if (!op) gaps.push(`${method} ${path}: missing`);
      for (const status of op ? statuses : []) if (!op!.responses[status]) gaps.push(`${method} ${path}: no ${status}`);
      if (op && Boolean(op.security) !== bearer) gaps.push(`${method} ${path}: bearer ${Boolean(op.security)}, API.md ${bearer}`);
    }
    expect(gaps).toEqual([]);
  });

  it('documents 429, 503 (both with Retry-After) and the RateLimit headers on every /api route', () => {
    const gaps: string[] = [];
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
        for (const status of ['429', '503']) {
          if (!op.responses[status]?.headers?.['Retry-After']) gaps.push(`${method} ${path}: no ${status} with Retry-After`);
        }
        for (const [status, answer] of Object.entries(op.responses)) {
          if (!answer.headers?.RateLimit || !answer.headers['RateLimit-Policy'])
            gaps.push(`${method} ${path} ${status}: no RateLimit headers`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  it('documents the request id on every operation, as the gateway treats it', async () => {
    const gaps: string[] = [];
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
        if (!op.parameters?.some((p) => (p as { $ref?: string }).$ref === '#/components/parameters/RequestId'))
          gaps.push(`${method} ${path}: no X-Request-Id parameter`);
        for (const [status, answer] of Object.entries(op.responses))
          if (!answer.headers?.['X-Request-Id']) gaps.push(`${method} ${path} ${status}: no X-Request-Id header`);
      }
    }
    expect(gaps).toEqual([]);

    // What the documented pattern admits is exactly what the gateway echoes.
    const pattern = new RegExp((document.components!.parameters!.RequestId as { schema: { pattern: string } }).schema.pattern);
    const target = await monolith({ DATABASE_URL: 'memory' })();
    try {
      for (const id of ['req-42', 'a_b=c', 'x'.repeat(128), 'x'.repeat(129), 'has space', 'semi;colon', 'ünï']) {
        const echoed = (await target.request('/health/live', { headers: { 'X-Request-Id': id } })).headers.get('X-Request-Id') === id;
        expect([id, echoed]).toEqual([id, pattern.test(id)]);
      }
    } finally {
      await target.close();
    }
  });

  it('asks for the admin role on every admin route, and for no role elsewhere', () => {
    const requirements = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(([method, op]) => [`${method} ${path}`, op.security] as const),
    );
    const admin = requirements.filter(([route]) => route.includes(' /api/admin/'));
    expect(admin.length).toBe(8);
    for (const [route, security] of requirements) {
      const roles = (security as Array<{ bearerAuth?: string[] }> | undefined)?.[0]?.bearerAuth ?? [];
      expect([route, roles]).toEqual([route, route.includes(' /api/admin/') ? ['admin'] : []]);
    }
  });

  it('documents every route the modules serve', () => {
    const unused = {} as never; // building the routes calls no port
    const served = publicRouteGroups.map((group) => [group.path, group.endpoints(unused)] as const);
    // One entry per handler (validators included), hence the set.
    const routes = new Set(
      served.flatMap(([mount, app]) =>
        app.routes
          .filter((route) => route.method !== 'ALL')
          .map((route) => `${route.method.toLowerCase()} ${`${mount}${route.path}`.replace(/\/$/, '').replace(/:(\w+)/g, '{$1}')}`),
      ),
    );
    expect(routes.size).toBeGreaterThanOrEqual(13);
    expect([...routes].filter((route) => !operation(...(route.split(' ') as [string, string])))).toEqual([]);
  });
});
