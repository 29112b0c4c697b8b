import { messageOf } from '../modules/kernel/mod.ts';
import { CheckFailed, type HealthCheck } from './health.ts';
import type { Logger } from './log.ts';

/**
 * A start-up failure no retry can fix (a misconfiguration): the process stops. Its message names
 * the variable, its value (credentials masked) and what failed.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Something the process needs from a peer before it can serve: done in the background, retried until it succeeds. */
export interface StartupTask {
  /** Names the readiness check (`startup:<name>`) and the log lines. */
  name: string;
  /** What readiness shows until the task has succeeded. Public: no error text, no hostnames. */
  pending: string;
  /** One attempt. A StartupError stops the process; any other failure is retried. */
  attempt: () => Promise<void>;
  /** The log line of a failed attempt, e.g. naming the variable that points at the peer. */
  describeFailure?: (error: unknown) => string;
}

export interface Startup {
  /**
   * Starts `task` in the background and adds its readiness check (`startup:<name>`, failing with
   * `pending` until the task has succeeded). Resolves once it has succeeded; never settles if a
   * failure is fatal or the startup is closed first.
   */
  run(task: StartupTask): Promise<void>;
  /** Resolves once every task run so far has succeeded; rejects with the first StartupError. */
  started(): Promise<void>;
  /** Stops retrying; attempts in flight finish unobserved. */
  close(): void;
}

/**
 * Runs start-up tasks in the background, so a process listens (and answers /health/live) while
 * its peers are not up yet, and stays not ready until each task has succeeded. Retries back off
 * from `minDelayMs`, doubling, to `maxDelayMs` with jitter, so many processes started together
 * do not hammer a peer that is coming up. A StartupError ends the retries and rejects started().
 */
export function createStartup({
  logger,
  checks,
  minDelayMs = 100,
  maxDelayMs = 5000,
}: {
  logger: Logger;
  /** The process's readiness checks, which the tasks' checks join. */
  checks: Record<string, HealthCheck>;
  minDelayMs?: number;
  maxDelayMs?: number;
}): Startup {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const tasks: Promise<void>[] = [];
  let fatal!: (error: StartupError) => void;
  const failed = new Promise<never>((_, reject) => (fatal = reject));
  failed.catch(() => {}); // observed through started()
  let closed = false;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  return {
    run({ name, pending, attempt, describeFailure = (error) => `${name}: ${messageOf(error)}` }) {
      let done = false;
      checks[`startup:${name}`] = async () => {
        if (!done) throw new CheckFailed(pending);
      };
      const task = new Promise<void>((resolve) => {
        void (async () => {
          let lastFailure = '';
          for (let attempts = 1; !closed; attempts++) {
            try {
              await attempt();
              if (closed) return;
              done = true;
              if (attempts > 1) logger.info('start-up task done', { task: name, attempts });
              return resolve();
            } catch (error) {
              if (closed) return;
              if (error instanceof StartupError) return fatal(error);
              // One line per new kind of failure: a long outage must show, but not flood the log.
              const failure = describeFailure(error);
              if (failure !== lastFailure)
                logger.warn(`${failure}; retrying in the background, not ready meanwhile`, { task: name, attempts });
              lastFailure = failure;
              const delay = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempts - 1, 16));
              await pause(delay / 2 + Math.random() * (delay / 2));
            }
          }
        })();
      });
      tasks.push(task);
      return task;
    },
    started: () => Promise.race([Promise.all(tasks).then(() => {}), failed]),
    close() {
      closed = true;
      timers.forEach(clearTimeout);
      timers.clear();
    },
  };
}

/**
 * Logs a connection's outage once and its recovery once, naming the variable that points at it,
 * instead of one line per reconnect attempt (or none at all).
 */
export function connectionLog({ logger, variable, shownUrl }: { logger: Logger; variable: string; shownUrl: string }) {
  let down = false;
  return {
    failed(error: unknown) {
      if (!down)
        logger.warn(`${variable} (${shownUrl}) is not answering: ${messageOf(error)}; reconnecting in the background, not ready meanwhile`);
      down = true;
    },
    answered() {
      if (down) logger.info(`${variable} (${shownUrl}) answers again`);
      down = false;
    },
  };
}
