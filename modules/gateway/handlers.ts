import type { EventBus, Subscription } from '../kernel/mod.ts';
import type { RevocationSet } from './revocations.ts';

/**
 * Feeds the revocation set from `session.revoked`. Each gateway instance subscribes in a group of
 * its own, so every instance sees every revocation (fan-out).
 */
export function subscribeRevocations(bus: EventBus, revocations: RevocationSet, instanceId: string): Subscription {
  return bus.subscribe({
    group: `gateway.${instanceId}`,
    types: ['session.revoked'],
    async handler(event) {
      if (typeof event.data.sessionId === 'string') revocations.add(event.data.sessionId);
    },
  });
}
