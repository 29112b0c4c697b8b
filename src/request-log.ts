import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import type { Logger } from './log.ts';

const traceparent = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * One JSON line per request: route template (never the raw path, which may carry ids), status,
 * duration, request and trace ids. Nothing from headers or bodies, so no token or password can
 * reach the log. 5xx log as error, everything else as info.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const fields = {
      requestId: c.get('requestId'),
      traceId: traceparent.exec(c.req.header('traceparent') ?? '')?.[1],
      method: c.req.method,
      route: c.req.routePath,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  };
}
