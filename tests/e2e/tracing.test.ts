import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import { startTelemetry, startTracing, type Tracing } from '../../src/telemetry.ts';
import { renderTrace, startOtlpCollector, type CollectedSpan } from '../support/otlp-collector.ts';
import { createClient } from './client.ts';
import { eventually, monolith, type Target } from './harness.ts';
import { startProcess } from './process.ts';
import { startSplit } from './split.ts';

const kinds = ['internal', 'server', 'client', 'producer', 'consumer'] as const;

const collected = (span: ReadableSpan): CollectedSpan => ({
  service: String(span.resource.attributes['service.name']),
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  name: span.name,
  kind: kinds[span.kind]!,
  attributes: span.attributes,
});

/** `<kind> <name>`, with the consumer group of a delivery and, where given, the span's service. */
const describeSpan = (service?: (span: CollectedSpan) => string) => (span: CollectedSpan) => {
  const group = span.kind === 'consumer' ? ` (${String(span.attributes['messaging.consumer.group.name'])})` : '';
  return `${service ? `${service(span)}: ` : ''}${span.kind} ${span.name}${group}`;
};

/** Port spans say where the call went, as Service Weaver's stubs do: client spans remote, internal ones local. */
function expectPortSpansTagged(spans: CollectedSpan[]) {
  const portSpans = spans.filter((s) => s.attributes['rpc.service']);
  expect(portSpans.length).toBeGreaterThan(0);
  for (const span of portSpans) expect([span.name, span.attributes.remote]).toEqual([span.name, span.kind === 'client']);
}

const monolithLogin = [
  'server POST /api/auth/login',
  '  internal AuthApi.login',
  '    internal MfaApi.methodsOf',
  '    internal SessionApi.create',
  '      producer publish session.created',
  '    internal UserApi.recordLogin',
  '    internal UserApi.verifyCredentials',
  '    producer publish user.login',
  '      consumer process user.login (audit)',
  '      consumer process user.login (log)',
  '      consumer process user.login (metrics)',
];

/** Before the describe's tests: an OTLP collector, then a deployment exporting to it; both closed after. */
function exportingTo(start: (endpoint: string) => Promise<Target>) {
  const ctx = {} as { collector: Awaited<ReturnType<typeof startOtlpCollector>>; target: Target };
  beforeAll(async () => {
    ctx.collector = await startOtlpCollector();
    ctx.target = await start(ctx.collector.url);
  }, 60_000);
  afterAll(async () => {
    await ctx.target?.close();
    await ctx.collector?.close();
  });
  return ctx;
}

/** Registers and logs in; returns the trace id of the login request, which the client starts. */
async function tracedLogin(target: Target) {
  const api = createClient(target);
  const { email } = await api.register();
  const traceId = crypto.randomUUID().replaceAll('-', '');
  await api.login(email, api.password, { traceparent: `00-${traceId}-${'1'.repeat(16)}-01` });
  return traceId;
}

