import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { DomainError, UnavailableError } from './errors.ts';
import type { PortSpec } from './remote.ts';

// The API only: with no SDK registered (OTEL_EXPORTER_OTLP_ENDPOINT unset) every span is a no-op.
// Looked up per span, not once: a tracer fetched early keeps the first SDK it saw, even after that
// SDK is shut down and another registered.
const tracer = () => trace.getTracer('modular-auth');

let recording = false;

/**
 * Says whether an SDK records spans (src/telemetry.ts, as it starts and stops one). While none
 * does, inSpan skips the API's no-op tracer, whose span and context switch cost a few per cent of
 * a request's CPU time, and hands `work` the same non-recording span that tracer would.
 */
export function setSpansRecorded(on: boolean): void {
  recording = on;
}

export { SpanKind };

/** Where a span starts: under `parent` when given, else under the active span. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  parent?: Context;
}

/**
 * Runs `work` inside a new active span and ends it. A domain error is an answer (wrong password,
 * unknown session): it is tagged `error.type` but leaves the span's status alone; anything else,
 * including an unavailable dependency, marks the span as failed.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const { parent = context.active(), ...spanOptions } = options;
  if (!recording) return work(trace.wrapSpanContext(trace.getSpanContext(parent) ?? INVALID_SPAN_CONTEXT));
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (error instanceof DomainError) span.setAttribute('error.type', error.code);
      if (!(error instanceof DomainError) || error instanceof UnavailableError) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The W3C `traceparent` of the active span, if there is one to propagate. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs `work` outside any trace. For loops that a request merely wakes (an outbox relay, a bus's
 * delivery queue): they outlive it and serve other requests' work, which must not join its trace.
 */
export function detached<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

/** Adds the active trace context (`traceparent`, `tracestate`) to outgoing headers. */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/** The trace context a request or message carries; the root context when it carries none. */
export function extractTraceContext(headers: { get(name: string): string | null | undefined }): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: () => ['traceparent', 'tracestate'],
  });
}

/**
 * Wraps every method of a port in a span named `<Port>.<method>`, tagged `remote` as Service
 * Weaver tags its stubs: a local call is an internal span, a remote one a client span (whose HTTP
 * request then carries the trace context).
 */
export function tracePort<Api extends object>(port: string, spec: PortSpec<Api>, impl: Api, { remote }: { remote: boolean }): Api {
  const callable = impl as Record<string, (input: unknown) => Promise<unknown>>;
  const kind = remote ? SpanKind.CLIENT : SpanKind.INTERNAL;
  const traced = Object.keys(spec).map((method) => {
    const attributes = { 'rpc.service': port, 'rpc.method': method, remote };
    const call = (input: unknown) => inSpan(`${port}.${method}`, { kind, attributes }, () => callable[method]!.call(impl, input));
    return [method, call];
  });
  return Object.fromEntries(traced) as Api;
}
