import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from './log.ts';
import { problemOf, type Problem } from './problem.ts';

/** An HTTP/1.1 answer written straight to the socket, for requests Node could not parse; its title is the reason phrase. */
function rawProblem(status: number, code: string, detail: string): string {
  const problem = problemOf(status, code, detail);
  const body = JSON.stringify(problem);
  return [`HTTP/1.1 ${status} ${problem.title}`, 'Content-Type: application/problem+json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body].join('\r\n');
}

const parseFailures: Record<string, string> = {
  HPE_HEADER_OVERFLOW: rawProblem(431, 'headers_too_large', 'The request headers are too large.'),
  ERR_HTTP_REQUEST_TIMEOUT: rawProblem(408, 'request_timeout', 'The request did not arrive in time.'),
};
const malformed = rawProblem(400, 'malformed_request', 'The request is not valid HTTP/1.1.');

/**
 * Serves `fetch` on Node with the limits an internet-facing server needs: a client has
 * `requestTimeoutMs` to send its headers and body (408 after), so slow clients cannot hold
 * connections; and what Node's parser or the Request constructor rejects (a bad Host, a bad chunk,
 * huge headers) gets problem+json like every other error, not an empty body.
 */
export function startNodeServer({
  fetch,
  port,
  host,
  requestTimeoutMs,
  logger,
  onListen,
}: {
  fetch: (request: Request, env: unknown) => Response | Promise<Response>;
  port: number;
  host: string;
  requestTimeoutMs: number;
  logger: Logger;
  onListen: (port: number) => void;
}): Server {
  const answer = (problem: Problem) =>
    new Response(JSON.stringify(problem), { status: problem.status, headers: { 'Content-Type': 'application/problem+json', Connection: 'close' } });
  const listener = getRequestListener(fetch, {
    hostname: host,
    errorHandler(error) {
      // The request could not be built (an invalid Host, say): the app never saw it.
      if (error instanceof RequestError) return answer(problemOf(400, 'malformed_request', 'The request could not be read.'));
      logger.error('request failed outside the app', { error });
      return answer(problemOf(500, 'internal_error', 'An unexpected error occurred.'));
    },
  });
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // How often Node looks for expired requests: often enough that the timeout means what it says.
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    },
    listener,
  );
  // Sockets whose request was answered before its body had all arrived: a parse error in the rest
  // of that body must not put a second answer on the wire after the first.
  const answeredEarly = new WeakSet<Socket>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    response.once('finish', () => {
      if (!request.complete) answeredEarly.add(request.socket);
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { headersSent: boolean } }) => {
    // Nothing for a peer that is gone, and never an answer into one already on its way.
    const answered = answeredEarly.has(socket) || (socket._httpMessage?.headersSent ?? false);
    if (error.code !== 'ECONNRESET' && socket.writable && !answered) socket.end(parseFailures[error.code ?? ''] ?? malformed);
    else socket.destroy();
  });
  server.listen(port, host, () => onListen((server.address() as { port: number }).port));
  return server;
}
