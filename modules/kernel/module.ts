import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { Hono } from 'hono';
import type { Schema } from 'hono/types';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { HandlerSet, EventSchemas } from './event-catalogue.ts';
import type { AppEnv } from './http.ts';
import type { ErrorRegistry, PortSpec } from './remote.ts';

/** A module's port as it crosses a process boundary: its name in traces, its methods, its errors. */
export interface PortDescriptor<Api extends object> {
  name: string;
  spec: PortSpec<Api>;
  errors: ErrorRegistry;
}

/**
 * Public routes of a module, mounted together at `path` by the gateway. Which of them need an
 * access token is read from each definition's `security`.
 */
export interface RouteGroup<Api extends object> {
  path: string;
  /** What the OpenAPI document lists and a split gateway forwards. */
  definitions: readonly RouteConfig[];
  /** The endpoints answering them, over the module's port (local or remote). */
  endpoints(api: Api): Hono<AppEnv, Schema, string>;
}

/**
 * A module's own configuration: the environment variables it reads (a zod object of them, with
 * their defaults; config validates them with every other variable) and the settings it makes of them.
 */
export interface ModuleSettings<Settings = unknown> {
  variables: z.ZodObject;
  from(variables: Record<string, unknown>): Settings;
}

/** What a module instance offers once built: its port, and the event handlers it runs. */
export interface ModuleInstance<Api extends object> {
  api: Api;
  /** Its consumers, over its own port as the composition root wraps it (traced). */
  handlers?: (api: Api) => HandlerSet;
  /**
   * Work to do once its storage is open, before the process is ready (retried until it succeeds):
   * `pending` says what readiness waits for meanwhile.
   */
  startup?: { name: string; pending: string; run(): Promise<void> };
}

/**
 * Everything the composition root, the placement, the gateway and the documentation need to know
 * about a module; `Deps` is what it needs to be built (other modules' ports, adapters, settings),
 * which the composition root supplies.
 */
export interface ModuleDescriptor<
  Name extends string = string,
  // biome-ignore lint/suspicious/noExplicitAny: the erased default, for lists of modules: Api is invariant here, and the composition root pairs each port with its module by name
  Api extends object = any,
  // biome-ignore lint/suspicious/noExplicitAny: the erased default: only a module's own binding knows what its create() takes
  Deps = any,
  Routes extends readonly RouteGroup<Api>[] = readonly RouteGroup<Api>[],
  Calls extends readonly string[] = readonly string[],
  Settings = unknown,
> {
  name: Name;
  port: PortDescriptor<Api>;
  /** The modules whose ports it calls, in any placement (its `deps.calls`, by module name). */
  calls: Calls;
  /** Its public routes, by mount path (their types make the typed client). */
  routes: Routes;
  /** The events it publishes: their types and payload schemas. */
  publishes: EventSchemas;
  /** The HTTP status of each of its domain error codes. */
  errorStatus: Readonly<Record<string, ContentfulStatusCode>>;
  /** Its configuration slice, when it reads variables of its own. */
  settings?: ModuleSettings<Settings>;
  create(deps: Deps): ModuleInstance<Api>;
}

/** A module's settings, as its `settings.from` makes them (undefined when it has none). */
export type SettingsOf<Descriptor extends ModuleDescriptor> =
  NonNullable<Descriptor['settings']> extends ModuleSettings<infer Settings> ? Settings : undefined;

/** Defines a module's configuration slice, its variables' types carried into `from`. */
export function defineSettings<Variables extends z.ZodObject, Settings>(
  variables: Variables,
  from: (variables: z.output<Variables>) => Settings,
): ModuleSettings<Settings> {
  return { variables, from: (values) => from(values as z.output<Variables>) };
}

/** The ports a module calls, as its `create` takes them (`deps.calls`), by module name. */
export type CallsOf<Descriptor extends ModuleDescriptor> = Parameters<Descriptor['create']>[0] extends { calls: infer Calls }
  ? Calls
  : Record<string, never>;

/** A descriptor, its types checked and kept (an identity function for inference). */
export function defineModule<
  const Name extends string,
  Api extends object,
  Deps,
  const Routes extends readonly RouteGroup<Api>[],
  const Calls extends readonly string[],
  Settings = undefined,
>(descriptor: ModuleDescriptor<Name, Api, Deps, Routes, Calls, Settings>): ModuleDescriptor<Name, Api, Deps, Routes, Calls, Settings> {
  return descriptor;
}
