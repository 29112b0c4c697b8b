import { detached, type EventBus, type Outbox } from '../../modules/kernel/mod.ts';
import { unbudgeted } from '../http/deadline.ts';

export interface OutboxRelayOptions {
  outbox: Outbox;
  bus: EventBus;
  batchSize?: number;
  /** Fallback poll, for rows written by other processes or left by a failed publish. */
  pollIntervalMs?: number;
  /**
   * How long an append's wake waits for the appends after it, so that they go in one batch. Each
   * drain costs its store the same round trips whatever it carries (a claim and an
   * acknowledgement): woken by each commit, a relay spent them on one event each, as many as a
   * refresh's own. Default 5 ms.
   */
  coalesceMs?: number;
  /** Sent rows are kept this long (for inspection), then pruned. */
  retainSentMs?: number;
  onError?: (error: unknown) => void;
}

export interface OutboxRelay {
  start(): void;
  /** Publishes what this process's relay can claim now, until a batch comes back short of full (or the first failure). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes outbox rows to the bus: woken by each commit that wrote rows (within coalesceMs),
 * with a polling fallback. Delivery is at-least-once: a crash between publish and marking sent
 * republishes.
 */
export function createOutboxRelay({
  outbox,
  bus,
  batchSize = 100,
  pollIntervalMs = 1000,
  coalesceMs = 5,
  retainSentMs = 60 * 60 * 1000,
  onError = () => {},
}: OutboxRelayOptions): OutboxRelay {
  let timer: ReturnType<typeof setInterval> | undefined;
  let soon: ReturnType<typeof setTimeout> | undefined;
  let unlisten: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let lastPrune = 0;

  async function drainAll() {
    do {
      again = false;
      // A batch short of full took every entry there was, so the claim after it would find
      // nothing: an append since then has woken the relay again (`again`), and a row written
      // without a wake waits for the poll, as it would have had it come a moment later.
      while (
        (await outbox.drain(batchSize, async (entries) => {
          for (const entry of entries) await bus.publish(entry.event);
        })) === batchSize
      );
    } while (again);
    if (Date.now() - lastPrune > retainSentMs / 4) {
      lastPrune = Date.now();
      await outbox.prune(new Date(Date.now() - retainSentMs));
    }
  }

  function wake(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    // A commit inside a request wakes the relay; what it then publishes belongs to no request
    // (its trace), and must not stop when the request's caller gives up (its budget).
    running = unbudgeted(() => detached(drainAll))
      .catch(onError)
      .finally(() => {
        running = undefined;
        // A wake that came after the last drain (during prune, or while settling) must not wait for the poll.
        if (again && !stopped) void wake();
      });
    return running;
  }

  /** An append's wake: one per `coalesceMs`, however many commits ask for it meanwhile. */
  function wakeSoon() {
    soon ??= setTimeout(() => {
      soon = undefined;
      void wake();
    }, coalesceMs);
  }

  return {
    start() {
      stopped = false;
      unlisten = outbox.onAppend(wakeSoon);
      timer = setInterval(() => void wake(), pollIntervalMs);
      timer.unref?.();
      void wake();
    },
    async flush() {
      while (running !== undefined) await running;
      await wake();
    },
    async stop() {
      stopped = true;
      unlisten?.();
      clearInterval(timer);
      // What an append asked for still goes out, as it would have without the wait.
      if (soon !== undefined) {
        clearTimeout(soon);
        soon = undefined;
        void wake();
      }
      while (running !== undefined) await running;
    },
  };
}
