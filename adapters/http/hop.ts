import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { LRUCache } from 'lru-cache';

/*
 * One HTTP call between this deployment's processes (a port call, a forwarded route), through a
 * shape fetch also has, so tests can pass `app.request` or a fake. Made with node:http on
 * kept-alive connections rather than fetch: on these small calls fetch's WHATWG Request, Headers,
 * streams and separate header write cost the gateway about three times node:http's time per hop.
 */

/** What a hop sends: a subset of fetch's RequestInit. */
export interface HopInit {
  method?: string;
  headers: Record<string, string>;
  body?: string | ArrayBuffer;
  /** Aborting it ends the call, as with fetch: a call not yet sent is never sent, and the promise (or the body's) rejects with its reason. */
  signal?: AbortSignal;
}

/** What a hop answers: the part of fetch's Response its callers read (a Response is one). */
export interface HopResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** Present on a Response; a hop's own answer needs no cancelling: its body is always read to the end, freeing the connection. */
  readonly body?: { cancel(): Promise<void> } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}

export type Hop = (url: string, init: HopInit) => HopResponse | Promise<HopResponse>;

/**
 * A signal that aborts with a TimeoutError `ms` from now, as AbortSignal.timeout's does, but whose
 * timer `clear` stops once the call is over. AbortSignal.timeout's cannot be stopped: it fires
 * after every call whose signal is not yet collected, building a DOMException and its stack
 * trace each time, about a tenth of the gateway's CPU time per forwarded request.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

class HopAnswer implements HopResponse {
  constructor(
    readonly status: number,
    private readonly raw: IncomingHttpHeaders,
    private readonly whole: Promise<Buffer>,
  ) {}

  get ok() {
    return this.status >= 200 && this.status < 300;
  }

  readonly headers = {
    get: (name: string): string | null => {
      const value = this.raw[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };

  async arrayBuffer(): Promise<ArrayBuffer> {
    const body = await this.whole;
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }

  async json(): Promise<unknown> {
    return JSON.parse((await this.whole).toString());
  }
}

/** Reads `response` to its end into `resolve`; `reject` if its connection ends first. */
function readWhole(response: IncomingMessage, resolve: (body: Buffer) => void, reject: (error: Error) => void) {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  response.on('error', reject);
  response.on('close', () => {
    if (!response.complete) reject(new Error('the connection closed before the answer ended'));
  });
}

/** Where each origin called is, parsed once: parsing every call's whole URL took a tenth of a hop's client time. */
const origins = new LRUCache<string, RequestOptions>({ max: 256 });
// A path (and query) fetch would send as it is: nothing to percent-encode, no fragment, no dot segment.
const plainPath = /^\/[\w\-.~!$&()*+,;=:@%/?]*$/;
const dotSegment = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;

/** What http.request is given for `url`: its origin's options and the path, or (a path to normalise) the URL itself. */
function target(url: string): string | RequestOptions {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  const path = slash === -1 ? '/' : url.slice(slash);
  if (!plainPath.test(path) || dotSegment.test(path)) return url;
  const origin = slash === -1 ? url : url.slice(0, slash);
  let options = origins.get(origin);
  if (!options) {
    const { protocol, hostname, port, auth } = urlToHttpOptions(new URL(origin));
    options = { protocol, hostname, ...(port === undefined ? {} : { port }), ...(auth === undefined ? {} : { auth }) };
    origins.set(origin, options);
  }
  return { ...options, path };
}

/** A hop on node:http (https for an https: URL), on a process-wide pool of kept-alive connections. */
export const keepAliveHop: Hop = (url, { method = 'GET', headers, body, signal }) => {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body);
    const secure = url.startsWith('https:');
    const outgoing = payload === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(payload)) };
    const to = target(url);
    const options = { ...(typeof to === 'string' ? {} : to), method, headers: outgoing, agent: secure ? agents.https : agents.http };
    // Until the answer's head arrives a failure rejects the call; after it, the body.
    let fail = reject;
    const abort = () => {
      fail(signal!.reason);
      request.destroy();
    };
    const onAnswer = (response: IncomingMessage) => {
      const whole = new Promise<Buffer>((resolveBody, rejectBody) => {
        fail = rejectBody;
        readWhole(response, resolveBody, rejectBody);
      });
      const done = () => signal?.removeEventListener('abort', abort);
      whole.then(done, done); // also marks a body nobody reads as handled
      resolve(new HopAnswer(response.statusCode ?? 0, response.headers, whole));
    };
    const send = secure ? httpsRequest : httpRequest;
    const request = typeof to === 'string' ? send(to, options, onAnswer) : send(options, onAnswer);
    request.on('error', (error) => {
      signal?.removeEventListener('abort', abort);
      fail(error);
    });
    signal?.addEventListener('abort', abort, { once: true });
    request.end(payload);
  });
};
