// A minimal HTTP/1.1 load generator: `connections` keep-alive sockets, one request in flight on
// each, for a fixed time. Raw sockets rather than fetch or node:http: their client-side parsing and
// Headers validation cost more CPU per request than a bare Hono route, and on 2 cores the client
// must not be what limits the baseline. No dependency: wrk is not installed here, and autocannon
// would add a package for what fits in this file.
import { connect, type Socket } from 'node:net';

export interface LoadRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  /** Milliseconds, request written → response complete. */
  latencies: number[];
  statuses: Record<number, number>;
}

export interface LoadOptions {
  connections: number;
  durationMs: number;
  /** The next request on connection `connection`. */
  request: (connection: number) => LoadRequest;
  /** Each response, e.g. to carry a rotated token into the connection's next request. */
  onResponse?: (connection: number, status: number, body: string) => void;
}

const encode = (url: URL, { method = 'GET', path, headers = {}, body }: LoadRequest) => {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: keep-alive'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
};

/** One response off the socket: status and body (Content-Length or chunked). */
function readResponse(socket: Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      const headEnd = buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = buffer.subarray(0, headEnd).toString('latin1');
      const rest = buffer.subarray(headEnd + 4);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      let body: string | undefined;
      if (length) {
        if (rest.length >= Number(length[1])) body = rest.subarray(0, Number(length[1])).toString();
      } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        if (rest.includes('0\r\n\r\n')) body = rest.toString().replace(/(^|\r\n)[0-9a-f]+\r\n/gi, '');
      } else body = '';
      if (body === undefined) return;
      done();
      resolve({ status: Number(head.slice(9, 12)), body });
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => onError(new Error('connection closed'));
    const done = () => socket.off('data', onData).off('error', onError).off('close', onClose);
    socket.on('data', onData).on('error', onError).on('close', onClose);
  });
}

export async function load(baseUrl: string, options: LoadOptions): Promise<LoadResult> {
  const url = new URL(baseUrl);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async (_, connection) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      try {
        while (performance.now() < deadline) {
          const sent = performance.now();
          const response = readResponse(socket);
          socket.write(encode(url, options.request(connection)));
          const { status, body } = await response;
          latencies.push(performance.now() - sent);
          statuses[status] = (statuses[status] ?? 0) + 1;
          options.onResponse?.(connection, status, body);
        }
      } finally {
        socket.destroy();
      }
    }),
  );
  const elapsed = performance.now() - started;
  return { requests: latencies.length, perSecond: (latencies.length / elapsed) * 1000, latencies, statuses };
}

/** The q-quantile of unsorted milliseconds. */
export function quantile(values: number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
