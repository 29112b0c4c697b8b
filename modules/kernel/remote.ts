import type { z } from 'zod';
import { type DomainError, UnavailableError } from './errors.ts';

/** One port method as it crosses a wire: its input and output schemas and whether a retry is safe. */
export interface MethodSpec {
  input: z.ZodType;
  output: z.ZodType;
  /** True only when running the call twice has the effect of running it once. */
  idempotent: boolean;
}

/**
 * A port described for remoting: one spec per method. Every method takes one plain-data argument
 * (or none) and resolves to plain data, so the same schemas validate both sides of the wire.
 */
export type PortSpec<Api> = { [Method in keyof Api]: MethodSpec };

/** Rebuilds a module's typed error from the `code` and safe `details` of a problem body. */
export type ErrorRegistry = Record<string, (message: string, details: Record<string, unknown>) => DomainError>;

/**
 * The call did not complete: the module could not be reached, timed out, its breaker is open or
 * its bulkhead is full. Kept apart from domain errors, which are answers; the HTTP layer shows it
 * as 503.
 */
export class RemoteCallError extends UnavailableError {
  constructor(
    readonly target: string,
    readonly reason: 'unreachable' | 'timeout' | 'circuit_open' | 'bulkhead_full' | 'bad_response',
    options?: { cause?: unknown },
  ) {
    super(`The ${target} module is unavailable (${reason}); try again shortly.`, options);
    this.name = 'RemoteCallError';
  }
}