describe('a login is one trace', () => {
  describe('in the monolith (in-memory span exporter)', () => {
    const exporter = new InMemorySpanExporter();
    let tracing: Tracing;
    let target: Target;
    beforeAll(async () => {
      tracing = await startTracing({ service: 'monolith', processor: new SimpleSpanProcessor({ exporter }) });
      target = await monolith({ DATABASE_URL: 'memory' })();
    });
    afterAll(async () => {
      await target.close();
      await tracing.shutdown();
    });

    it('runs from the request through every port call to each event handler', async () => {
      const traceId = await tracedLogin(target);
      const spans = () => exporter.getFinishedSpans().map(collected);
      await eventually(async () => expect(renderTrace(spans(), traceId, describeSpan())).toEqual(monolithLogin));
      expectPortSpansTagged(spans());
    });

    it('follows a password change through its event into the session module’s port call', async () => {
      const api = createClient(target);
      const s = await api.signedUp();
      const traceId = crypto.randomUUID().replaceAll('-', '');
      const traceparent = `00-${traceId}-${'1'.repeat(16)}-01`;
      const json = { currentPassword: api.password, newPassword: 'another sturdy passphrase 7' };
      await api.call('POST', '/api/users/me/password', { token: s.accessToken, json, headers: { traceparent } });
      const trace = () => renderTrace(exporter.getFinishedSpans().map(collected), traceId, describeSpan()).join('\n');
      // Handlers call ports (session's, and the notice mail's lookup), so their work shows under the delivery that caused it.
      const nested = [
        '  internal UserApi.changePassword',
        '    producer publish user.password_changed',
        '      consumer process user.password_changed (audit)',
        '      consumer process user.password_changed (auth)',
        '      consumer process user.password_changed (log)',
        '      consumer process user.password_changed (notification)',
        '        internal UserApi.getById',
        '      consumer process user.password_changed (session)',
        '        internal SessionApi.revokeAll',
      ].join('\n');
      await eventually(async () => expect(trace()).toContain(nested));
      expect(trace().startsWith('server POST /api/users/me/password\n')).toBe(true);
    });

    it('leaves probes and scrapes out: they start no span, even under a caller’s trace', async () => {
      const traceId = crypto.randomUUID().replaceAll('-', '');
      const headers = { traceparent: `00-${traceId}-${'1'.repeat(16)}-01` };
      for (const path of ['/health/live', '/health/ready', '/metrics', '/openapi.json'])
        expect((await target.request(path, { headers })).status).toBe(200);
      const trace = () => renderTrace(exporter.getFinishedSpans().map(collected), traceId, describeSpan());
      await eventually(async () => expect(trace()).toEqual(['server GET /openapi.json']));
    });
  });

  describe('in the monolith on Deno (OTLP exporter)', () => {
    const ctx = exportingTo((endpoint) => startProcess('deno', { DATABASE_URL: 'memory', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }));

    it('exports the same trace, flushed at shutdown', async () => {
      const traceId = await tracedLogin(ctx.target);
      await ctx.target.close(); // flushes its spans
      expect(renderTrace(ctx.collector.spans, traceId, describeSpan())).toEqual(monolithLogin);
      expect(new Set(ctx.collector.spans.map((s) => s.service))).toEqual(new Set(['monolith']));
    }, 30_000);
  });

  describe('in the split deployment (a process per module, exporting over OTLP)', () => {
    const ctx = exportingTo((endpoint) => startSplit({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }));

    it('crosses gateway, auth, user, session and audit with one trace id', async () => {
      const traceId = await tracedLogin(ctx.target);
      // Any process with a relay may publish an outbox row (they share the table), so the producer's service varies.
      const label = describeSpan((span) => (span.kind === 'producer' ? 'a relay' : span.service));
      // Each process exports in batches (every 5 s).
      await eventually(
        async () =>
          expect(renderTrace(ctx.collector.spans, traceId, label)).toEqual([
            'gateway: server POST /api/auth/login',
            '  gateway: client forward auth',
            '    auth: server POST /api/auth/login',
            '      auth: internal AuthApi.login',
            '        a relay: producer publish user.login',
            '          audit: consumer process user.login (audit)',
            '          auth: consumer process user.login (log)',
            '          auth: consumer process user.login (metrics)',
            '        auth: client MfaApi.methodsOf',
            '          mfa: server POST /internal/mfa/:method',
            '            mfa: internal MfaApi.methodsOf',
            '        auth: client SessionApi.create',
            '          session: server POST /internal/session/:method',
            '            session: internal SessionApi.create',
            '              a relay: producer publish session.created',
            '        auth: client UserApi.recordLogin',
            '          user: server POST /internal/user/:method',
            '            user: internal UserApi.recordLogin',
            '        auth: client UserApi.verifyCredentials',
            '          user: server POST /internal/user/:method',
            '            user: internal UserApi.verifyCredentials',
          ]),
        15_000,
        200,
      );
      expectPortSpansTagged(ctx.collector.spans);
    }, 30_000);
  });

  describe('with the collector down', () => {
    it('logs the failed export instead of failing requests', async () => {
      const lines: Array<{ msg: string; detail?: string }> = [];
      const logger = { debug() {}, info() {}, error() {}, warn: (msg: string, fields = {}) => void lines.push({ msg, ...fields }) };
      const tracing = await startTelemetry({ otlpEndpoint: 'http://127.0.0.1:9', service: 'monolith', logger });
      const target = await monolith({ DATABASE_URL: 'memory' })();
      try {
        expect((await target.request('/health/live')).status).toBe(200);
      } finally {
        await target.close();
        await tracing!.shutdown();
      }
      // That warning, and nothing else (no complaint about how tracing was set up).
      expect(lines).toEqual([{ msg: 'telemetry', detail: expect.stringMatching(/^spans not exported at shutdown: .*ECONNREFUSED/) }]);
    });
  });

  describe('sampled as OTEL_TRACES_SAMPLER says', () => {
    /** Runs `work` against a monolith whose spans, sampled as `env` says, go to an in-memory exporter. */
    async function withSampledMonolith<T>(
      env: Record<string, string>,
      edge: boolean,
      work: (target: Target, exporter: InMemorySpanExporter) => Promise<T>,
    ) {
      const exporter = new InMemorySpanExporter();
      const { traceSampler } = loadConfig(env);
      const tracing = await startTracing({
        service: 'test',
        sampler: traceSampler,
        edge,
        processor: new SimpleSpanProcessor({ exporter }),
      });
      const target = await monolith({ DATABASE_URL: 'memory' })();
      try {
        return await work(target, exporter);
      } finally {
        await target.close();
        await tracing.shutdown();
      }
    }
    const ratioHalf = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' };

    /** Which of three requests (no traceparent, a caller's sampled one, a caller's unsampled one) get recorded. */
    const recorded = (env: Record<string, string>, edge: boolean) =>
      withSampledMonolith(env, edge, async (target, exporter) => {
        const callers = { sampled: `00-${'1'.repeat(32)}-${'3'.repeat(16)}-01`, unsampled: `00-${'2'.repeat(32)}-${'3'.repeat(16)}-00` };
        await target.request('/openapi.json');
        for (const traceparent of Object.values(callers)) await target.request('/openapi.json', { headers: { traceparent } });
        const traceIds = new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId));
        return {
          own: exporter.getFinishedSpans().some((span) => !Object.values(callers).some((t) => t.includes(span.spanContext().traceId))),
          sampled: traceIds.has('1'.repeat(32)),
          unsampled: traceIds.has('2'.repeat(32)),
        };
      });
    const ratioZero = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };

    it('behind the gateway, follow the caller: a trace is kept whole or not at all', async () => {
      expect(await recorded(ratioZero, false)).toEqual({ own: false, sampled: true, unsampled: false });
    });

    it('at the edge, decide alone: a client can neither force recording nor opt out of it', async () => {
      expect(await recorded(ratioZero, true)).toEqual({ own: false, sampled: false, unsampled: false });
      expect(await recorded({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, true)).toEqual({ own: true, sampled: true, unsampled: true });
    });

    it('at the edge, a trace is still recorded whole or not at all, event deliveries included, whoever started it', async () => {
      await withSampledMonolith(ratioHalf, true, async (target, exporter) => {
        // Traces a client started (its traceparent) …
        const traceIds: string[] = [];
        for (let i = 0; i < 20; i++) traceIds.push(await tracedLogin(target));
        // … and traces this process started (no traceparent), whose ids the test learns from the spans.
        const api = createClient(target);
        for (let i = 0; i < 20; i++) await api.signedUp();
        await eventually(async () => {
          const spans = exporter.getFinishedSpans().map(collected);
          const trees = traceIds.map((id) => renderTrace(spans, id, describeSpan()));
          for (const tree of trees) expect([[], monolithLogin]).toContainEqual(tree);
          // Both outcomes among 20 fair draws: all alike has a probability near 2e-6.
          expect(new Set(trees.map((tree) => tree.length > 0)).size).toBe(2);
          // No publish or delivery was kept whose request was not: nothing starts a trace but a request or a start-up call.
          const ownTraces = new Set(spans.map((span) => span.traceId).filter((id) => !traceIds.includes(id)));
          for (const id of ownTraces) expect(renderTrace(spans, id, describeSpan())[0]).toMatch(/^(server|internal) /);
          const ownLogins = [...ownTraces].filter((id) => renderTrace(spans, id, describeSpan())[0] === 'server POST /api/auth/login');
          expect(ownLogins.length).toBeGreaterThan(0);
          expect(ownLogins.length).toBeLessThan(20);
        });
      });
    });

    it('at the edge, a ratio is kept whatever trace ids a client picks', async () => {
      // The trace-id ratio sampler records an id whose four 32-bit words XOR to less than
      // ratio * 2^32: a client picking ids near 0 would be recorded always, near 2^32 never.
      await withSampledMonolith(ratioHalf, true, async (target, exporter) => {
        const word = (i: number) => i.toString(16).padStart(8, '0');
        const picks = {
          alwaysRecorded: Array.from({ length: 100 }, (_, i) => `${'0'.repeat(24)}${word(i)}`),
          neverRecorded: Array.from({ length: 100 }, (_, i) => `${'f'.repeat(24)}${word(i)}`),
        };
        for (const traceId of [...picks.alwaysRecorded, ...picks.neverRecorded]) {
          await target.request('/openapi.json', { headers: { traceparent: `00-${traceId}-${'3'.repeat(16)}-01` } });
        }
        const recordedIds = new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId));
        // A fair draw of 100 at 0.5 falls outside 20..80 with a probability near 1e-9.
        for (const ids of Object.values(picks))
          expect(ids.filter((id) => recordedIds.has(id)).length).toSatisfy((n: number) => n >= 20 && n <= 80);
      });
    });
  });
});
