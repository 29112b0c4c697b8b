import { z } from 'zod';
import { currentTraceparent } from './tracing.ts';

/**
 * CloudEvents 1.0 JSON envelope (plus the W3C `traceparent` extension). Every event that crosses
 * the bus has this shape; `subject` is the user id the event concerns.
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().uuid(),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.string().datetime(),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json'),
  data: z.record(z.string(), z.unknown()),
  traceparent: z.string().optional(),
});

export type CloudEvent<Data extends Record<string, unknown> = Record<string, unknown>> = Omit<z.infer<typeof cloudEventSchema>, 'data'> & {
  data: Data;
};

/**
 * Builds an envelope; ids are random UUIDs so consumers can deduplicate by `id`. It carries the
 * active trace context, so its publish and handling join the trace of the work that caused it.
 */
export function createEvent<Data extends Record<string, unknown>>(input: {
  source: string;
  type: string;
  subject?: string;
  data: Data;
  time?: Date;
}): CloudEvent<Data> {
  const traceparent = currentTraceparent();
  return {
    specversion: '1.0',
    id: crypto.randomUUID(),
    source: input.source,
    type: input.type,
    time: (input.time ?? new Date()).toISOString(),
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    datacontenttype: 'application/json',
    data: input.data,
    ...(traceparent === undefined ? {} : { traceparent }),
  };
}

/** A handler receives one event; throwing asks the bus to redeliver it. */
export type EventHandler = (event: CloudEvent) => Promise<void>;

export interface Subscription {
  /**
   * Resolves once every event published from now on will reach this subscription (a broker may
   * need a round trip to set up its group). Code that reads a snapshot and then relies on events
   * for changes after it must wait for this first. Broker down: it waits until the broker is back.
   */
  ready: Promise<void>;
  /**
   * Stops delivery; resolves once the handler in flight (if any) has finished. Broker down: it
   * still resolves; what the subscription leaves pending is redelivered to its group later.
   */
  close(): Promise<void>;
}

/**
 * Moves CloudEvents from publishers to subscribers. Delivery is at-least-once, so handlers must be
 * idempotent by event `id`.
 */
export interface EventBus {
  /**
   * Resolves once the event is accepted by the bus (durably, where the bus is durable). Broker
   * down: UnavailableError, and the event is not delivered unless only the answer was lost.
   */
  publish(event: CloudEvent): Promise<void>;
  /**
   * Delivers every published event whose `type` is in `types` to `handler`, one at a time, in
   * publish order. Subscriptions sharing a `group` share the work (each event goes to one of
   * them); different groups each get every event. A handler that throws is retried with backoff a
   * bounded number of times, then the event is dead-lettered; a failing handler never blocks or
   * breaks another subscription. Broker down: it still returns at once, and delivery starts (or
   * resumes, losing nothing the broker had accepted) by itself once the broker is back.
   */
  subscribe(options: { group: string; types: readonly string[]; handler: EventHandler }): Subscription;
  /**
   * Pending and lagging events of this process's subscriptions, per group and event type (for
   * metrics). Broker down: UnavailableError.
   */
  stats(): Promise<ConsumerGroupStats[]>;
  /** Stops every subscription and releases connections; resolves even while the broker is down. */
  close(): Promise<void>;
}

export interface ConsumerGroupStats {
  group: string;
  type: string;
  /** Delivered to the group but not yet acknowledged. */
  pending: number;
  /** Published but not yet delivered to the group. */
  lag: number;
}

/** Where events born from a state change wait until the relay publishes them. */
export interface OutboxEntry {
  id: string;
  event: CloudEvent;
}

/**
 * The relay's side of the transactional outbox. Repositories write outbox rows in the same
 * transaction as their state change; this port only drains them. When its store is down every
 * method but onAppend rejects with UnavailableError; a write then changed nothing unless only its
 * answer was lost.
 */
export interface Outbox {
  /**
   * Calls `publish` with up to `limit` unsent entries, oldest first, and marks them sent once it
   * resolves. Entries being published by another relay are skipped, so concurrent relays never
   * publish one entry twice; if `publish` throws, the entries stay unsent. Returns how many were sent.
   * Store down: UnavailableError, and the entries stay unsent (unless only the answer was lost),
   * even those `publish` took: they are published again later (delivery is at least once).
   */
  drain(limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number>;
  /**
   * Appends events outside any state change (for modules that own no state). Store down:
   * UnavailableError, nothing appended unless only the answer was lost.
   */
  append(events: readonly CloudEvent[]): Promise<void>;
  /** Number of unsent entries. Store down: UnavailableError. */
  backlog(): Promise<number>;
  /**
   * Deletes entries sent before `olderThan`; returns how many. Store down: UnavailableError,
   * possibly after deleting some of them (the next prune finishes).
   */
  prune(olderThan: Date): Promise<number>;
  /**
   * Calls `listener` after each commit that added entries, so a relay can wake at once. Never
   * fails; while the store is down no call comes (a relay polls as well).
   */
  onAppend(listener: () => void): () => void;
}
