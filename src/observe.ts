import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import type { Logger } from './log.ts';

const traceparent = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * Measures each request once, then writes one JSON log line and records the metrics. Both use the
 * route template (never the raw path, which may carry ids) and nothing from headers or bodies, so
 * no token or password can reach them. 5xx log as error, everything else as info.
 */
export function observeRequests({
  logger,
  record,
}: {
  logger: Logger;
  record: (request: { method: string; route: string; status: number }, seconds: number) => void;
}): MiddlewareHandler<AppEnv> {
  return async function observeRequests(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const request = { method: c.req.method, route: c.req.routePath, status: c.res.status };
    record(request, seconds);
    const fields = {
      requestId: c.get('requestId'),
      traceId: traceparent.exec(c.req.header('traceparent') ?? '')?.[1],
      ...request,
      durationMs: Math.round(seconds * 10_000) / 10,
    };
    if (request.status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  };
}
