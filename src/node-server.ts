import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from './log.ts';
import { problemOf, type Problem } from './problem.ts';

const parseFailures: Record<string, Problem> = {
  HPE_HEADER_OVERFLOW: problemOf(431, 'headers_too_large', 'The request headers are too large.'),
  ERR_HTTP_REQUEST_TIMEOUT: problemOf(408, 'request_timeout', 'The request did not arrive in time.'),
};
const malformed = problemOf(400, 'malformed_request', 'The request is not valid HTTP/1.1.');
const unreadable = problemOf(400, 'malformed_request', 'The request could not be read.');
const missingHost = problemOf(400, 'malformed_request', 'An HTTP/1.1 request must carry a Host header.');
const internal = problemOf(500, 'internal_error', 'An unexpected error occurred.');

/** A listening server; `close()` drains it. */
export interface NodeServer {
  /**
   * Stops listening (once the connections already queued for it are taken, within `idleLingerMs`)
   * and ends every connection after the answer it is owed, telling its client
   * (`Connection: close`) to reconnect elsewhere; resolves once all have ended. Node alone would
   * keep serving a busy kept-alive connection after close(), for as long as its client sends.
   * A connection with nothing to answer is given `idleLingerMs` first (see startNodeServer).
   */
  close(): Promise<void>;
}

/** Resolves once `response` is written out (or can no longer be). */
const closed = (response: ServerResponse) =>
  new Promise<void>((resolve) => (response.closed ? resolve() : response.once('close', () => resolve())));

/**
 * Runs `then` once the event loop has looked for I/O since this call: what the kernel already
 * holds for this process by now (a connection in the listen queue, a request's bytes) has been
 * read by then, however long a busy callback or a loaded machine kept this process from it.
 */
const afterNextPoll = (then: () => void) => setImmediate(() => setImmediate(then));

/**
 * Serves `fetch` on Node with the limits an internet-facing server needs: a client has
 * `requestTimeoutMs` to send its headers and body (408 after), so slow clients cannot hold
 * connections; and what Node's parser or the Request constructor rejects (a bad or missing Host,
 * a bad chunk, huge headers) gets problem+json with `securityHeaders` like every other answer.
 */
