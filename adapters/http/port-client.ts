import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  type CircuitBreakerPolicy,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { budgetFor, budgetHeader, remainingMs } from './deadline.ts';
import { keepAliveHop, timeoutSignal, type Hop, type HopResponse } from './hop.ts';
import { portPath } from './port-path.ts';
import {
  injectTraceContext,
  parseInput,
  RateLimitedError,
  RemoteCallError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
  type ErrorRegistry,
  type PortSpec,
} from '../../modules/kernel/mod.ts';

/** Resilience settings of one remote port; durations in milliseconds. */
export interface RemotePolicy {
  /** Longest wait for one attempt. */
  timeoutMs: number;
  /** Attempts in all for a method marked idempotent (others get exactly one). */
  attempts: number;
  /** Consecutive failures that open the breaker. */
  breakerThreshold: number;
  /** How long an open breaker fails fast before letting one probe through. */
  halfOpenAfterMs: number;
  /** Calls in flight at once, and calls queued behind them, before calls are refused. */
  bulkheadLimit: number;
  bulkheadQueue: number;
}

export const defaultRemotePolicy: RemotePolicy = {
  timeoutMs: 1000,
  attempts: 3,
  breakerThreshold: 5,
  halfOpenAfterMs: 1000,
  bulkheadLimit: 64,
  bulkheadQueue: 256,
};

export interface HttpPortClientOptions<Api> {
  /** The module called: the service token's audience and the name in errors. */
  module: string;
  spec: PortSpec<Api>;
  errors: ErrorRegistry;
  /** Base URL of an instance hosting the module, chosen per call (see the service registry). */
  baseUrl: () => string;
  serviceToken: (audience: string) => Promise<string>;
  policy?: Partial<RemotePolicy>;
  /** A breaker shared with other callers of the same module (e.g. the gateway's route proxy). */
  breaker?: CircuitBreakerPolicy;
  /** Defaults to node:http on pooled keep-alive connections (see hop.ts); tests pass `app.request`. */
  fetch?: Hop;
}

