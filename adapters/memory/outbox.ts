import type { CloudEvent, Outbox, OutboxEntry } from '../../modules/kernel/mod.ts';

interface Row {
  event: CloudEvent;
  claimed: boolean;
  sentAt: Date | null;
}

/** In-memory outbox; `write` is synchronous so a memory repository commits state and events together. */
export interface MemoryOutbox extends Outbox {
  write(events: readonly CloudEvent[]): void;
}

export function createMemoryOutbox(): MemoryOutbox {
  const rows: Row[] = [];
  const listeners = new Set<() => void>();

  const write = (events: readonly CloudEvent[]) => {
    if (events.length === 0) return;
    for (const event of events) rows.push({ event: structuredClone(event), claimed: false, sentAt: null });
    queueMicrotask(() => {
      for (const listener of listeners) listener();
    });
  };

  return {
    write,
    async append(events) {
      write(events);
    },
    async drain(limit, publish) {
      const batch = rows.filter((r) => !r.claimed && r.sentAt === null).slice(0, limit);
      if (batch.length === 0) return 0;
      for (const r of batch) r.claimed = true;
      try {
        await publish(batch.map((r): OutboxEntry => ({ id: r.event.id, event: structuredClone(r.event) })));
      } finally {
        for (const r of batch) r.claimed = false;
      }
      const sentAt = new Date();
      for (const r of batch) r.sentAt = sentAt;
      return batch.length;
    },
    async backlog() {
      return rows.filter((r) => r.sentAt === null).length;
    },
    async prune(olderThan) {
      let pruned = 0;
      for (let i = rows.length - 1; i >= 0; i--) {
        const sentAt = rows[i]!.sentAt;
        if (sentAt && sentAt < olderThan) {
          rows.splice(i, 1);
          pruned++;
        }
      }
      return pruned;
    },
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
