import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './harness.ts';
import { startProcess, type ServerProcess } from './process.ts';

// What reaches the Node server as raw bytes: broken HTTP, cut-off uploads, slow clients.
let server: ServerProcess;
beforeAll(async () => {
  server = await startProcess('node', { DATABASE_URL: 'memory', REQUEST_TIMEOUT_MS: '1000' });
});
afterAll(() => server?.stop());

/** Writes `chunks` (with `pauseMs` between them) on a fresh connection; resolves with all it read when the server closes it, or after `closeAfterMs`. */
function raw(chunks: Array<string | Buffer>, { pauseMs = 0, closeAfterMs = 5000 } = {}): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(server.port, '127.0.0.1');
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

describe('the Node server on raw sockets', () => {
  it.each([
    ['a Host with a space', 'GET /health/live HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
    ['Content-Length beside Transfer-Encoding', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a bad chunk size', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['headers over 16 KiB', `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('answers HTTP it cannot parse (%s) with problem+json and closes', async (_, request, status) => {
    const { text } = await raw([request]);
    expect(statusOf(text)).toBe(status);
    expect(text).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ status, code: expect.any(String) });
  });

  it('gives up on a request whose body never arrives (408 problem+json after REQUEST_TIMEOUT_MS)', async () => {
    const { text, ms } = await raw(['POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}']);
    expect(statusOf(text)).toBe(408);
    expect(text).toMatch(/application\/problem\+json/i);
    expect(ms).toBeLessThan(4000); // REQUEST_TIMEOUT_MS is 1000; Node checks every second
  });

  it('answers once when the body turns out malformed after the answer went out (a 404 before the body arrived)', async () => {
    const headers = 'POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { text } = await raw([headers, '2\r\n{"\r\n', 'zz\r\n'], { pauseMs: 100 });
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
    socket.write('POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ema\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await eventually(async () => expect(await abandoned()).toBe(before + 1));
  });
});
