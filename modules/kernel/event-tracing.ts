import { currentTraceparent, extractTraceContext, inSpan, SpanKind } from './tracing.ts';
import type { CloudEvent, EventBus } from './events.ts';

/** The trace context an envelope carries (its `traceparent`), so work it causes joins that trace. */
const contextOf = (event: CloudEvent) => extractTraceContext({ get: (name) => (name === 'traceparent' ? event.traceparent : undefined) });

const messageAttributes = (event: CloudEvent) => ({
  'messaging.destination.name': event.type,
  'messaging.message.id': event.id,
});

/**
 * An EventBus whose publishes and deliveries are spans. A publish is a producer span under the
 * trace the event was born in (its envelope's `traceparent`, which the relay may publish long after
 * the request ended) and sends the event on with its own context; each delivery is a consumer span
 * under that, in whichever process consumes it.
 */
export function traceEventBus(bus: EventBus): EventBus {
  return {
    publish(event) {
      // Never the active context (a relay or bus loop may still carry the request that woke it):
      // the envelope's, or the root when it has none.
      return inSpan(
        `publish ${event.type}`,
        { kind: SpanKind.PRODUCER, parent: contextOf(event), attributes: messageAttributes(event) },
        () => {
          const traceparent = currentTraceparent();
          return bus.publish(traceparent ? { ...event, traceparent } : event);
        },
      );
    },
    subscribe({ group, types, handler }) {
      return bus.subscribe({
        group,
        types,
        handler: (event) =>
          inSpan(
            `process ${event.type}`,
            {
              kind: SpanKind.CONSUMER,
              parent: contextOf(event),
              attributes: { ...messageAttributes(event), 'messaging.consumer.group.name': group },
            },
            () => handler(event),
          ),
      });
    },
    stats: () => bus.stats(),
    close: () => bus.close(),
  };
}
