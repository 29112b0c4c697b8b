import type { EventBus } from '../modules/kernel/mod.ts';
import { createMemoryEventBus } from '../adapters/bus/memory-bus.ts';
import type { Config } from '../config/mod.ts';
import type { HealthCheck } from './health.ts';
import type { Logger } from './log.ts';

/** The configured event bus, with its readiness checks. */
export function createEventBus(config: Config, logger: Logger): { bus: EventBus; checks: Record<string, HealthCheck>; close(): Promise<void> } {
  const onDeadLetter = (letter: { group: string; event: { type: string; id: string }; error: string }) =>
    logger.error('event dead-lettered', { group: letter.group, type: letter.event.type, eventId: letter.event.id, reason: letter.error });
  if (config.eventBus === 'memory') {
    const bus = createMemoryEventBus({ onDeadLetter });
    return { bus, checks: {}, close: () => bus.close() };
  }
  throw new Error('EVENT_BUS=redis: the Redis Streams bus is not wired yet');
}
