import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './harness.ts';
import { startProcess, type RuntimeName, type ServerProcess } from './process.ts';

// What reaches the server as raw bytes: broken HTTP, cut-off uploads, slow clients. Both entry
// points serve through src/node-server.ts (Deno 2 with its node:http), so both answer alike.

/** Writes `chunks` (with `pauseMs` between them) on a fresh connection to `port`; resolves with all it read when the server closes it, or after `closeAfterMs`. */
function raw(
  port: number,
  chunks: Array<string | Buffer>,
  { pauseMs = 0, closeAfterMs = 5000 } = {},
): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => resolve({ text, ms: Math.round(performance.now() - started) });
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('close', done);
    socket.on('error', reject);
    socket.setTimeout(closeAfterMs, () => socket.destroy());
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

interface RawAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** Splits what a connection read into its answers (each with a Content-Length, as this server sends them). */
function answersIn(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`an answer cut off in its head: ${JSON.stringify(rest)}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = new Headers(
      lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string]),
    );
    const length = Number(headers.get('content-length') ?? NaN);
    if (!Number.isInteger(length)) throw new Error(`an answer without Content-Length: ${statusLine}`);
    answers.push({ status: statusOf(statusLine!), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}

// API.md: security headers on every response. These are the ones an app answer carries.
const securityHeaderNames = [
  'content-security-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
];
async function expectAppSecurityHeaders(server: ServerProcess, headers: Headers) {
  const app = (await server.request('/health/live')).headers;
  for (const name of securityHeaderNames) {
    expect(app.get(name), name).toBeTruthy();
    expect(headers.get(name), name).toBe(app.get(name));
  }
  expect(headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
}

describe.each<RuntimeName>(['node', 'deno'])('the %s server on raw sockets', (runtime) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startProcess(runtime, { DATABASE_URL: 'memory', REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(() => server?.stop());

  it.each([
    ['a Host with a space', 'GET /health/live HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
    [
      'Content-Length beside Transfer-Encoding',
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['a bad chunk size', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['headers over 16 KiB', `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('answers HTTP it cannot parse (%s) with problem+json and closes', async (_, request, status) => {
    const { text } = await raw(server.port, [request]);
    expect(statusOf(text)).toBe(status);
    expect(text).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ status, code: expect.any(String) });
    await expectAppSecurityHeaders(server, answersIn(text)[0]!.headers);
  });

  it('answers an HTTP/1.1 request without Host with a 400 problem+json carrying the security headers', async () => {
    const [answer, ...more] = answersIn((await raw(server.port, ['GET /health/live HTTP/1.1\r\n\r\n'])).text);
    expect(more).toEqual([]);
    expect(answer!.status).toBe(400);
    expect(answer!.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(answer!.body)).toMatchObject({ status: 400, code: 'malformed_request' });
    await expectAppSecurityHeaders(server, answer!.headers);
  });

  it('answers pipelined requests in full before the junk after them (400, then closes)', async () => {
    const register = (email: string) => {
      const body = JSON.stringify({ email, password: 'a long passphrase nobody uses' });
      return `POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };
    const emails = [`pipelined-a-${crypto.randomUUID()}@example.com`, `pipelined-b-${crypto.randomUUID()}@example.com`];
    const answers = answersIn((await raw(server.port, [`${emails.map(register).join('')}X\r\n\r\n`])).text);
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 400]);
    expect(answers.slice(0, 2).map((answer) => JSON.parse(answer.body).user.email)).toEqual(emails);
    const [, , junk] = answers;
    expect(junk!.headers.get('content-type')).toBe('application/problem+json');
    expect(junk!.headers.get('connection')).toBe('close');
    expect(JSON.parse(junk!.body)).toMatchObject({ status: 400, code: 'malformed_request' });
  });

  it.each([
    ['a Content-Length', (body: string) => `Content-Length: ${body.length}\r\n\r\n${body}`],
    ['chunks', (body: string) => `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`],
  ])('answers a body over 64 KiB sent with %s 413 problem+json, and registers nothing', async (_, framed) => {
    const email = `too-large-${crypto.randomUUID()}@example.com`;
    const body = JSON.stringify({ email, password: 'a long passphrase nobody uses', displayName: 'x'.repeat(70 * 1024) });
    const head = 'POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n';
    const [answer] = answersIn((await raw(server.port, [head + framed(body)])).text);
    expect(answer!.status).toBe(413);
    expect(JSON.parse(answer!.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
    const login = await server.request('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: 'a long passphrase nobody uses' }),
    });
    expect(login.status).toBe(401);
  });

  it('gives up on a request whose body never arrives (408 problem+json after REQUEST_TIMEOUT_MS)', async () => {
    const { text, ms } = await raw(server.port, [
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}',
    ]);
    expect(statusOf(text)).toBe(408);
    expect(text).toMatch(/application\/problem\+json/i);
    await expectAppSecurityHeaders(server, answersIn(text)[0]!.headers);
    expect(ms).toBeLessThan(4000); // REQUEST_TIMEOUT_MS is 1000; Node checks every second
  });

  it('answers once when the body turns out malformed after the answer went out (a 404 before the body arrived)', async () => {
    const headers = 'POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { text } = await raw(server.port, [headers, '2\r\n{"\r\n', 'zz\r\n'], { pauseMs: 100 });
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 404']);
  });

  it('counts an upload the client abandons as 499, never as a 500', async () => {
    const abandoned = async () => {
      const text = await (await server.request('/metrics')).text();
      expect(text).not.toMatch(/http_requests_total\{[^}]*status="5\d\d"/);
      return Number(/http_requests_total\{method="POST",route="\/api\/\*",status="499",[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await abandoned();
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write(
      'POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ema\r\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await eventually(async () => expect(await abandoned()).toBe(before + 1));
  });
});
