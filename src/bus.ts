import { traceEventBus, type EventBus } from '../modules/kernel/mod.ts';
import { createMemoryEventBus } from '../adapters/bus/memory-bus.ts';
import { createRedisStreamsEventBus } from '../adapters/bus/redis-streams-bus.ts';
import type { Redis } from 'ioredis';
import type { Config } from '../config/mod.ts';
import type { Logger } from './log.ts';

export interface ConfiguredBus {
  bus: EventBus;
  close(): Promise<void>;
}

/**
 * The configured event bus (EVENT_BUS), its publishes and deliveries traced, its dead letters
 * logged and counted; the Redis one runs on the process's command client.
 */
export function createEventBus(
  config: Config,
  logger: Logger,
  redis?: Redis,
  countDeadLetter: (letter: { group: string; type?: string }) => void = () => {},
): ConfiguredBus {
  const onDeadLetter = (letter: { group: string; event: { type: string; id: string } | null; error: string }) => {
    logger.error('event dead-lettered', { group: letter.group, type: letter.event?.type, eventId: letter.event?.id, reason: letter.error });
    countDeadLetter({ group: letter.group, type: letter.event?.type });
  };
  if (config.eventBus === 'memory') {
    const bus = createMemoryEventBus({ onDeadLetter });
    return { bus: traceEventBus(bus), close: () => bus.close() };
  }
  const bus = createRedisStreamsEventBus({
    redis: redis!,
    prefix: config.redis!.prefix,
    consumerName: config.serviceName,
    // The gateway's revocation feed is a group per instance (fan-out): gone when the instance is.
    instanceGroup: (group) => group.startsWith('gateway.'),
    onDeadLetter,
    onError: (error) => logger.warn('event bus read failed; retrying', { error }),
  });
  return { bus: traceEventBus(bus), close: () => bus.close() };
}