export function startNodeServer({
  fetch,
  port,
  host,
  requestTimeoutMs,
  securityHeaders,
  logger,
  onListen,
  idleLingerMs = 1000,
}: {
  fetch: (request: Request, env: unknown) => Response | Promise<Response>;
  port: number;
  host: string;
  requestTimeoutMs: number;
  /** What the app puts on every answer (API.md); answers made below the app carry them too. */
  securityHeaders: Readonly<Record<string, string>>;
  logger: Logger;
  onListen: (port: number) => void;
  /**
   * Once closing, how long a kept-alive connection with nothing to answer stays open. Its client
   * may have sent its next request already, the bytes on their way: ending the connection at once
   * (as Node's close() does) resets that request, which the client cannot tell from a failure. In
   * the linger such a request is answered, with `Connection: close`.
   */
  idleLingerMs?: number;
}): NodeServer {
  const headersOf = (body: string) => ({
    ...securityHeaders,
    'X-Request-Id': crypto.randomUUID(),
    'Content-Type': 'application/problem+json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  });
  /** An HTTP/1.1 answer written straight to the socket, for bytes Node could not parse; its title is the reason phrase. */
  const rawAnswer = (problem: Problem) => {
    const body = JSON.stringify(problem);
    const head = Object.entries(headersOf(body)).map(([name, value]) => `${name}: ${value}`);
    return [`HTTP/1.1 ${problem.status} ${problem.title}`, ...head, '', body].join('\r\n');
  };
  const answer = (problem: Problem) => {
    const body = JSON.stringify(problem);
    return new Response(body, { status: problem.status, headers: headersOf(body) });
  };
  const listener = getRequestListener(fetch, {
    hostname: host,
    errorHandler(error) {
      // The request could not be built (an invalid Host, say): the app never saw it.
      if (error instanceof RequestError) return answer(unreadable);
      logger.error('request failed outside the app', { error });
      return answer(internal);
    },
  });
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // How often Node looks for expired requests: often enough that the timeout means what it says.
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
      // Node's own check answers an empty 400; serveRequest answers it as problem+json instead.
      requireHostHeader: false,
    },
    function serveRequest(request, response) {
      // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (1.0 has none to give).
      if (request.httpVersion === '1.1' && request.headers.host === undefined) {
        const body = JSON.stringify(missingHost);
        response.writeHead(missingHost.status, headersOf(body)).end(body);
        return;
      }
      return listener(request, response);
    },
  );

  // Per connection, the requests whose answers are not written out yet. Node queues the answers
  // of pipelined requests in order, so an error its parser finds after them (junk after a
  // complete request) must wait for them: the client is owed those answers first.
  const inFlight = new WeakMap<Socket, Set<{ request: IncomingMessage; response: ServerResponse }>>();
  // Sockets whose request was answered before its body had all arrived: a parse error in the rest
  // of that body must not put a second answer on the wire after the first.
  const answeredEarly = new WeakSet<Socket>();
  const answeringError = new WeakSet<Socket>();
  // Every answer not written out yet, so a drain can make each the last of its connection.
  const unanswered = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let closing = false;
  const idle = (socket: Socket) => (inFlight.get(socket)?.size ?? 0) === 0;
  /** While closing: a connection with nothing to answer lingers for a request already on its way, then ends. */
  const endOnceIdle = (socket: Socket) => {
    if (!idle(socket) || socket.destroyed) return; // the answer's 'close' comes back here
    // A timer comes before the loop's next read: a request that arrived in time but is not read
    // yet (the process was busy past the linger) would be reset with the connection.
    const linger = setTimeout(() => afterNextPoll(() => idle(socket) && socket.destroy()), idleLingerMs);
    socket.once('close', () => clearTimeout(linger));
  };
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Taken from the listen queue while closing (see close()).
    if (closing) endOnceIdle(socket);
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request;
    const exchange = { request, response };
    const exchanges = inFlight.get(socket) ?? new Set();
    inFlight.set(socket, exchanges.add(exchange));
    if (closing) response.shouldKeepAlive = false;
    unanswered.add(response);
    response.once('finish', () => {
      if (!request.complete) answeredEarly.add(socket);
    });
    response.once('close', () => {
      exchanges.delete(exchange);
      unanswered.delete(response);
      // Its headers went out before the drain began, keeping the connection alive: end it once idle.
      if (closing) endOnceIdle(socket);
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // The parser reports again on every further chunk: the first error is the one answered, and
    // destroying the socket now could cut that answer short.
    if (answeringError.has(socket)) return;
    const exchanges = [...(inFlight.get(socket) ?? [])];
    // The one request still arriving is the one the error is in; complete ones are owed answers.
    const broken = exchanges.find(({ request }) => !request.complete);
    // Nothing for a peer that is gone, and never an answer into one already on its way.
    if (!socket.writable || answeredEarly.has(socket) || broken?.response.headersSent) {
      socket.destroy();
      return;
    }
    answeringError.add(socket);
    const owed = exchanges.filter(({ request }) => request.complete).map(({ response }) => closed(response));
    void Promise.all(owed).then(() => {
      if (!socket.writable) return void socket.destroy();
      socket.end(rawAnswer(parseFailures[error.code ?? ''] ?? malformed));
      // A peer that neither reads nor closes does not keep the connection.
      socket.setTimeout(requestTimeoutMs, () => socket.destroy());
    });
  });
  server.listen(port, host, () => onListen((server.address() as { port: number }).port));
  return {
    close() {
      closing = true;
      // Not yet written: `Connection: close` on each, and Node ends the connection after it.
      for (const response of unanswered) if (!response.headersSent) response.shouldKeepAlive = false;
      for (const socket of sockets) endOnceIdle(socket);
      // Stop listening once the listen queue is empty: closing the listener resets the connections
      // in it, requests sent and all, and Node takes one from it per turn of its event loop (libuv
      // 1.45+, libuv#3696), so on a busy process a few wait there. Connections may keep coming: the
      // listener stays open for idleLingerMs at most.
      const until = performance.now() + idleLingerMs;
      let taken = true;
      const onConnection = () => (taken = true);
      server.on('connection', onConnection);
      return new Promise<void>((resolve) => {
        const stopListeningOnceDrained = () => {
          if (taken && performance.now() < until) {
            taken = false;
            return afterNextPoll(stopListeningOnceDrained);
          }
          server.off('connection', onConnection);
          // Node's close() would also destroy every idle connection at this instant (see idleLingerMs).
          const closeIdleConnections = server.closeIdleConnections;
          server.closeIdleConnections = () => {};
          server.close(() => resolve());
          server.closeIdleConnections = closeIdleConnections;
        };
        stopListeningOnceDrained();
      });
    },
  };
}
