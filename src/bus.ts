import type { EventBus } from '../modules/kernel/mod.ts';
import { createMemoryEventBus } from '../adapters/bus/memory-bus.ts';
import { createRedisStreamsEventBus } from '../adapters/bus/redis-streams-bus.ts';
import { callRedis, createRedisClient } from '../adapters/redis/client.ts';
import type { Config } from '../config/mod.ts';
import type { HealthCheck } from './health.ts';
import type { Logger } from './log.ts';

export interface ConfiguredBus {
  bus: EventBus;
  checks: Record<string, HealthCheck>;
  close(): Promise<void>;
}

/** The configured event bus (EVENT_BUS), with its readiness checks. */
export function createEventBus(config: Config, logger: Logger): ConfiguredBus {
  const onDeadLetter = (letter: { group: string; event: { type: string; id: string } | null; error: string }) =>
    logger.error('event dead-lettered', { group: letter.group, type: letter.event?.type, eventId: letter.event?.id, reason: letter.error });
  if (config.eventBus === 'memory') {
    const bus = createMemoryEventBus({ onDeadLetter });
    return { bus, checks: {}, close: () => bus.close() };
  }
  const { url, prefix, commandTimeoutMs } = config.redis!;
  const redis = createRedisClient({ url, commandTimeoutMs, connectionName: 'auth-events' });
  const bus = createRedisStreamsEventBus({
    redis,
    prefix,
    consumerName: config.services.join('+'),
    // The gateway's revocation feed is a group per instance (fan-out): gone when the instance is.
    instanceGroup: (group) => group.startsWith('gateway.'),
    onDeadLetter,
    onError: (error) => logger.warn('event bus read failed; retrying', { error }),
  });
  return {
    bus,
    checks: { 'event-bus': () => callRedis(redis, (r) => r.ping()) },
    async close() {
      await bus.close();
      redis.disconnect();
    },
  };
}
