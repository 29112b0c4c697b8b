import { trace } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, RateLimitedError, UnavailableError } from '../modules/kernel/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem; `code` is the stable snake_case id clients may switch on. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: unknown;
  details?: Record<string, unknown>;
}

export function problemType(code: string): string {
  return `/problems/${code.replace(/_/g, '-')}`;
}

/** A problem with the title of its status. */
export function problemOf(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: problemType(code), title: titles[status] ?? 'Error', status, detail, code, ...extra };
}

function fromHttpException(error: HTTPException): { status: ContentfulStatusCode; code: string; detail: string } {
  const status = error.status as ContentfulStatusCode;
  // Hono's JSON validator rejects unparsable bodies with a 400 HTTPException.
  if (status === 400) return { status, code: 'malformed_request', detail: error.message || 'The request body could not be parsed.' };
  return { status, code: `http_${status}`, detail: error.message || titles[status] || 'Request failed.' };
}

/**
 * Whether `error` is the request body failing because the client hung up (mid-upload, say): the
 * request stream's own error, ECONNRESET. Any other failure on a dropped request stays a 500.
 * (Node has aborted the request's signal by then; Deno's node:http not yet, so that cannot tell.)
 */
function isClientHangUp(error: unknown, c: Context<AppEnv>): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.errored === error && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/**
 * The one onError: every failure becomes problem+json. Domain errors get their status from the
 * merged per-module tables; anything unknown is a generic 500 whose details stay in the log.
 */
export function createProblemHandler({
  statusByCode,
  logError,
  exposeDetails = false,
}: {
  statusByCode: Readonly<Record<string, ContentfulStatusCode>>;
  logError: (error: unknown, context: Record<string, unknown>) => void;
  /** Internal routes send a domain error's safe `details` too, so a remote client can rebuild it. */
  exposeDetails?: boolean;
}): ErrorHandler<AppEnv> {
  return function problemHandler(error, c) {
    let status: ContentfulStatusCode = 500;
    let code = 'internal_error';
    let detail = 'An unexpected error occurred.';
    let errors: unknown;
    let details: Record<string, unknown> | undefined;
    const routeStatus = error instanceof DomainError ? c.get('errorStatus')?.[error.code] : undefined;
    if (error instanceof DomainError && (routeStatus ?? statusByCode[error.code])) {
      ({ code } = error);
      status = (routeStatus ?? statusByCode[code])!;
      detail = error.message;
      errors = error.details?.fields;
      if (exposeDetails) details = error.details;
    } else if (error instanceof HTTPException) {
      ({ status, code, detail } = fromHttpException(error));
    } else if (isClientHangUp(error, c)) {
      // Nobody reads this answer, and it is no server fault.
      status = 499 as ContentfulStatusCode;
      code = 'client_closed_request';
      detail = 'The client closed the connection before the request was answered.';
    }
    if (status >= 500) {
      logError(error, { requestId: c.get('requestId'), path: c.req.path, status });
      // Hono catches it before the request's span ends, so the span would show the status only.
      trace.getActiveSpan()?.recordException(error);
    }
    const body = problemOf(status, code, detail, { instance: c.req.path, ...(errors ? { errors } : {}), ...(details ? { details } : {}) });
    if (status === 401) c.header('WWW-Authenticate', 'Bearer');
    if (status === 503) c.header('Retry-After', '1');
    if ((error instanceof RateLimitedError || error instanceof UnavailableError) && error.retryAfterSeconds) {
      c.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
    }
    c.header('Content-Type', 'application/problem+json');
    return c.body(JSON.stringify(body), status);
  };
}
