import { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';

/** A readiness probe: resolves when the dependency answers, rejects (or times out) when not. */
export type HealthCheck = () => Promise<unknown>;

const timeout = (ms: number) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref?.());

async function run(check: HealthCheck, timeoutMs: number) {
  const started = performance.now();
  try {
    await Promise.race([check(), timeout(timeoutMs)]);
    return { status: 'pass' as const, observedValue: Math.round(performance.now() - started), observedUnit: 'ms' };
  } catch (error) {
    return { status: 'fail' as const, output: error instanceof Error ? error.message : 'check failed' };
  }
}

/** `/health/live` and `/health/ready` in the IETF health-check format (application/health+json). */
export function healthRoutes(checks: Record<string, HealthCheck>, { timeoutMs = 1000 } = {}) {
  const health = (c: { body: (b: string, s: 200 | 503, h: Record<string, string>) => Response }, body: object, status: 200 | 503) =>
    c.body(JSON.stringify(body), status, { 'Content-Type': 'application/health+json', 'Cache-Control': 'no-store' });

  return new Hono<AppEnv>()
    .get('/health/live', (c) => health(c, { status: 'pass' }, 200))
    .get('/health/ready', async (c) => {
      const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await run(check, timeoutMs)] as const));
      const ok = results.every(([, r]) => r.status === 'pass');
      const body = {
        status: ok ? 'pass' : 'fail',
        checks: Object.fromEntries(results.map(([name, r]) => [`${name}:responseTime`, [{ componentId: name, ...r, time: new Date().toISOString() }]])),
      };
      return health(c, body, ok ? 200 : 503);
    });
}
