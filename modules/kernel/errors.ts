/**
 * Base of every typed domain error. `code` is a stable snake_case id that survives a trip over
 * the wire (an `instanceof` check cannot cross a process); `details` must be safe to show a client.
 * Domain errors carry no HTTP status: each module's http.ts maps codes to statuses.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that breaks a schema or rule; `details.fields` lists each failing path. */
export class ValidationError extends DomainError {
  constructor(message: string, fields: Array<{ path: string; message: string }>) {
    super('validation_failed', message, { fields });
  }
}

/** The caller is not (or no longer) authenticated. */
export class UnauthenticatedError extends DomainError {
  constructor(message = 'Authentication is required.') {
    super('unauthenticated', message);
  }
}

/** The caller is authenticated but lacks a role the route requires. */
export class ForbiddenError extends DomainError {
  constructor(message = 'This route needs a role the caller does not have.') {
    super('forbidden', message);
  }
}

/**
 * A dependency (database, broker, remote module) cannot serve the request right now.
 * `retryAfterSeconds`, when known (a remote module said so), is when to try again.
 *
 * What every port promises when its store is down: the call rejects with this error, within the
 * adapter's timeout. A read changed nothing. A write changed nothing either, unless the store
 * applied it and only the answer was lost on the way back (a timeout after sending): then it took
 * effect whole, events included, and only a read tells which. Each port method's doc says what
 * differs from this.
 */
export class UnavailableError extends DomainError {
  readonly retryAfterSeconds?: number;
  constructor(message = 'A dependency is unavailable; try again shortly.', options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('service_unavailable', message, undefined, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Too many requests or attempts; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; try again later.',
  ) {
    super('rate_limited', message, { retryAfterSeconds });
  }
}

export const kernelErrorCodes = ['validation_failed', 'unauthenticated', 'forbidden', 'service_unavailable', 'rate_limited'] as const;
export type KernelErrorCode = (typeof kernelErrorCodes)[number];

/** The message of anything thrown, for a log line or a wrapping error. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
