/**
 * The shared kernel: the domain error base, the CloudEvents envelope and the EventBus/Outbox
 * ports, request metadata and the clock. Pure: no I/O.
 */
export * from './errors.ts';
export * from './events.ts';
export * from './context.ts';
export * from './validation.ts';
export * from './remote.ts';
export * from './rate-limit.ts';
export * from './password-throttle.ts';
export * from './hash.ts';
export * from './tracing.ts';
export * from './event-tracing.ts';
export * from './event-catalogue.ts';
export * from './module.ts';
export * from './first-use.ts';
