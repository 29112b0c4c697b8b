import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Logger } from './log.ts';

export interface Tracing {
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * W3C trace context in and out. Registered even without an SDK (it costs nothing until a request
 * carries a `traceparent`), so a caller's trace id still reaches the request log.
 */
export function registerTracePropagation(): void {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * Starts the OpenTelemetry SDK: spans of this process, named by `service`, go to `processor`; the
 * active span follows async work (AsyncLocalStorage, on Node and Deno alike).
 */
export async function startTracing({ service, processor }: { service: string; processor: SpanProcessor }): Promise<Tracing> {
  const [{ TracerProvider }, { AsyncLocalStorageContextManager }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [processor] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  registerTracePropagation();
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/**
 * Tracing as configured: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans are batched to its
 * `/v1/traces` (OTLP over HTTP, JSON), and failed exports are logged; unset, the SDK is never
 * loaded and spans are no-ops.
 */
export async function startTelemetry({
  otlpEndpoint,
  service,
  logger,
}: {
  otlpEndpoint?: string;
  service: string;
  logger: Logger;
}): Promise<Tracing | undefined> {
  if (!otlpEndpoint) return undefined;
  // The SDK reports failed exports (collector down, say) through diag, silent unless given a logger.
  const report = (detail: string) => logger.warn('telemetry', { detail });
  diag.setLogger({ error: report, warn: report, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  const [{ BatchSpanProcessor }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` });
  return startTracing({ service, processor: new BatchSpanProcessor({ exporter }) });
}
