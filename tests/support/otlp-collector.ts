import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as the trace tests compare them, from any process. */
export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }>;
    }>;
  }>;
}

// OTLP numbers kinds from 1 (internal), the API from 0.
const kinds = ['internal', 'server', 'client', 'producer', 'consumer'] as const;

const attributeValue = ({ stringValue, boolValue, intValue, doubleValue }: OtlpValue) =>
  stringValue ?? boolValue ?? (intValue === undefined ? doubleValue : Number(intValue));
const attributesOf = (list: OtlpAttribute[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, attributeValue(value)]));

/** An OTLP/HTTP (JSON) trace receiver on loopback, keeping every span it is sent. */
export async function startOtlpCollector() {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const { resource, scopeSpans = [] } of body.resourceSpans ?? []) {
        const service = String(attributesOf(resource?.attributes)['service.name']);
        for (const span of scopeSpans.flatMap((scope) => scope.spans ?? [])) {
          spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: kinds[span.kind - 1]!,
            attributes: attributesOf(span.attributes),
          });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A trace as indented lines (`<kind> <name>` unless `label` says otherwise): the tree a trace
 * viewer shows. Siblings are sorted by label, not time, since concurrent ones start in any order.
 */
export function renderTrace(
  spans: readonly CollectedSpan[],
  traceId: string,
  label: (span: CollectedSpan) => string = (s) => `${s.kind} ${s.name}`,
): string[] {
  const ofTrace = spans.filter((s) => s.traceId === traceId);
  const ids = new Set(ofTrace.map((s) => s.spanId));
  const childrenOf = (parent?: string) =>
    ofTrace
      .filter((s) => (parent === undefined ? !s.parentSpanId || !ids.has(s.parentSpanId) : s.parentSpanId === parent))
      .sort((a, b) => label(a).localeCompare(label(b)));
  const lines: string[] = [];
  const walk = (span: CollectedSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${label(span)}`);
    for (const child of childrenOf(span.spanId)) walk(child, depth + 1);
  };
  for (const root of childrenOf(undefined)) walk(root, 0);
  return lines;
}
