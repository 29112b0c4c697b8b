import type { z } from 'zod';
import { createEvent, type CloudEvent, type EventBus, type Subscription } from './events.ts';

/**
 * The events one module publishes: each type with the zod schema of its payload. The module that
 * publishes an event declares it once; producers and consumers both take its type from here, so
 * renaming or reshaping an event is a compile error wherever it is used.
 */
export type EventSchemas = Record<string, z.ZodType<Record<string, unknown>>>;

/** An event of `Catalogue` whose type is one of `Type`, its `data` typed by that type's schema. */
export type EventOf<Catalogue extends EventSchemas, Type extends keyof Catalogue & string = keyof Catalogue & string> = {
  [T in Type]: CloudEvent<z.output<Catalogue[T]>> & { type: T };
}[Type];

/**
 * The event could never be handled: its payload does not match its type's schema (a producer of
 * another version, or a corrupt entry). Buses dead-letter it at once, with this message as the
 * reason, instead of retrying what cannot succeed.
 */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/**
 * Makes the events of one module's catalogue: the type must be in it and the payload must fit its
 * schema, at compile time. The payload's `userId`, when it has one, is the event's `subject`.
 */
export function eventFactory<Catalogue extends EventSchemas>(source: string, _catalogue: Catalogue) {
  return function event<Type extends keyof Catalogue & string>(
    type: Type,
    data: z.input<Catalogue[Type]>,
    time?: Date,
  ): EventOf<Catalogue, Type> {
    const { userId } = data as { userId?: unknown };
    const subject = typeof userId === 'string' ? { subject: userId } : {};
    return createEvent({ source, type, data: data as Record<string, unknown>, time, ...subject }) as EventOf<Catalogue, Type>;
  };
}

/** What a consumer does with each event type it handles; `data` is typed by the type's schema. */
export type EventHandlers<Catalogue extends EventSchemas> = {
  [Type in keyof Catalogue & string]?: (event: EventOf<Catalogue, Type>) => Promise<void>;
};

/** A consumer's handlers, checked against the catalogues they come from, ready to subscribe. */
export interface HandlerSet {
  types: readonly string[];
  /**
   * Parses the payload with its type's schema (MalformedEventError when it does not fit), then
   * handles it; a type without a handler is ignored.
   */
  handle(event: CloudEvent): Promise<void>;
}

/**
 * Binds handlers to the catalogue of the events they handle (merge several modules' catalogues with
 * spread). A handler for a type the catalogue lacks does not compile.
 */
export function eventHandlers<Catalogue extends EventSchemas>(catalogue: Catalogue, handlers: EventHandlers<Catalogue>): HandlerSet {
  const types = Object.keys(handlers).filter((type) => handlers[type] !== undefined);
  return {
    types,
    async handle(event) {
      const handler = handlers[event.type] as ((event: CloudEvent) => Promise<void>) | undefined;
      if (!handler) return;
      const parsed = catalogue[event.type]!.safeParse(event.data);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`).join('; ');
        throw new MalformedEventError(`${event.type} ${event.id}: payload does not match its schema: ${problems}`);
      }
      await handler({ ...event, data: parsed.data });
    },
  };
}

/** Subscribes a handler set under `group` (EventBus.subscribe: one group shares the work). */
export function subscribeHandlers(bus: EventBus, group: string, handlers: HandlerSet): Subscription {
  return bus.subscribe({ group, types: handlers.types, handler: handlers.handle });
}
