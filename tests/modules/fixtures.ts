import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import type { CloudEvent, Clock } from '../../modules/kernel/mod.ts';

/** A clock tests move by hand. */
export function manualClock(start = new Date('2026-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

/** A memory outbox plus a way to read the events written to it so far. */
export function observedOutbox() {
  const outbox = createMemoryOutbox();
  const written = async (): Promise<CloudEvent[]> => {
    const events: CloudEvent[] = [];
    await outbox.drain(10_000, async (entries) => void events.push(...entries.map((e) => e.event)));
    return events;
  };
  return { outbox, written };
}
