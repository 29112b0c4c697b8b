import { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';

/** A readiness probe: resolves when the dependency answers, rejects (or times out) when not. */
export type HealthCheck = () => Promise<unknown>;

/** A failure whose message is safe to publish in the readiness body (others show 'unavailable'). */
export class CheckFailed extends Error {}

/** Runs one check with a deadline. The body is public: it says pass or fail, never an error's text. */
async function run(check: HealthCheck, timeoutMs: number) {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const outcome = await Promise.race([check().then(() => 'pass' as const), deadline]);
    if (outcome === 'timeout') return { status: 'fail' as const, output: `no answer within ${timeoutMs} ms` };
    return { status: 'pass' as const, observedValue: Math.round(performance.now() - started), observedUnit: 'ms' };
  } catch (error) {
    return { status: 'fail' as const, output: error instanceof CheckFailed ? error.message : 'unavailable' };
  } finally {
    clearTimeout(timer);
  }
}

/** Where orchestrators (and the service registry) probe. */
export const healthPaths = { live: '/health/live', ready: '/health/ready' } as const;

/** `/health/live` and `/health/ready` in the IETF health-check format (application/health+json). */
export function healthEndpoints(checks: Record<string, HealthCheck>, { timeoutMs = 1000 } = {}) {
  const health = (c: { body: (b: string, s: 200 | 503, h: Record<string, string>) => Response }, body: object, status: 200 | 503) =>
    c.body(JSON.stringify(body), status, { 'Content-Type': 'application/health+json', 'Cache-Control': 'no-store' });

  return new Hono<AppEnv>()
    .get(healthPaths.live, (c) => health(c, { status: 'pass' }, 200))
    .get(healthPaths.ready, async (c) => {
      const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await run(check, timeoutMs)] as const));
      const ok = results.every(([, r]) => r.status === 'pass');
      const body = {
        status: ok ? 'pass' : 'fail',
        checks: Object.fromEntries(
          results.map(([name, r]) => [`${name}:responseTime`, [{ componentId: name, ...r, time: new Date().toISOString() }]]),
        ),
      };
      return health(c, body, ok ? 200 : 503);
    });
}
