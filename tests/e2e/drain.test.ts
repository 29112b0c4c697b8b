import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startNodeServer, type NodeServer } from '../../src/node-server.ts';
import { spawnOwned, type OwnedChild } from '../support/children.ts';

// A server on a loaded machine is often not running when bytes reach it, and Node takes one
// connection from the listen queue per turn of its event loop (libuv 1.45+), so connections wait
// there for a while. What the kernel holds for the server when it closes (connections in the
// listen queue, a request on a lingering connection) must be answered, not reset. Each case blocks
// this process's event loop, as a busy or descheduled server's is, while clients in other
// processes connect and send.

/**
 * A client on one connection, which it opens at its first command. Each line of its stdin is one:
 * `connect`, or `request` (sends one); it touches the file `done` once the kernel has it. It
 * prints `ready`, then what it reads, and exits when the connection ends.
 */
const clientScript = `
const [port, done] = process.argv.slice(1);
const touch = () => require('node:fs').writeFileSync(done, '');
let socket;
require('node:readline').createInterface({ input: process.stdin }).on('line', (command) => {
  if (!socket) {
    socket = require('node:net').connect(Number(port), '127.0.0.1');
    socket.on('data', (data) => process.stdout.write(data));
    socket.on('error', (error) => process.stdout.write('error: ' + error.code));
    socket.on('close', () => process.exit());
    if (command === 'connect') socket.on('connect', touch);
  }
  if (command === 'request') socket.write('GET / HTTP/1.1\\r\\nHost: test\\r\\n\\r\\n', touch);
});
console.log('ready');
`;

type Command = 'connect' | 'request';

/** Blocks this thread (its event loop too) until `done()` or `timeoutMs`; sleeps between looks. */
function blockUntil(done: () => boolean, timeoutMs = 30_000) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = performance.now() + timeoutMs; !done(); Atomics.wait(cell, 0, 0, 5)) {
    if (performance.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms`);
  }
}

/** Status and body of each answer in `text`: a reset shows after the body it cut off, or alone. */
function answersIn(text: string) {
  const [before, ...answers] = text.split('HTTP/1.1 ');
  return [
    ...(before ? [before] : []),
    ...answers.map((answer) => `${answer.slice(0, 6)}: ${answer.slice(answer.indexOf('\r\n\r\n') + 4)}`),
  ];
}

describe('startNodeServer().close()', () => {
  let dir = '';
  let server: NodeServer | undefined;
  const clients: OwnedChild[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auth-drain-'));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop(0)));
    await server?.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const idleLingerMs = 300;
  const listening = () =>
    new Promise<number>((resolve) => {
      server = startNodeServer({
        // Asynchronous, as the app's is (its middleware): the server's bookkeeping sees each request first.
        fetch: async () => new Response('ok'),
        port: 0,
        host: '127.0.0.1',
        requestTimeoutMs: 10_000,
        securityHeaders: {},
        logger: createLogger({ level: 'silent', service: 'test' }),
        onListen: resolve,
        idleLingerMs,
      });
    });

  /** A client (clientScript), started. */
  async function started(port: number) {
    const done = join(dir, `${port}-${clients.length}`);
    const client = spawnOwned(process.execPath, ['-e', clientScript, String(port), done], { stdio: ['pipe', 'pipe', 'inherit'] });
    clients.push(client);
    let text = '';
    client.child.stdout!.on('data', (data) => (text += data));
    const ended = new Promise<string>((resolve) => client.child.stdout!.on('end', () => resolve(text.replace('ready\n', ''))));
    await expect.poll(() => text, { timeout: 20_000 }).toContain('ready\n');
    return {
      /** Has the client connect or send; `done()` says when the kernel has it. */
      tell(command: Command) {
        rmSync(done, { force: true });
        client.child.stdin!.write(`${command}\n`);
      },
      done: () => existsSync(done),
      /** Sends a request and waits for its answer (its body, `ok`). */
      async requestAndRead() {
        this.tell('request');
        await expect.poll(() => text.endsWith('ok'), { timeout: 20_000 }).toBe(true);
      },
      /** What the client read by the time the connection ended. */
      ended,
    };
  }
  type Client = Awaited<ReturnType<typeof started>>;

  /** Has each client connect or send, and blocks this thread until the kernel has it all: meanwhile this process reads nothing. */
  function blocked(command: Command, ...some: Client[]) {
    for (const client of some) client.tell(command);
    blockUntil(() => some.every((client) => client.done()));
  }

  it('answers every connection still waiting in the listen queue, its request sent, with Connection: close instead of resetting it', async () => {
    const port = await listening();
    const queued = await Promise.all([1, 2, 3, 4].map(() => started(port)));
    // This thread has taken none of them when close() comes: all four wait in the listen queue.
    blocked('request', ...queued);
    const closed = server!.close();
    for (const client of queued) {
      const answer = await client.ended;
      expect(answersIn(answer)).toEqual(['200 OK: ok']);
      expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    }
    await closed;
  });

  it('answers a request already received on a lingering connection, even when the server reads it only after the linger', async () => {
    const port = await listening();
    const lingering = await started(port);
    await lingering.requestAndRead();
    const closed = server!.close();
    const lingerEnds = performance.now() + idleLingerMs;
    // Blocked in a callback, as a busy server is: when this thread runs on, its due timers come
    // before its next look at the sockets, where the request waits.
    await new Promise((resolve) => setImmediate(resolve));
    blocked('request', lingering);
    blockUntil(() => performance.now() > lingerEnds + 100);
    const answer = await lingering.ended;
    expect(answersIn(answer)).toEqual(['200 OK: ok', '200 OK: ok']);
    expect(answer.slice(answer.lastIndexOf('HTTP/1.1 '))).toMatch(/\r\nConnection: close\r\n/i);
    await closed;
  });

  it('ends a connection taken from the listen queue that sends nothing once the linger is over', async () => {
    const port = await listening();
    const silent = await started(port);
    blocked('connect', silent);
    const closing = performance.now();
    await server!.close();
    // Well before the request timeout (10 s here), which alone would end it otherwise.
    expect(performance.now() - closing).toBeLessThan(5000);
    expect(await silent.ended).toBe('');
  });
});
