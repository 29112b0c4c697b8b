import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveHop } from '../../adapters/http/hop.ts';

describe('a hop on kept-alive node:http connections', () => {
  const seen: string[] = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/never') return; // holds the call until its caller gives up
      if (req.url === '/half') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"partial":');
        return; // the body never ends
      }
      res.writeHead(201, { 'Content-Type': 'application/json', 'Retry-After': '3' });
      res.end(
        JSON.stringify({ method: req.method, body, authorization: req.headers.authorization, length: req.headers['content-length'] }),
      );
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and answers status, headers (any case) and body as fetch would', async () => {
    const res = await keepAliveHop(`${base}/echo`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{"ü":1}' });
    expect([res.status, res.ok, res.headers.get('Retry-After'), res.headers.get('x-absent')]).toEqual([201, true, '3', null]);
    expect(await res.json()).toEqual({ method: 'POST', body: '{"ü":1}', authorization: 'Bearer t', length: '8' });
    const bytes = await (await keepAliveHop(`${base}/echo`, { headers: {}, body: new TextEncoder().encode('hi').buffer })).arrayBuffer();
    expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ method: 'GET', body: 'hi' });
  });

  it('sends the request target fetch would send: dot segments resolved, odd bytes percent-encoded, no fragment', async () => {
    for (const path of ['/plain/path?q=1&r=a:b', '/a/./b/../c', '/a/%2E%2e/b?x=/../', "/q?x='y'", '/sp ace?w=x y', '/f#frag', '/ü']) {
      await keepAliveHop(`${base}${path}`, { headers: {} });
      const url = new URL(`${base}${path}`);
      expect(seen.at(-1)).toBe(`GET ${url.pathname}${url.search}`);
    }
  });

  it('never sends a call whose caller gave up already, and rejects with the signal’s reason', async () => {
    const before = seen.length;
    const gaveUp = AbortSignal.abort(new DOMException('gave up', 'TimeoutError'));
    await expect(keepAliveHop(`${base}/late`, { headers: {}, signal: gaveUp })).rejects.toMatchObject({ name: 'TimeoutError' });
    await keepAliveHop(`${base}/echo`, { headers: {} });
    expect(seen.slice(before)).toEqual(['GET /echo']);
  });

  it('rejects with the signal’s reason when it aborts while waiting for the answer, or for the rest of its body', async () => {
    await expect(keepAliveHop(`${base}/never`, { headers: {}, signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const res = await keepAliveHop(`${base}/half`, { headers: {}, signal: AbortSignal.timeout(50) });
    await expect(res.json()).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(keepAliveHop(`http://127.0.0.1:${port}/`, { headers: {} })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
