import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../../adapters/bus/memory-bus.ts';
import { createOutboxRelay } from '../../adapters/bus/outbox-relay.ts';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import type { AppEnv } from '../../modules/kernel/http.ts';
import { createEvent, inSpan, tracePort, UnavailableError, ValidationError, type EventBus } from '../../modules/kernel/mod.ts';
import { observeRequests } from '../../src/observe.ts';
import { createProblemHandler } from '../../src/problem.ts';
import { startTracing, type Tracing } from '../../src/telemetry.ts';
import { eventually } from '../e2e/harness.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(async () => {
  tracing = await startTracing({ service: 'test', processor: new SimpleSpanProcessor({ exporter }) });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const activeSpanName = () => (trace.getActiveSpan() as { name?: string } | undefined)?.name;
const spanNamed = (name: string) => exporter.getFinishedSpans().find((span) => span.name === name);

describe('inSpan and tracePort', () => {
  it('tag a domain error as an answer, but fail the span for an unavailable dependency or a bug', async () => {
    const port = tracePort(
      'DemoApi',
      { refuse: {}, unavailable: {}, bug: {} } as never,
      {
        refuse: async () => Promise.reject(new ValidationError('no', [])),
        unavailable: async () => Promise.reject(new UnavailableError()),
        bug: async () => Promise.reject(new TypeError('oops')),
      },
      { remote: false },
    ) as Record<'refuse' | 'unavailable' | 'bug', () => Promise<void>>;
    for (const method of ['refuse', 'unavailable', 'bug'] as const) await expect(port[method]()).rejects.toThrow();
    const outcome = (name: string) => {
      const span = spanNamed(name)!;
      return {
        status: span.status.code,
        errorType: span.attributes['error.type'],
        exception: span.events.some((e) => e.name === 'exception'),
      };
    };
    expect(outcome('DemoApi.refuse')).toEqual({ status: 0, errorType: 'validation_failed', exception: false });
    expect(outcome('DemoApi.unavailable')).toEqual({ status: 2, errorType: 'service_unavailable', exception: true });
    expect(outcome('DemoApi.bug')).toEqual({ status: 2, errorType: undefined, exception: true });
    expect(spanNamed('DemoApi.bug')!.attributes).toMatchObject({ 'rpc.service': 'DemoApi', 'rpc.method': 'bug', remote: false });
  });

  it('records an unexpected error on the request span that answered 500', async () => {
    const app = new Hono<AppEnv>();
    app.use(observeRequests({ logger: { debug() {}, info() {}, warn() {}, error() {} }, record: () => {} }));
    app.get('/boom', () => {
      throw new TypeError('kaboom');
    });
    app.onError(createProblemHandler({ statusByCode: {}, logError: () => {} }));
    expect((await app.request('/boom')).status).toBe(500);
    const span = spanNamed('GET /boom')!;
    expect(span.status.code).toBe(2);
    expect(span.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([['exception', 'kaboom']]);
  });
});

describe('loops a request only wakes do not join its trace', () => {
  it('the outbox relay publishes outside the request that committed', async () => {
    const outbox = createMemoryOutbox();
    const seen: Array<string | undefined> = [];
    const bus = { publish: async () => void seen.push(activeSpanName()) } as unknown as EventBus;
    const relay = createOutboxRelay({ outbox, bus, pollIntervalMs: 60_000 });
    relay.start();
    await relay.flush(); // idle, so the request's commit is what wakes it
    try {
      await inSpan('request A', {}, async () => {
        await outbox.append([{ ...createEvent({ source: 'test', type: 'demo.happened', data: {} }), traceparent: undefined }]);
      });
      await eventually(async () => expect(seen).toEqual([undefined]));
    } finally {
      await relay.stop();
    }
  });

  it('the memory bus delivers and dead-letters outside the request whose publish woke it', async () => {
    const deadLettered: Array<string | undefined> = [];
    const bus = createMemoryEventBus({ maxAttempts: 1, onDeadLetter: () => void deadLettered.push(activeSpanName()) });
    const subscription = bus.subscribe({ group: 'g', types: ['demo.failed'], handler: async () => Promise.reject(new Error('no')) });
    try {
      await subscription.ready;
      await inSpan('request A', {}, () => bus.publish(createEvent({ source: 'test', type: 'demo.failed', data: {} })));
      await eventually(async () => expect(deadLettered).toEqual([undefined]));
    } finally {
      await bus.close();
    }
  });
});
