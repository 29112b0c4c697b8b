import { createMemoryAccountTokenRepository } from '../../adapters/memory/account-token-repository.ts';
import { createMemoryOutbox, type MemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemoryRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
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

/** The user service's account-lifecycle dependencies, in memory: its tokens, an outbox, the one-mail-a-minute limit. */
export function lifecycleDeps(outbox: MemoryOutbox = createMemoryOutbox()) {
  return {
    tokens: createMemoryAccountTokenRepository(),
    outbox,
    mailLimit: createMemoryRateLimiter({ name: `account-mails-${crypto.randomUUID()}`, limit: 1, windowSeconds: 60 }),
  };
}
