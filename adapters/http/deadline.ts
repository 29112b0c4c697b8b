import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../modules/kernel/http.ts';

/*
 * A call's deadline, carried across processes. A caller that gives up on a call after some time
 * sends that budget with it; the process serving the call runs it within the budget, and what the
 * call then waits for (another module, Redis, Postgres) gets only what is left. So nothing a call
 * does outlives its caller's patience: a refresh the gateway answered 503 does not go on to
 * rotate the token in the session module a moment later, and each hop fails within its budget
 * instead of its caller's timeout firing first.
 */

const deadlines = new AsyncLocalStorage<number>();

/** Milliseconds its caller will wait for this call (relative, so the processes' clocks need not agree). */
export const budgetHeader = 'request-budget-ms';

/** Kept from a budget sent on, for the answer's way back: the callee answers before its caller gives up. */
export const answerMarginMs = 50;

/** Runs `work` with a deadline `budgetMs` from now, or the current one if that comes first. */
export function withBudget<T>(budgetMs: number, work: () => T): T {
  return deadlines.run(Math.min(Date.now() + budgetMs, deadlines.getStore() ?? Infinity), work);
}

/** Runs `work` under no call's deadline: for work a call merely wakes (an outbox relay), which outlives it. */
export function unbudgeted<T>(work: () => T): T {
  return deadlines.exit(work);
}

/** Milliseconds left until the deadline of the call being served; Infinity outside one. */
export function remainingMs(): number {
  const deadline = deadlines.getStore();
  return deadline === undefined ? Infinity : deadline - Date.now();
}

/** The budget to send with a call this process will wait `waitMs` for. */
export const budgetFor = (waitMs: number) => String(Math.max(0, Math.floor(waitMs - answerMarginMs)));

/**
 * Serves each request within the budget its caller sent (budgetHeader), if any. Only on routes
 * behind a service token: a budget comes from this deployment's own processes, never a client.
 */
export function acceptBudget(): MiddlewareHandler<AppEnv> {
  return async function acceptBudget(c, next) {
    const sent = c.req.header(budgetHeader);
    if (sent === undefined || !/^\d{1,7}$/.test(sent)) return next();
    await withBudget(Number(sent), next);
  };
}
