import { isSpanContextValid, SpanStatusCode } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import { extractTraceContext, inSpan, SpanKind } from '../modules/kernel/mod.ts';
import type { Logger } from './log.ts';

/**
 * Measures each request once: a server span (under the caller's `traceparent`, if any), then one
 * JSON log line and the metrics. All use the route template (never the raw path, which may carry
 * ids) and nothing from headers or bodies, so no token or password can reach them. 5xx log as
 * error, everything else as info.
 *
 * Requests for a `routine` path (health probes, metric scrapes: machines ask every few seconds)
 * are counted but start no span and log only at debug, so they neither drown the log nor fill
 * the trace store.
 */
export function observeRequests({
  logger,
  record,
  routine = new Set(),
}: {
  logger: Logger;
  record: (request: { method: string; route: string; status: number }, seconds: number) => void;
  routine?: ReadonlySet<string>;
}): MiddlewareHandler<AppEnv> {
  return async function observeRequests(c, next) {
    const started = performance.now();
    const { method } = c.req;
    const isRoutine = routine.has(c.req.path);
    let traceId: string | undefined;
    if (isRoutine) await next();
    else {
      const parent = extractTraceContext(c.req.raw.headers);
      traceId = await inSpan(method, { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': method } }, async (span) => {
        await next();
        span.updateName(`${method} ${c.req.routePath}`);
        span.setAttributes({ 'http.route': c.req.routePath, 'http.response.status_code': c.res.status });
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        // With no SDK the span is a no-op, but it still carries the caller's trace id, if any.
        return isSpanContextValid(span.spanContext()) ? span.spanContext().traceId : undefined;
      });
    }
    const seconds = (performance.now() - started) / 1000;
    const request = { method, route: c.req.routePath, status: c.res.status };
    record(request, seconds);
    const fields = {
      requestId: c.get('requestId'),
      traceId,
      ...request,
      durationMs: Math.round(seconds * 10_000) / 10,
    };
    if (request.status >= 500) logger.error('request', fields);
    else if (isRoutine) logger.debug('request', fields);
    else logger.info('request', fields);
  };
}
