import { createHmac, randomBytes } from 'node:crypto';
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Config } from '../config/mod.ts';
import { setSpansRecorded } from '../modules/kernel/mod.ts';
import type { Logger } from './log.ts';

/** The SDK module, loaded only when tracing starts. */
type SdkTrace = typeof import('@opentelemetry/sdk-trace');

export interface Tracing {
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * W3C trace context in and out. Registered even without an SDK (it costs nothing until a request
 * carries a `traceparent`), so a caller's trace id still reaches the request log.
 */
export function registerTracePropagation(): void {
  // Registering twice makes the API complain through diag (logged once tracing is on).
  if (!propagation.fields().includes('traceparent')) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * The sampler OTEL_TRACES_SAMPLER names, as the OpenTelemetry spec defines them: the parent-based
 * ones follow the caller's decision, so a trace is recorded whole or not at all across services.
 * At the edge the caller is the internet, which must not choose: a client's `traceparent` still
 * gives the trace its id, but this process's own sampler decides whether it is recorded.
 */
function samplerFor(sdk: SdkTrace, { name, ratio }: Config['traceSampler'], { edge }: { edge: boolean }): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const roots = { always_on: new AlwaysOnSampler(), always_off: new AlwaysOffSampler(), traceidratio: new TraceIdRatioBasedSampler(ratio) };
  const kind = name.replace(/^parentbased_/, '') as keyof typeof roots;
  if (!name.startsWith('parentbased_')) return roots[kind];
  if (!edge) return new ParentBasedSampler({ root: roots[kind] });
  // The ratio sampler decides from the trace id, which in a client's traceparent is the client's
  // choice: it could pick ids that are always, or never, recorded. The keyed one decides roots too,
  // so a trace this process starts and the deliveries of its events get the same answer.
  const decide = kind === 'traceidratio' ? keyedRatioSampler(sdk, ratio) : roots[kind];
  return new ParentBasedSampler({ root: decide, remoteParentSampled: decide, remoteParentNotSampled: decide });
}

/**
 * Records a `ratio` share of traces, decided by a keyed hash of the trace id: every span of one
 * trace in this process gets the same answer (the request, and the event deliveries whose
 * envelopes carry its context), but no client can pick ids that are recorded or skipped.
 */
function keyedRatioSampler({ SamplingDecision }: SdkTrace, ratio: number): Sampler {
  const key = randomBytes(32);
  const bound = ratio * 2 ** 32;
  const recorded = (traceId: string) => createHmac('sha256', key).update(traceId).digest().readUInt32BE(0) < bound;
  return {
    shouldSample: (_context, traceId) => ({
      decision: recorded(traceId) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
    }),
    toString: () => `KeyedTraceIdRatio{${ratio}}`,
  };
}

/**
 * Starts the OpenTelemetry SDK: spans of this process, named by `service`, go to `processor`; the
 * active span follows async work (AsyncLocalStorage, on Node and Deno alike).
 */
export async function startTracing({
  service,
  processor,
  sampler = { name: 'parentbased_always_on', ratio: 1 },
  edge = false,
}: {
  service: string;
  processor: SpanProcessor;
  sampler?: Config['traceSampler'];
  /** This process takes requests from the internet (it hosts the gateway). */
  edge?: boolean;
}): Promise<Tracing> {
  const [sdk, { AsyncLocalStorageContextManager }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    sampler: samplerFor(sdk, sampler, { edge }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  registerTracePropagation();
  trace.setGlobalTracerProvider(provider);
  setSpansRecorded(true);
  return {
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        setSpansRecorded(false);
        trace.disable();
        context.disable();
        diag.disable();
      }
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
  sampler,
  edge,
  service,
  logger,
}: {
  otlpEndpoint?: string;
  sampler?: Config['traceSampler'];
  edge?: boolean;
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
  const tracing = await startTracing({ service, sampler, edge, processor: new BatchSpanProcessor({ exporter }) });
  // Stopping must not fail because the collector is gone; the spans it missed are reported.
  return { shutdown: () => tracing.shutdown().catch((error: unknown) => report(`spans not exported at shutdown: ${String(error)}`)) };
}
