import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi.ts';
import { bearer, read, type ProblemBody } from './client.ts';
import { useTarget, type StartTarget } from './harness.ts';

export function edgeScenarios(start: StartTarget) {
  const ctx = useTarget(start);

  describe('edge', () => {
    it('every response carries security headers, and /api responses are not cached', async () => {
      for (const path of ['/api/users/me', '/health/live', '/nope']) {
        const res = await ctx.target.request(path);
        expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=31536000/);
        expect(res.headers.get('X-Frame-Options')).toBe('DENY');
        expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      }
      expect((await ctx.target.request('/api/users/me')).headers.get('Cache-Control')).toBe('no-store');
    });

    it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
      const sane = await ctx.target.request('/health/live', { headers: { 'X-Request-Id': 'abc-123_XYZ' } });
      expect(sane.headers.get('X-Request-Id')).toBe('abc-123_XYZ');
      const unsafe = await ctx.target.request('/health/live', { headers: { 'X-Request-Id': 'evil\tvalue; <script>' } });
      expect(unsafe.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
      const none = await ctx.target.request('/health/live');
      expect(none.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('allows CORS with credentials for listed origins only, never *', async () => {
      const allowed = await ctx.target.request('/api/auth/login', {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://app.example.com',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
      expect(allowed.status).toBeLessThan(300);
      expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('Access-Control-Allow-Credentials')).toBe('true');
      const denied = await ctx.target.request('/api/users/me', { headers: { Origin: 'https://evil.example.net' } });
      expect(denied.headers.get('Access-Control-Allow-Origin')).toBeNull();
      expect(denied.headers.get('Access-Control-Allow-Credentials')).toBeNull();
      const deniedPreflight = await ctx.target.request('/api/auth/login', {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example.net', 'Access-Control-Request-Method': 'POST' },
      });
      expect(deniedPreflight.headers.get('Access-Control-Allow-Origin')).toBeNull();
      expect(deniedPreflight.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    });

    it('answers 413 problem+json for a body over 64 KiB, and changes nothing', async () => {
      const email = ctx.api.uniqueEmail();
      const res = await ctx.api.auth.register.$post({ json: { email, password: ctx.api.password, displayName: 'x'.repeat(70 * 1024) } });
      expect(res.status).toBe(413);
      expect(res.headers.get('Content-Type')).toContain('application/problem+json');
      expect((await ctx.api.auth.login.$post({ json: { email, password: ctx.api.password } })).status).toBe(401);
    });

    it('answers a body that is not JSON like one without the fields: 400 naming them', async () => {
      const res = await ctx.api.call<ProblemBody>('POST', '/api/auth/login', {
        rawBody: 'email=a%40example.com&password=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(res.body.errors.map((e) => e.path)).toEqual(['email', 'password']);
    });

    it('answers 400 problem+json for malformed JSON', async () => {
      const res = await ctx.api.call('POST', '/api/auth/register', { rawBody: '{"email": "a@b.c", ' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: expect.any(String), title: 'Bad Request', status: 400, detail: expect.any(String) });
    });

    it('never answers 500 to odd bodies on any JSON endpoint', async () => {
      const s = await ctx.api.signedUp();
      const bodies = ['null', '[]', '42', '"str"', '{"email":null,"password":{}}', '{"__proto__":{"x":1}}', 'true', '{}', '\u0000', ''];
      const endpoints: Array<[string, string, string?]> = [
        ['POST', '/api/auth/register'],
        ['POST', '/api/auth/login'],
        ['POST', '/api/auth/refresh'],
        ['PATCH', '/api/users/me', s.accessToken],
        ['POST', '/api/users/me/password', s.accessToken],
        ['DELETE', '/api/users/me', s.accessToken],
      ];
      for (const [method, path, token] of endpoints) {
        for (const rawBody of bodies) {
          const res = await ctx.api.call(method, path, { rawBody, token });
          expect(res.status, `${method} ${path} ${JSON.stringify(rawBody)}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${method} ${path} ${JSON.stringify(rawBody)}`).toBeLessThan(500);
          expect(res.headers.get('Content-Type')).toContain('application/problem+json');
        }
      }
      expect((await ctx.api.users.me.$get({}, bearer(s.accessToken))).status).toBe(200);
    });

    it('never answers 500 to NUL characters, lone surrogates or malformed ids inside fields', async () => {
      const s = await ctx.api.signedUp();
      const attempts: Array<[string, string, unknown, string?]> = [
        ['POST', '/api/auth/login', { email: 'a\u0000@example.com', password: 'whatever long' }],
        ['POST', '/api/auth/login', { email: s.email, password: 'pass\u0000word!!' }],
        ['POST', '/api/auth/register', { email: ctx.api.uniqueEmail(), password: ctx.api.password, displayName: 'a\u0000b' }],
        ['POST', '/api/auth/register', { email: ctx.api.uniqueEmail(), password: ctx.api.password, displayName: 'a\ud800b' }],
        ['POST', '/api/auth/refresh', { refreshToken: 'abc\u0000def' }],
        ['PATCH', '/api/users/me', { displayName: 'x\u0000' }, s.accessToken],
        ['DELETE', '/api/sessions/%00', undefined, s.accessToken],
        ['DELETE', '/api/sessions/not-a-uuid', undefined, s.accessToken],
        ['GET', '/api/audit/me?limit=%00', undefined, s.accessToken],
      ];
      for (const [method, path, json, token] of attempts) {
        const res = await ctx.api.call(method, path, { json, token });
        expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBeLessThan(500);
      }
      expect((await read(ctx.api.users.me.$get({}, bearer(s.accessToken)))).body.displayName).toBeNull();
    });

    it('answers 404 problem+json for an unknown route', async () => {
      const res = await ctx.api.call('GET', '/api/nothing-here');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, code: 'not_found' });
    });

    it('serves Prometheus metrics at /metrics, outside rate limits', async () => {
      await ctx.target.request('/health/live');
      const res = await ctx.target.request('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toContain('text/plain');
      expect(res.headers.get('RateLimit')).toBeNull();
      expect(await res.text()).toMatch(/^http_requests_total\{method="GET",route="\/health\/live",status="200"/m);
    });

    it('counts requests by route template, never by raw path, in every placement (a split gateway too)', async () => {
      const s = await ctx.api.signedUp();
      expect((await ctx.api.sessions[':id'].$delete({ param: { id: crypto.randomUUID() } }, bearer(s.accessToken))).status).toBe(404);
      const metrics = await (await ctx.target.request('/metrics')).text();
      expect(metrics).toMatch(/^http_requests_total\{method="DELETE",route="\/api\/sessions\/:id",status="404"/m);
      expect(metrics).toMatch(/^http_requests_total\{method="POST",route="\/api\/auth\/login",status="200"/m);
    });

    it('serves the OpenAPI document of the whole public API, whatever modules this process hosts', async () => {
      const res = await ctx.target.request('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toContain('application/json');
      expect(res.headers.get('RateLimit')).toBeNull();
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    });

    it('serves the reference page at /docs, every script and style from this origin, under a policy that allows only those', async () => {
      const res = await ctx.target.request('/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toContain('text/html');
      const policy = res.headers.get('Content-Security-Policy') ?? '';
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain("connect-src 'self'");
      expect(res.headers.get('X-Frame-Options')).toBe('DENY');
      const html = await res.text();
      const sources = [...html.matchAll(/<(?:script src|link rel="stylesheet" href)="([^"]+)"/g)].map((m) => m[1]);
      expect(sources).toEqual(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/start.js']);
      expect(html).not.toMatch(/<script>/); // no inline script: the policy allows none
      expect(await (await ctx.target.request('/docs/start.js')).text()).toContain("url: '/openapi.json'");
    });

    it('serves Swagger UI’s script and styles itself, so /docs works with no CDN', async () => {
      const script = await ctx.target.request('/docs/swagger-ui-bundle.js');
      expect([script.status, script.headers.get('Content-Type')]).toEqual([200, 'text/javascript; charset=utf-8']);
      expect(await script.text()).toContain('SwaggerUIBundle');
      const styles = await ctx.target.request('/docs/swagger-ui.css');
      expect([styles.status, styles.headers.get('Content-Type')]).toEqual([200, 'text/css; charset=utf-8']);
      expect((await ctx.target.request('/docs/package.json')).status).toBe(404);
    });

    it('reports liveness and readiness as application/health+json', async () => {
      const live = await ctx.target.request('/health/live');
      expect(live.status).toBe(200);
      expect(live.headers.get('Content-Type')).toContain('application/health+json');
      expect(await live.json()).toEqual({ status: 'pass' });
      const ready = await ctx.target.request('/health/ready');
      expect(ready.status).toBe(200);
      const body = await ready.json();
      expect(body.status).toBe('pass');
      for (const [name, [check]] of Object.entries<Array<{ status: string }>>(body.checks)) expect(check!.status, name).toBe('pass');
    });
  });
}