/** A transport-level failure: counted by the breaker, and worth a retry (when the method is idempotent). */
export class TransportFailure extends Error {
  constructor(
    readonly reason: 'unreachable' | 'timeout' | 'bad_response',
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * The call being served ran out of its caller's budget (see deadline.ts) before this call could
 * be answered: the module is not at fault, so neither the breaker nor a retry counts it.
 */
class OutOfBudget extends Error {}

export type BreakerState = 'closed' | 'open' | 'half-open';

const transient = handleWhen((error) => error instanceof TransportFailure || error instanceof TaskCancelledError);

/** A breaker that opens after `breakerThreshold` consecutive transport failures or timeouts. */
export function createBreaker(
  policy: Pick<RemotePolicy, 'breakerThreshold' | 'halfOpenAfterMs'> = defaultRemotePolicy,
): CircuitBreakerPolicy {
  return circuitBreaker(transient, { halfOpenAfter: policy.halfOpenAfterMs, breaker: new ConsecutiveBreaker(policy.breakerThreshold) });
}

const breakerStates: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export const breakerState = (breaker: CircuitBreakerPolicy): BreakerState => breakerStates[breaker.state];

const kernelErrors: ErrorRegistry = {
  validation_failed: (message, details) => new ValidationError(message, (details.fields as never) ?? []),
  unauthenticated: (message) => new UnauthenticatedError(message),
  service_unavailable: (message, details) =>
    new UnavailableError(message, { retryAfterSeconds: Number(details.retryAfterSeconds) || undefined }),
  rate_limited: (message, details) => new RateLimitedError(Number(details.retryAfterSeconds) || 1, message),
};

/**
 * How a module's instance answers a greeting: it takes our calls, refuses our service token, is
 * not that module (or a version from before greetings), or does not answer.
 */
export type Greeting = 'accepted' | 'refused' | 'not-the-module' | 'unreachable';

/** What a remote port offers beside its methods. */
export interface RemotePort {
  breakerState(): BreakerState;
  greet(): Promise<Greeting>;
}

/**
 * A port implemented by calls to the module's internal routes (see createPortEndpoints), so a caller
 * cannot tell a remote module from a local one. Domain errors come back as the same typed errors
 * by `code`; transport failures become RemoteCallError. Each call runs through a timeout, a
 * bulkhead and a circuit breaker; only methods marked idempotent are retried (exponential backoff
 * with jitter). Requests carry the caller's trace context.
 */
export function createHttpPortClient<Api extends object>(options: HttpPortClientOptions<Api>): Api & RemotePort {
  const { module, spec, baseUrl, serviceToken } = options;
  const policy = { ...defaultRemotePolicy, ...options.policy };
  const send = options.fetch ?? keepAliveHop;
  const errors = { ...kernelErrors, ...options.errors };

  const breaker = options.breaker ?? createBreaker(policy);
  const once = wrap(bulkhead(policy.bulkheadLimit, policy.bulkheadQueue), breaker, timeout(policy.timeoutMs, TimeoutStrategy.Aggressive));
  const retrying = wrap(
    // Not on timeouts: the first attempt may still be running (an argon2 check, say), and piling
    // more on an overloaded module makes it worse.
    retry(
      handleWhen((error) => error instanceof TransportFailure),
      { maxAttempts: policy.attempts - 1, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) },
    ),
    once,
  );

  async function attempt(method: string, input: unknown, signal: AbortSignal): Promise<unknown> {
    // No longer than the caller of the call being served will wait: what is left of its budget.
    const waitMs = Math.min(policy.timeoutMs, remainingMs());
    if (waitMs <= 0) throw new OutOfBudget();
    const outOfBudget = waitMs < policy.timeoutMs ? timeoutSignal(waitMs) : null;
    try {
      return await exchange(method, input, signal, waitMs, outOfBudget?.signal ?? null);
    } finally {
      outOfBudget?.clear();
    }
  }

  async function exchange(method: string, input: unknown, signal: AbortSignal, waitMs: number, outOfBudget: AbortSignal | null) {
    let res: HopResponse;
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${await serviceToken(module)}`,
      [budgetHeader]: budgetFor(waitMs),
    };
    injectTraceContext(headers);
    try {
      res = await send(`${baseUrl()}${portPath(module)}/${method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(input === undefined ? {} : { input }),
        signal: outOfBudget ? AbortSignal.any([signal, outOfBudget]) : signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (outOfBudget?.aborted) throw new OutOfBudget();
      throw new TransportFailure('unreachable', { cause: error });
    }
    const body = (await res.json().catch(() => {
      if (outOfBudget?.aborted) throw new OutOfBudget();
      return null;
    })) as { output?: unknown; code?: string; detail?: string; errors?: unknown; details?: Record<string, unknown> } | null;
    if (res.ok && body) return body.output;
    // A refused service token is a deployment fault (secrets differ), never the caller's answer.
    if (body?.code === 'service_unauthenticated') throw new TransportFailure('bad_response');
    // A bug on the other side stays a 500, as it would in the monolith: neither retried nor a breaker failure.
    if (res.status === 500 && body?.code === 'internal_error') throw new Error(`The ${module} module failed: ${body.detail ?? ''}`);
    const rebuild = body?.code ? errors[body.code] : undefined;
    // A domain error is an answer, not a failure: it neither trips the breaker nor is retried. So
    // is a 503 the module chose to answer (its hashing is full, its database is down): retried or
    // counted, an overload would grow, then shut every call to the module out. A 503 that is not
    // the module's problem+json (a proxy's between us, say) stays a transport failure.
    const deliberate = res.status < 500 || (res.status === 503 && res.headers.get('content-type')?.startsWith('application/problem+json'));
    if (rebuild && deliberate) {
      const retryAfterSeconds = Number(res.headers.get('retry-after')) || undefined;
      throw rebuild(body?.detail ?? '', { fields: body?.errors, retryAfterSeconds, ...body?.details });
    }
    throw new TransportFailure('bad_response');
  }

  async function call(method: string, input: unknown): Promise<unknown> {
    const methodSpec = (spec as Record<string, PortSpec<Api>[keyof Api]>)[method]!;
    const payload = parseInput(methodSpec.input, input);
    try {
      const output = await (methodSpec.idempotent ? retrying : once).execute(({ signal }) => attempt(method, payload, signal));
      return methodSpec.output.parse(output);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new RemoteCallError(module, 'circuit_open', { cause: error });
      if (error instanceof BulkheadRejectedError) throw new RemoteCallError(module, 'bulkhead_full', { cause: error });
      if (error instanceof TaskCancelledError || error instanceof OutOfBudget)
        throw new RemoteCallError(module, 'timeout', { cause: error });
      if (error instanceof TransportFailure) throw new RemoteCallError(module, error.reason, { cause: error });
      throw error;
    }
  }

  /** Whether an instance accepts this process's calls (see createPortEndpoints); outside the breaker, as a probe. */
  async function greet(): Promise<Greeting> {
    const timeout = timeoutSignal(policy.timeoutMs);
    try {
      const res = await send(`${baseUrl()}${portPath(module)}`, {
        headers: { Authorization: `Bearer ${await serviceToken(module)}` },
        signal: timeout.signal,
      });
      await res.body?.cancel();
      if (res.status === 204) return 'accepted';
      if (res.status === 401) return 'refused';
      return res.status === 404 ? 'not-the-module' : 'unreachable';
    } catch {
      return 'unreachable';
    } finally {
      timeout.clear();
    }
  }

  const client = Object.fromEntries(Object.keys(spec).map((method) => [method, (input: unknown) => call(method, input)]));
  return Object.assign(client as Api, { breakerState: () => breakerState(breaker), greet });
}
