import { detached, type EventBus, type Outbox } from '../../modules/kernel/mod.ts';
import { unbudgeted } from '../http/deadline.ts';

export interface OutboxRelayOptions {
  outbox: Outbox;
  bus: EventBus;
  batchSize?: number;
  /** Fallback poll, for rows written by other processes or left by a failed publish. */
  pollIntervalMs?: number;
  /** Sent rows are kept this long (for inspection), then pruned. */
  retainSentMs?: number;
  onError?: (error: unknown) => void;
}

export interface OutboxRelay {
  start(): void;
  /** Publishes until the outbox is empty; resolves when it is (or on the first failure). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes outbox rows to the bus: woken by each commit that wrote rows, with a polling
 * fallback. Delivery is at-least-once: a crash between publish and marking sent republishes.
 */
export function createOutboxRelay({
  outbox,
  bus,
  batchSize = 100,
  pollIntervalMs = 1000,
  retainSentMs = 60 * 60 * 1000,
  onError = () => {},
}: OutboxRelayOptions): OutboxRelay {
  let timer: ReturnType<typeof setInterval> | undefined;
  let unlisten: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let lastPrune = 0;

  async function drainAll() {
    do {
      again = false;
      while (
        (await outbox.drain(batchSize, async (entries) => {
          for (const entry of entries) await bus.publish(entry.event);
        })) > 0
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

  return {
    start() {
      stopped = false;
      unlisten = outbox.onAppend(() => void wake());
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
      while (running !== undefined) await running;
    },
  };
}
